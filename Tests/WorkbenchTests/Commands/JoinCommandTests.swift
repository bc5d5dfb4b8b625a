import Foundation
import Testing
import TestSupport
import Tabular
@testable import Workbench

/// `join` (Commands/JoinCommand.swift): tiny's islands A, A, B, B, C, A against regions A, B, D.
@Suite("join")
struct JoinCommandTests {
    @Test func innerAndLeftJoinsReportWhatMatched() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(
            try DataVerbFixture.lines(session, "join tiny regions on island") == [
                "tiny_joined: 5 rows × 6 columns (inner join on island)",
                "5 of 6 rows of tiny matched; 1 did not (dropped); 1 of 3 rows of regions matched nothing",
            ])
        #expect(
            DataVerbFixture.texts(try DataVerbFixture.frame(session, "tiny_joined"), "region") == [
                "north", "north", "south", "south", "north",
            ])
        _ = try DataVerbFixture.lines(session, "all = join tiny regions on island how=left")
        let all = try DataVerbFixture.frame(session, "all")
        #expect(DataVerbFixture.texts(all, "id") == ["1", "2", "3", "4", "5", "6"])
        #expect(DataVerbFixture.texts(all, "region") == ["north", "north", "south", "south", "·", "north"])
    }

    @Test func repeatedKeysMultiplyRowsAndClashingNamesGetTheSuffix() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // tiny with itself on island: A has 3 rows (9 pairs), B 2 (4), C 1 (1).
        let out = try DataVerbFixture.lines(session, "self = join tiny tiny on island suffix=_2")
        #expect(out.first == "self: 14 rows × 9 columns (inner join on island)")
        #expect(out.contains("note: some keys repeat in tiny, so rows of tiny appear once per match"))
        #expect(out.contains("renamed from tiny: id → id_2, mass → mass_2, len → len_2, sex → sex_2"))
    }

    @Test func badJoinsAreRefused() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let noKey = try DataVerbFixture.failure(session, "join tiny regions on region")
        #expect(noKey.contains("'region'") && noKey.contains("column"))
        let rightLacks = try DataVerbFixture.failure(session, "join tiny regions on mass")
        #expect(rightLacks.contains("'mass'") && rightLacks.contains("island, region"))
        _ = try DataVerbFixture.lines(session, "rename regions island=name")
        _ = try DataVerbFixture.lines(session, "derive regions island = 1")
        #expect(
            try DataVerbFixture.failure(session, "join tiny regions on island").contains(
                "the key 'island' is text in the left table and number in the right one"))
        #expect(
            try DataVerbFixture.failure(session, "join tiny regions on id how=outer").contains(
                "how must be one of inner, left"))
        #expect(try DataVerbFixture.failure(session, "join tiny regions").contains("'on KEYS'"))
    }

    /// A join whose result would not fit the memory budget is refused before it is built, with the estimate.
    @Test func aJoinOverTheMemoryBudgetIsRefusedWithTheEstimate() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // 3,000 rows sharing one key: the self-join has 9 million rows.
        var csv = "k,v\n"
        for i in 0..<3_000 { csv += "x,\(i)\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: folder + "/same.csv"))
        try Data("load \"same.csv\"\njoin same same on k\n".utf8).write(to: URL(fileURLWithPath: folder + "/j.wb"))
        let process = try Subprocess(
            BuiltProducts.workbench, ["run", "j.wb"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/home", "WORKBENCH_MEMORY_BUDGET": "64M"])
        _ = process.wait()
        let output = process.output + process.errorOutput
        #expect(
            output.contains(
                "joining same and same (9000000 rows) would need a 9000000 × 3 matrix: about 205 MiB in memory, over the memory budget of 64 MiB"
            ), "\(output)")
        #expect(output.contains("dedupe same on k first"))
    }
}
