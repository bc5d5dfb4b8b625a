import Foundation
import Testing
import TestSupport
import Tabular
@testable import Workbench

/// `filter`, `sort`, `sample`, `dedupe` (Commands/RowCommands.swift) on `DataVerbFixture`'s tiny table.
@Suite("filter, sort, sample, dedupe")
struct RowCommandsTests {
    @Test func filterKeepsTrueRowsAndCountsUndecidedOnes() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Row 4 has no mass: "missing > 3500" is undecided, and "undecided and true" too.
        let out = try DataVerbFixture.lines(session, #"filter tiny where mass > 3500 and island != "C""#)
        #expect(
            out == [
                #"tiny_filtered: 3 of 6 rows (50%) where mass > 3500 and island != "C""#,
                "note: 1 row left out where the condition cannot be decided (a value it reads is missing)",
            ])
        #expect(DataVerbFixture.texts(try DataVerbFixture.frame(session, "tiny_filtered"), "id") == ["2", "3", "6"])
        // Kleene: "missing or true" is true, so row 4 is kept here.
        _ = try DataVerbFixture.lines(session, #"kept = filter tiny where mass < 3500 or island in ["B"]"#)
        #expect(DataVerbFixture.texts(try DataVerbFixture.frame(session, "kept"), "id") == ["1", "3", "4"])
        _ = try DataVerbFixture.lines(session, #"nosex = filter tiny where sex is missing or len / mass > 0.0105"#)
        #expect(DataVerbFixture.texts(try DataVerbFixture.frame(session, "nosex"), "id") == ["1", "4"])
    }

    @Test func filterErrorsPointIntoTheExpression() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = try DataVerbFixture.failure(session, "filter tiny where island + 1 > 2")
        #expect(text.contains("error: '+' needs a number, but 'island' is text"))
        #expect(text.contains("\n" + String(repeating: " ", count: 2 + "filter tiny where ".count) + "^^^^^^\n"))
        let typo = try DataVerbFixture.failure(session, "filter tiny where mas > 1")
        #expect(typo.contains("no column 'mas'") && typo.contains("did you mean 'mass'?"))
        let notCondition = try DataVerbFixture.failure(session, "filter tiny where mass * 2")
        #expect(notCondition.contains("filter needs a condition, but this is a number"))
        let empty = try DataVerbFixture.failure(session, "filter tiny where")
        #expect(empty.contains("'filter' needs CONDITION"))
        let bad = try DataVerbFixture.failure(session, "filter tiny where (mass > 1")
        #expect(bad.contains("expected ')'"))
    }

    @Test func sortIsStableWithMissingLast() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = try DataVerbFixture.lines(session, "sort tiny by island desc, mass")
        #expect(out == ["tiny_sorted: 6 rows by island (descending), mass"])
        // C; then B with 5000 before the missing mass; then A's 3000, and the two 4000s in data order.
        #expect(
            DataVerbFixture.texts(try DataVerbFixture.frame(session, "tiny_sorted"), "id") == [
                "5", "3", "4", "1", "2", "6",
            ])
        _ = try DataVerbFixture.lines(session, "by_len = sort tiny by len desc")
        #expect(
            DataVerbFixture.texts(try DataVerbFixture.frame(session, "by_len"), "id") == ["3", "4", "1", "6", "5", "2"])
        #expect(try DataVerbFixture.failure(session, "sort tiny by lenn").contains("did you mean 'len'?"))
    }

    @Test func sampleIsSeededAndKeepsDataOrder() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try DataVerbFixture.lines(session, "a = sample tiny n=3 seed=5")
        _ = try DataVerbFixture.lines(session, "b = sample tiny frac=50% seed=5")
        let a = DataVerbFixture.texts(try DataVerbFixture.frame(session, "a"), "id")
        #expect(a.count == 3 && a == a.sorted())
        #expect(a == DataVerbFixture.texts(try DataVerbFixture.frame(session, "b"), "id"))
        let all = try DataVerbFixture.lines(session, "c = sample tiny n=100")
        #expect(all.last == "note: asked for 100 rows; the data has 6, so all are kept")
        #expect(try DataVerbFixture.failure(session, "sample tiny n=2 frac=0.5").contains("give either n= or frac="))
        #expect(try DataVerbFixture.failure(session, "sample tiny").contains("give either n= or frac="))
    }

    @Test func dedupeKeepsTheFirstOfEachKey() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(
            try DataVerbFixture.lines(session, "dedupe tiny on island") == [
                "tiny_deduped: 3 rows; 3 rows repeated island and were dropped"
            ])
        #expect(DataVerbFixture.texts(try DataVerbFixture.frame(session, "tiny_deduped"), "id") == ["1", "3", "5"])
        #expect(
            try DataVerbFixture.lines(session, "all = dedupe tiny") == [
                "all: 6 rows; 0 rows repeated every column and were dropped"
            ])
        _ = try DataVerbFixture.lines(session, "pairs = dedupe tiny on mass, len")
        // (3000, 40) and (4000, 40) differ, as do all the others: nothing goes.
        #expect(
            DataVerbFixture.texts(try DataVerbFixture.frame(session, "pairs"), "id") == ["1", "2", "3", "4", "5", "6"])
    }
}
