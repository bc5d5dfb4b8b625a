import Testing
@testable import Learning
import Tabular

@Suite("Shortcut checks")
struct ShortcutCheckTests {
    private func text(_ name: String, _ values: [String]) -> Column {
        let levels = Array(Set(values)).sorted()
        let code = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, Int32($0)) })
        return Column(name: name, data: .categorical(codes: values.map { code[$0]! }, levels: levels))
    }

    /// label yes/no; code relabels it (P/N); mixed agrees with it only mostly; id is unique per row.
    private func frame() throws -> DataFrame {
        let rows = Array(0..<12)
        let positive: [Bool] = rows.map { $0 % 3 == 0 }
        let label: [String] = positive.map { $0 ? "yes" : "no" }
        let code: [String] = positive.map { $0 ? "P" : "N" }
        let mixed: [String] = rows.map { $0 % 3 == 0 || $0 == 1 ? "a" : "b" }
        let ids: [String] = rows.map { "r\($0)" }
        let x: [Double] = rows.map { $0 % 3 == 0 ? 100 + Double($0) : Double($0) }
        return try DataFrame(columns: [
            text("code", code), text("mixed", mixed), text("id", ids),
            Column(name: "x", data: .numeric(x)), text("label", label),
        ])
    }

    @Test func relabellingIsOneToOneBothWays() throws {
        let f = try frame()
        // id maps one-to-one too, but each value once: a key, not a relabelling.
        #expect(
            ShortcutCheck.relabellings(
                frame: f, target: "label", features: ["code", "mixed", "id", "x"], rows: Array(0..<12)) == ["code"])
    }

    @Test func aSeparatingFeatureIsFoundByAOneFeatureTree() throws {
        let f = try frame()
        let strata = (0..<12).map { $0 % 3 == 0 ? 1 : 0 }
        let found = try ShortcutCheck.strongSingleFeatures(
            frame: f, target: "label", features: ["mixed", "x"], task: .classification, rows: Array(0..<12), folds: 3,
            strata: strata, context: FitContext())
        #expect(found.map(\.feature) == ["x"])
        #expect(found.first?.score == 1)
    }

    @Test func sharedRowsAreCountedOncePerRow() throws {
        let f = try frame()
        // Rows 0, 1 and 1 again of the training frame, and one new row: 3 shared.
        let other = try DataFrame(columns: f.columns.map { Column(name: $0.name, data: $0.data.selecting([0, 1, 1])) })
        #expect(ShortcutCheck.sharedRows(training: f, other: other, columns: ["code", "x", "label"]) == 3)
        let shifted = try DataFrame(columns: [Column(name: "x", data: .numeric([-1, 5]))])
        #expect(ShortcutCheck.sharedRows(training: f, other: shifted, columns: ["x"]) == 1)
    }
}
