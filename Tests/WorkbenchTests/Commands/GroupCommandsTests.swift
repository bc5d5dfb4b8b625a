import Foundation
import Testing
import TestSupport
import Tabular
@testable import Workbench

/// `count` and `group` (Commands/GroupCommands.swift) on `DataVerbFixture`'s tiny table.
@Suite("count and group")
struct GroupCommandsTests {
    @Test func countGivesSharesMostFrequentFirst() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(
            try DataVerbFixture.lines(session, "count tiny by island") == [
                "tiny_counts: 3 distinct values of island in tiny (6 rows)",
                "island  count  share",
                "------  -----  -----",
                "A           3    50%",
                "B           2    33%",
                "C           1    17%",
            ])
        let counts = try DataVerbFixture.frame(session, "tiny_counts")
        #expect(counts.columnNames == ["island", "count", "share"])
        #expect(DataVerbFixture.texts(counts, "count") == ["3", "2", "1"])
    }

    @Test func countOfTwoColumnsIsACrosstabWithRowShares() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // sex: A is m, f, m; B is m, missing; C is f.
        #expect(
            try DataVerbFixture.lines(session, "x = count tiny by island, sex") == [
                "x: island × sex in tiny (6 rows; shares of each row)",
                "island        m         f  (missing)  total",
                "------  -------  --------  ---------  -----",
                "A       2 (67%)   1 (33%)     0 (0%)      3",
                "B       1 (50%)    0 (0%)    1 (50%)      2",
                "C        0 (0%)  1 (100%)     0 (0%)      1",
            ])
        #expect(try DataVerbFixture.frame(session, "x").rowCount == 5)
    }

    /// Beyond 20 values a side, two columns are counted in the long form (a crosstab would not fit a screen).
    @Test func manyValuesAreCountedInTheLongForm() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var csv = "a,b\n"
        for i in 0..<50 { csv += "k\(i),\(i % 3 == 0 ? "x" : "y")\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: folder + "/wide.csv"))
        _ = try DataVerbFixture.lines(session, #"load "wide.csv""#)
        let out = try DataVerbFixture.lines(session, "count wide by a, b")
        #expect(out.first == "wide_counts: 50 distinct values of a, b in wide (50 rows)")
        #expect(out[1] == "a    b  count  share")
        #expect(out.last == "… 20 more (show wide_counts rows=50)")
    }

    @Test func groupSummarisesEachGroupSortedByKey() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = try DataVerbFixture.lines(
            session,
            "g = group tiny by island n = count(), with_mass = count(mass), m = mean(mass), med = median(len), hi = max(len), sd = std(mass / 1000), sexes = distinct(sex)"
        )
        #expect(
            out == [
                "g: 3 groups of island in tiny (6 rows)",
                "island  n  with_mass     m   med  hi         sd  sexes",
                "------  -  ---------  ----  ----  --  ---------  -----",
                "A       3          3  3667    40  40     0.5774      2",
                "B       2          1  5000  47.5  50  (missing)      1",
                "C       1          1  4500     0   0  (missing)      1",
            ])
        let g = try DataVerbFixture.frame(session, "g")
        guard case .numeric(let m)? = g.column(named: "m")?.data, case .numeric(let sd)? = g.column(named: "sd")?.data,
            case .numeric(let med)? = g.column(named: "med")?.data
        else {
            Issue.record("not numbers")
            return
        }
        #expect(m == [11000.0 / 3, 5000, 4500])
        #expect(med == [40, 47.5, 0])
        // A's masses 3, 4, 4 (thousands): mean 11/3, squared deviations 4/9 + 1/9 + 1/9, over n − 1 = 2.
        #expect(abs(sd[0] - (1.0 / 3).squareRoot()) < 1e-15 && sd[1].isNaN && sd[2].isNaN)
        #expect(DataVerbFixture.texts(g, "n") == ["3", "2", "1"])
        #expect(DataVerbFixture.texts(g, "with_mass") == ["3", "1", "1"])
        #expect(DataVerbFixture.texts(g, "sexes") == ["2", "1", "1"])
    }

    @Test func badSummariesAreRefused() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(
            try DataVerbFixture.failure(session, "group tiny by island m = mean(sex)").contains(
                "mean needs numbers, but this is text"))
        #expect(try DataVerbFixture.failure(session, "group tiny by island m = avg(mass)").contains("no summary 'avg'"))
        #expect(
            try DataVerbFixture.failure(session, "group tiny by island m = mass").contains(
                "'m' must be a summary like mean(column)"))
        #expect(
            try DataVerbFixture.failure(session, "group tiny by island island = count()").contains(
                "'island' names two columns of the result"))
        #expect(
            try DataVerbFixture.failure(session, "group tiny by islnd n = count()").contains("did you mean 'island'?"))
    }
}
