import Foundation
import Testing
import TestSupport
@testable import Learning

/// Helpers for the tree-family tests: dataset loading, folds, scores and encoding.
enum TreeTestSupport {
    /// The repository's example datasets (`examples/`).
    static var datasetsFolder: URL {
        URL(fileURLWithPath: exampleData)
    }

    /// A numeric CSV with one target column (no quotes; empty cell = NaN). Classification targets
    /// become codes in sorted order of their text, like scikit-learn's label encoding.
    struct Dataset {
        var x: Matrix
        var y: Target
    }

    static func load(_ name: String, target: String, task: Task) throws -> Dataset {
        let url = datasetsFolder.appendingPathComponent(name + ".csv")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SupportError.missing("example dataset \(url.path) not found")
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let header = lines.removeFirst().map(String.init)
        guard let t = header.firstIndex(of: target) else {
            throw SupportError.missing("no column \(target) in \(name)")
        }
        var values = [Double]()
        var labels = [String]()
        for fields in lines {
            for (i, field) in fields.enumerated() {
                if i == t {
                    labels.append(String(field))
                } else {
                    values.append(field.isEmpty ? .nan : Double(field) ?? .nan)
                }
            }
        }
        let x = Matrix(rows: lines.count, columns: header.count - 1, values: values)
        switch task {
        case .classification:
            let classes = Array(Set(labels)).sorted()
            return Dataset(x: x, y: .classes(labels.map { classes.firstIndex(of: $0) ?? 0 }, classCount: classes.count))
        case .regression:
            return Dataset(x: x, y: .values(labels.map { Double($0) ?? .nan }))
        }
    }

    /// A test prerequisite (example dataset, column) that is missing.
    enum SupportError: Error, CustomStringConvertible {
        case missing(String)
        var description: String {
            switch self {
            case .missing(let s): s
            }
        }
    }

    /// Rows in fold `k` of 5 (row index % 5 == k) and the rest.
    static func fold(_ k: Int, rows: Int) -> (train: [Int], test: [Int]) {
        ((0..<rows).filter { $0 % 5 != k }, (0..<rows).filter { $0 % 5 == k })
    }

    static func accuracy(_ p: Prediction, _ y: Target) -> Double {
        guard let labels = p.labels, case .classes(let codes, _) = y else { return .nan }
        return Double(zip(labels, codes).filter { $0 == $1 }.count) / Double(codes.count)
    }

    static func r2(_ p: Prediction, _ y: Target) -> Double {
        guard case .values(let v) = p, case .values(let t) = y else { return .nan }
        let mean = t.reduce(0, +) / Double(t.count)
        let ssRes = zip(v, t).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let ssTot = t.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return 1 - ssRes / ssTot
    }

    /// Mean 5-fold score (accuracy or R²) of an algorithm on a dataset.
    static func crossValidate<A: Algorithm>(_ algorithm: A, _ data: Dataset, seed: UInt64 = 0, threads: Int = 1) throws
        -> Double
    {
        var total = 0.0
        for k in 0..<5 {
            let (train, test) = fold(k, rows: data.x.rows)
            let model = try algorithm.fit(
                data.x.selectingRows(train), data.y.selecting(train), context: FitContext(seed: seed, threads: threads))
            let p = model.predict(data.x.selectingRows(test))
            total +=
                data.y.task == .classification ? accuracy(p, data.y.selecting(test)) : r2(p, data.y.selecting(test))
        }
        return total / 5
    }

    static func json<M: Encodable>(_ model: M) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(model)
    }

    /// A seeded synthetic classification set with a few NaNs: label from x0 + x1·x2 + noise.
    static func synthetic(rows: Int, features: Int = 6, classes: Int = 2, missing: Double = 0.02, seed: UInt64 = 7)
        -> Dataset
    {
        var g = SeededGenerator(seed: seed)
        var values = [Double]()
        var codes = [Int]()
        for _ in 0..<rows {
            let row = (0..<features).map { _ in g.nextGaussian() }
            let score = row[0] + row[1] * row[2] + 0.3 * g.nextGaussian()
            let code =
                classes == 2 ? (score > 0 ? 1 : 0) : min(classes - 1, max(0, Int((score + 1.5) / 3 * Double(classes))))
            codes.append(code)
            values += row.map { g.nextUnit() < missing ? .nan : $0 }
        }
        return Dataset(
            x: Matrix(rows: rows, columns: features, values: values), y: .classes(codes, classCount: classes))
    }

    /// Same features as `synthetic`, regression target x0 + x1·x2 + noise.
    static func syntheticRegression(rows: Int, features: Int = 5, seed: UInt64 = 11) -> Dataset {
        var g = SeededGenerator(seed: seed)
        var values = [Double]()
        var y = [Double]()
        for _ in 0..<rows {
            let row = (0..<features).map { _ in g.nextGaussian() }
            y.append(row[0] + row[1] * row[2] + 0.1 * g.nextGaussian())
            values += row
        }
        return Dataset(x: Matrix(rows: rows, columns: features, values: values), y: .values(y))
    }
}
