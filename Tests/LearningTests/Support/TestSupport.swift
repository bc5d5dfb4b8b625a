import Foundation
import TestSupport
@testable import Learning

/// A test precondition that did not hold, with a message saying what to fix.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
}

/// The repository's example datasets (`examples/`) read as numeric tables.
enum ExampleDatasets {
    static let folder = URL(fileURLWithPath: exampleData)

    /// A dataset with every column but `target` as features; class labels coded in sorted order.
    struct Dataset {
        let features: Matrix
        let target: Target
    }

    /// Reads `NAME.csv`. These files are all-numeric apart from the target and have no quotes.
    static func load(_ name: String, target targetColumn: String, task: Task) throws -> Dataset {
        let url = folder.appendingPathComponent("\(name).csv")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestSetupError(
                description:
                    "example dataset missing: \(url.path)")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
            let targetIndex = header.firstIndex(of: targetColumn)
        else {
            throw TestSetupError(description: "\(url.path): no column '\(targetColumn)'")
        }
        var values: [Double] = []
        var rawTargets: [String] = []
        for (lineNumber, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == header.count else {
                throw TestSetupError(
                    description: "\(url.path):\(lineNumber + 2): \(fields.count) fields, expected \(header.count)")
            }
            for (index, field) in fields.enumerated() {
                if index == targetIndex {
                    rawTargets.append(String(field))
                } else {
                    guard let value = Double(field) else {
                        throw TestSetupError(description: "\(url.path):\(lineNumber + 2): '\(field)' is not a number")
                    }
                    values.append(value)
                }
            }
        }
        let features = Matrix(rows: rawTargets.count, columns: header.count - 1, values: values)
        switch task {
        case .classification:
            let labels = Array(Set(rawTargets)).sorted()
            let codes = rawTargets.map { labels.firstIndex(of: $0) ?? -1 }
            return Dataset(features: features, target: .classes(codes, classCount: labels.count))
        case .regression:
            let targets = try rawTargets.map { raw -> Double in
                guard let value = Double(raw) else {
                    throw TestSetupError(description: "target '\(raw)' is not a number")
                }
                return value
            }
            return Dataset(features: features, target: .values(targets))
        }
    }
}

/// Column standardization fitted on training rows only, like scikit-learn's `StandardScaler`.
struct Standardizer {
    let means: [Double]
    let scales: [Double]

    init(fittedOn x: Matrix) {
        var means = [Double](repeating: 0, count: x.columns)
        var scales = [Double](repeating: 1, count: x.columns)
        for j in 0..<x.columns {
            let column = x.column(j)
            let mean = column.reduce(0, +) / Double(column.count)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)
            means[j] = mean
            if variance > 0 { scales[j] = variance.squareRoot() }
        }
        self.means = means
        self.scales = scales
    }

    func transform(_ x: Matrix) -> Matrix {
        var out = x
        for i in 0..<x.rows {
            for j in 0..<x.columns { out[i, j] = (x[i, j] - means[j]) / scales[j] }
        }
        return out
    }
}

/// The cross-validation protocol shared with `Reference/sklearn_reference_a.py`.
enum RowModuloFolds {
    static let count = 5

    /// (training rows, test rows) of fold `fold`: test rows are those with index % 5 == fold.
    static func split(rows: Int, fold: Int) -> (train: [Int], test: [Int]) {
        let all = Array(0..<rows)
        return (all.filter { $0 % count != fold }, all.filter { $0 % count == fold })
    }

    /// Mean accuracy or R² over the five folds, standardizing on each training fold.
    static func meanScore<A: Algorithm>(
        _ algorithm: A, on dataset: ExampleDatasets.Dataset,
        seed: UInt64 = 42
    ) throws -> Double {
        var total = 0.0
        for fold in 0..<count {
            let (train, test) = split(rows: dataset.features.rows, fold: fold)
            let trainX = dataset.features.selectingRows(train)
            let scaler = Standardizer(fittedOn: trainX)
            let model = try algorithm.fit(
                scaler.transform(trainX), dataset.target.selecting(train),
                context: FitContext(seed: seed))
            let prediction = model.predict(scaler.transform(dataset.features.selectingRows(test)))
            switch (dataset.target.selecting(test), prediction) {
            case (.classes(let truth, _), .probabilities):
                total += ClassificationMetrics.accuracy(truth: truth, predicted: prediction.labels ?? [])
            case (.values(let truth), .values(let predicted)):
                total += RegressionMetrics.r2(truth: truth, predicted: predicted)
            default:
                throw TestSetupError(description: "internal error: prediction kind does not match the task")
            }
        }
        return total / Double(count)
    }
}

/// Approximate equality for hand-computed expectations.
func isClose(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}

/// Small seeded synthetic problems for unit and conformance tests.
enum SyntheticData {
    /// `rows × columns` standard-normal features.
    static func features(rows: Int, columns: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix(
            rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in generator.nextGaussian() })
    }

    /// Classes from noisy linear scores: learnable but not separable.
    static func classification(rows: Int = 60, columns: Int = 4, classCount: Int = 3, seed: UInt64 = 7) -> (
        Matrix, Target
    ) {
        let x = features(rows: rows, columns: columns, seed: seed)
        var generator = SeededGenerator(seed: seed, stream: 1)
        let codes = (0..<rows).map { i -> Int in
            var best = 0, bestScore = -Double.infinity
            for c in 0..<classCount {
                let score = x[i, c % columns] * (c.isMultiple(of: 2) ? 1 : -1) + 0.5 * generator.nextGaussian()
                if score > bestScore {
                    best = c
                    bestScore = score
                }
            }
            return best
        }
        return (x, .classes(codes, classCount: classCount))
    }

    /// y = 1 + 2·x₀ − x₁ + noise.
    static func regression(rows: Int = 60, columns: Int = 4, seed: UInt64 = 11) -> (Matrix, Target) {
        let x = features(rows: rows, columns: columns, seed: seed)
        var generator = SeededGenerator(seed: seed, stream: 1)
        let y = (0..<rows).map { 1 + 2 * x[$0, 0] - x[$0, min(1, columns - 1)] + 0.3 * generator.nextGaussian() }
        return (x, .values(y))
    }
}
