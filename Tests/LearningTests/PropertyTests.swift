import Foundation
import PropertyBased
import Testing
import TestSupport
@testable import Learning
import Tabular

/// A small random table for training: two numbers (with missing values), a category, and both a
/// class and a numeric target.
struct TrainingTable: Sendable, CustomStringConvertible {
    var frame: DataFrame?
    var seed: UInt64
    var description: String { "\(frame?.rowCount ?? 0) rows, seed \(seed)" }
}

private let trainingTables = PropertyBased.zip(
    Gen.int(in: 12...40),
    Gen.double(in: -50...50).optional(valueRate: 0.9).array(of: 80),
    Gen.int(in: 0...2).array(of: 40),
    Gen.uint64(in: 0...1_000_000)
).map { rows, numbers, categories, seed in
    trainingTable(rows: rows, numbers: numbers, categories: categories, seed: seed)
}

private func trainingTable(rows: Int, numbers: [Double?], categories: [Int], seed: UInt64) -> TrainingTable {
    let x: [Double] = (0..<rows).map { numbers[$0] ?? .nan }
    let y: [Double] = (0..<rows).map { numbers[40 + $0] ?? .nan }
    let color: [Int32] = (0..<rows).map { Int32(categories[$0]) }
    var label: [Int32] = []
    var amount: [Double] = []
    for row in 0..<rows {
        let value = x[row].isNaN ? 0 : x[row]
        let score = value + Double(color[row]) * 10
        // Both classes always present: the label depends on x, with the first two rows fixed.
        label.append(row < 2 ? Int32(row) : (score > 0 ? 1 : 0))
        amount.append(value * 2 + Double(color[row]))
    }
    let columns = [
        Column(name: "x", data: .numeric(x)),
        Column(name: "y", data: .numeric(y)),
        Column(name: "color", data: .categorical(codes: color, levels: ["red", "green", "blue"])),
        Column(name: "label", data: .categorical(codes: label, levels: ["no", "yes"])),
        Column(name: "amount", data: .numeric(amount)),
    ]
    // Equal lengths and unique names: this cannot fail; the test requires it anyway.
    return TrainingTable(frame: try? DataFrame(columns: columns), seed: seed)
}

