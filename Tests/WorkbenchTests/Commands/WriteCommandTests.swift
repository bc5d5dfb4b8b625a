import Foundation
import GRDB
import Testing
import TestSupport
import Tabular
@testable import Workbench

/// `write` (Commands/WriteCommand.swift): CSV, TSV and SQLite targets, never replacing without being told.
@Suite("write")
struct WriteCommandTests {
    @Test func writesCSVAndTSVAndRefusesToOverwrite() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try DataVerbFixture.lines(session, "a = filter tiny where island == \"A\"")
        #expect(
            try DataVerbFixture.lines(session, #"write a to "a.csv""#) == ["wrote 3 rows × 5 columns of a to a.csv"])
        #expect(
            try String(contentsOfFile: folder + "/a.csv", encoding: .utf8)
                == "id,island,mass,len,sex\n1,A,3000,40,m\n2,A,4000,,f\n6,A,4000,40,m\n")
        let refused = try DataVerbFixture.failure(session, #"write tiny to "a.csv""#)
        #expect(refused.contains("a.csv already exists") && refused.contains("overwrite=yes"))
        #expect(
            try String(contentsOfFile: folder + "/a.csv", encoding: .utf8).hasPrefix("id,island,mass,len,sex\n1,A,3000")
        )
        _ = try DataVerbFixture.lines(session, #"write tiny to "a.csv" overwrite=yes"#)
        #expect(try String(contentsOfFile: folder + "/a.csv", encoding: .utf8).split(separator: "\n").count == 7)
        _ = try DataVerbFixture.lines(session, #"write a to "a.tsv""#)
        #expect(
            try String(contentsOfFile: folder + "/a.tsv", encoding: .utf8).hasPrefix(
                "id\tisland\tmass\tlen\tsex\n1\tA\t3000\t40\tm\n"))
        #expect(try DataVerbFixture.failure(session, #"write a to "nofolder/a.csv""#).contains("no folder"))
        try FileManager.default.createDirectory(atPath: folder + "/dir", withIntermediateDirectories: false)
        #expect(try DataVerbFixture.failure(session, #"write a to "dir" overwrite=yes"#).contains("is a folder"))
    }

    @Test func writesSQLiteTablesBesideOthers() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(
            try DataVerbFixture.lines(session, #"write tiny to "sqlite:out.db" table=tiny"#) == [
                "wrote 6 rows × 5 columns of tiny to table tiny in out.db"
            ])
        _ = try DataVerbFixture.lines(session, #"write regions to "sqlite:out.db" table=regions"#)
        let refused = try DataVerbFixture.failure(session, #"write regions to "sqlite:out.db" table=tiny"#)
        #expect(refused.contains("out.db already has a table tiny") && refused.contains("overwrite=yes"))
        _ = try DataVerbFixture.lines(session, #"back = load "sqlite:out.db" table=tiny"#)
        let back = try DataVerbFixture.frame(session, "back")
        let tiny = try DataVerbFixture.frame(session, "tiny")
        for name in tiny.columnNames {
            #expect(DataVerbFixture.texts(back, name) == DataVerbFixture.texts(tiny, name), "\(name)")
        }
        _ = try DataVerbFixture.lines(session, #"write regions to "sqlite:out.db" table=tiny overwrite=yes"#)
        let tables = try DatabaseQueue(path: folder + "/out.db").read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(tables == ["regions", "tiny"])
        #expect(try DataVerbFixture.failure(session, #"write tiny to "sqlite:out.db""#).contains("needs table="))
        // A file that is not a database is left alone.
        try Data("not a database at all, just text\n".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        #expect(
            try DataVerbFixture.failure(session, #"write tiny to "sqlite:notes.txt" table=t"#).contains("notes.txt"))
        #expect(
            try String(contentsOfFile: folder + "/notes.txt", encoding: .utf8) == "not a database at all, just text\n")
    }
}
