import Foundation
import Testing
import TestSupport
@testable import Workbench

/// A session in a fresh folder holding tiny.csv (six rows to check by hand) and regions.csv.
///
/// ```
/// id island mass len  sex        regions: island region
///  1  A     3000  40  m                    A      north
///  2  A     4000   ·  f                    B      south
///  3  B     5000  50  m                    D      west
///  4  B        ·  45  ·
///  5  C     4500   0  f
///  6  A     4000  40  m
/// ```
enum DataVerbFixture {
    static let tiny =
        "id,island,mass,len,sex\n1,A,3000,40,m\n2,A,4000,,f\n3,B,5000,50,m\n4,B,,45,\n5,C,4500,0,f\n6,A,4000,40,m\n"
    static let regions = "island,region\nA,north\nB,south\nD,west\n"

    static func session() throws -> (Session, String) {
        let folder = try temporaryFolder()
        try Data(tiny.utf8).write(to: URL(fileURLWithPath: folder + "/tiny.csv"))
        try Data(regions.utf8).write(to: URL(fileURLWithPath: folder + "/regions.csv"))
        let session = makeSession(in: folder)
        for line in [#"load "tiny.csv""#, #"load "regions.csv""#] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        return (session, folder)
    }

    /// The cell's output lines; the cell must have succeeded.
    static func lines(_ session: Session, _ line: String) throws -> [String] {
        let cell = try #require(session.execute(line))
        try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        return cell.output.plainText.split(separator: "\n").map(String.init)
    }

    /// The error output of a cell that must have failed.
    static func failure(_ session: Session, _ line: String) throws -> String {
        let cell = try #require(session.execute(line))
        try #require(!cell.succeeded, "\(line) should fail: \(cell.output.plainText)")
        return cell.output.plainText
    }

    static func frame(_ session: Session, _ name: String) throws -> DataFrame {
        guard case .dataset(let d)? = session.lookup(name) else { throw CommandError("\(name) is not a dataset") }
        return d.frame
    }

    static func texts(_ frame: DataFrame, _ column: String) -> [String] {
        guard let c = frame.column(named: column) else { return [] }
        return (0..<frame.rowCount).map { c.text(at: $0) ?? "·" }
    }
}

import Tabular