@Suite("Learning properties")
struct LearningPropertyTests {
    /// Every row lands in exactly one part, the test part has ceil(fraction × rows) rows, both parts
    /// are ascending, and stratification keeps each class within one row of its share.
    @Test func splitPartitionsRowsExactly() throws {
        let cases = PropertyBased.zip(
            Gen.int(in: 0...400), Gen.double(in: 0...1), Gen.int(in: 1...5).optional(valueRate: 0.5),
            Gen.uint64(in: 0...UInt64.max))
        try forAll(cases, count: 400, seed: 3) { input, _ in
            let (rows, fraction, classes, seed) = input
            let strata = classes.map { k in (0..<rows).map { ($0 * 7 + $0 / 3) % k } }
            let split = trainTestSplit(rowCount: rows, testFraction: fraction, strata: strata, seed: seed)
            #expect((split.train + split.test).sorted() == Array(0..<rows), "\(input)")
            #expect(split.test.count == min(rows, Int((fraction * Double(rows)).rounded(.up))), "\(input)")
            #expect(split.train == split.train.sorted() && split.test == split.test.sorted())
            if let strata, rows > 0 {
                for k in Set(strata) {
                    let inClass = strata.filter { $0 == k }.count
                    let inTest = split.test.filter { strata[$0] == k }.count
                    let share = Double(inClass) * Double(split.test.count) / Double(rows)
                    #expect(
                        abs(Double(inTest) - share) < 1.0 + 1e-9,
                        "class \(k): \(inTest) test rows, share \(share) in \(input)")
                }
            }
            // The same seed gives the same split.
            #expect(trainTestSplit(rowCount: rows, testFraction: fraction, strata: strata, seed: seed) == split)
        }
    }

    /// A model saved as ModelCoding JSON and loaded back predicts bit for bit the same, for every
    /// algorithm, on random tables with missing values, for classification and regression.
    @Test(arguments: ["baseline", "linear", "knn", "bayes", "mlp", "tree", "forest", "boost"])
    func savedModelPredictsIdentically(algorithm name: String) throws {
        let algorithm = try #require(AlgorithmRegistry.named(name))
        let quick: [String: ParameterValue] =
            switch name {
            case "forest": ["n_estimators": .int(5)]
            case "boost": ["max_iter": .int(8)]
            case "mlp": ["max_iter": .int(15), "hidden": .int(8), "hidden2": .int(4)]
            default: [:]
            }
        try forAll(trainingTables, count: 6, seed: 4) { table, trial in
            let frame = try #require(table.frame)
            let target = trial % 2 == 0 ? "label" : "amount"
            guard algorithm.tasks.contains(target == "label" ? .classification : .regression) else { return }
            let model = try PipelineModel.train(
                algorithm: algorithm, parameters: quick, frame: frame, target: target,
                features: ["x", "y", "color"], context: FitContext(seed: table.seed))
            let data = try ModelCoding.encoder().encode(model)
            let loaded = try ModelCoding.decoder().decode(PipelineModel.self, from: data)
            let before = try model.predict(frame).prediction
            let after = try loaded.predict(frame).prediction
            #expect(samePrediction(before, after), "\(name) on \(table), target \(target)")
            // Encoding is stable: the loaded model saves to the same bytes.
            #expect(try ModelCoding.encoder().encode(loaded) == data)
        }
    }

    /// Encoding rows one by one (the server's path) gives bit for bit the matrix that encoding a
    /// frame gives, for every algorithm's preprocessing (scaling, imputation, indicators), with
    /// levels and ranges that training (on half the rows) never saw.
    @Test(arguments: ["linear", "knn", "bayes", "boost"])
    func rowEncodingMatchesFrameEncoding(algorithm name: String) throws {
        let algorithm = try #require(AlgorithmRegistry.named(name))
        try forAll(trainingTables, count: 8, seed: 9) { table, trial in
            let frame = try #require(table.frame)
            let half = frame.selectingRows(Array(0..<max(2, frame.rowCount / 2)))
            let model = try PipelineModel.train(
                algorithm: algorithm, parameters: name == "boost" ? ["max_iter": .int(3)] : [:], frame: half,
                target: "label", features: ["x", "y", "color"], context: FitContext(seed: table.seed))
            let preprocessor = model.preprocessor
            let rows: [[FeatureValue]] = (0..<frame.rowCount).map { r in
                preprocessor.features.map { feature in
                    guard let column = frame.column(named: feature.name) else { return .missing }
                    switch column.data {
                    case .numeric(let v): return v[r].isNaN ? .missing : .number(v[r])
                    case .categorical: return column.text(at: r).map(FeatureValue.text) ?? .missing
                    }
                }
            }
            let fromFrame = try preprocessor.transform(frame).matrix
            let fromRows = preprocessor.transform(rows: rows, levels: preprocessor.levelIndexes())
            #expect(fromFrame.rows == fromRows.rows && fromFrame.columns == fromRows.columns)
            #expect(
                Swift.zip(fromFrame.values, fromRows.values).allSatisfy { $0.bitPattern == $1.bitPattern },
                "\(name) on \(table), trial \(trial)")
        }
    }
}

/// Equal bit for bit, NaN included.
private func samePrediction(_ a: Prediction, _ b: Prediction) -> Bool {
    switch (a, b) {
    case (.values(let u), .values(let v)):
        u.count == v.count && Swift.zip(u, v).allSatisfy { $0.bitPattern == $1.bitPattern }
    case (.probabilities(let p), .probabilities(let q)):
        p.rows == q.rows && p.columns == q.columns
            && Swift.zip(p.values, q.values).allSatisfy { $0.bitPattern == $1.bitPattern }
    default:
        false
    }
}
