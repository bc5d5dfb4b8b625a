import Foundation
import Testing
@testable import Learning

/// The contract every registered algorithm keeps, checked the same way for each (in the spirit of
/// scikit-learn's `check_estimator` over `all_estimators()`): the battery runs over
/// `AlgorithmRegistry.names`, so a new algorithm is checked as soon as it is registered.
@Suite struct ConformanceTests {
    static let algorithms = AlgorithmRegistry.names

    /// Quick settings per registered algorithm, so the whole battery stays fast in a debug build;
    /// `[:]` means the defaults are already quick. Every registered algorithm has an entry
    /// (`BatteryCoverageTests` fails otherwise), so adding one means deciding its fast settings.
    static let fastParameters: [String: [String: ParameterValue]] = [
        "baseline": [:],
        "linear": [:],
        "knn": [:],
        "bayes": [:],
        "mlp": ["hidden": .int(12), "max_iter": .int(30)],
        "tree": [:],
        "forest": ["n_estimators": .int(8)],
        "boost": ["max_iter": .int(12)],
    ]

    static func problems(for type: any Algorithm.Type) -> [(Matrix, Target)] {
        var problems: [(Matrix, Target)] = []
        if type.tasks.contains(.classification) {
            problems.append(SyntheticData.classification(rows: 60, columns: 4, classCount: 3))
            problems.append(SyntheticData.classification(rows: 40, columns: 3, classCount: 2, seed: 8))
        }
        if type.tasks.contains(.regression) { problems.append(SyntheticData.regression()) }
        return problems
    }

    static func encoded(_ model: some FittedModel) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(model)
    }

    @Test(arguments: algorithms)
    func contract(name: String) throws {
        let type = try #require(AlgorithmRegistry.named(name), "\(name) is not registered")
        try check(type)
    }

    private func check<A: Algorithm>(_ type: A.Type) throws {
        let algorithm = try A.make(Self.fastParameters[A.name] ?? [:])
        #expect(!A.summary.isEmpty)
        #expect(Set(A.parameterSpecs.map(\.name)).count == A.parameterSpecs.count, "duplicate parameter names")
        for (x, y) in Self.problems(for: type) {
            let model = try algorithm.fit(x, y, context: FitContext(seed: 9, threads: 1))
            #expect(A.Model.algorithmName == A.name)
            #expect(model.task == y.task)
            #expect(model.featureCount == x.columns)

            // Same seed → same bytes, whatever the thread count; refitting ignores the previous fit.
            let bytes = try Self.encoded(model)
            #expect(try Self.encoded(algorithm.fit(x, y, context: FitContext(seed: 9, threads: 1))) == bytes)
            #expect(try Self.encoded(algorithm.fit(x, y, context: FitContext(seed: 9, threads: 3))) == bytes)

            // Output shape; probabilities are a distribution per row.
            let prediction = model.predict(x)
            switch (prediction, y) {
            case (.probabilities(let p), .classes(_, let classCount)):
                #expect(p.rows == x.rows && p.columns == classCount)
                for r in 0..<p.rows {
                    let row = p.row(r)
                    #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
                    #expect(abs(row.reduce(0, +) - 1) < 1e-12, "row \(r) sums to \(row.reduce(0, +))")
                }
            case (.values(let v), .values):
                #expect(v.count == x.rows && v.allSatisfy(\.isFinite))
            default:
                Issue.record("\(A.name): prediction kind does not match the task")
            }

            // Exact reload, directly and through the registry's type-erased wrapper.
            let decoded = try JSONDecoder().decode(A.Model.self, from: bytes)
            #expect(decoded.predict(x) == prediction)
            let erased = try JSONDecoder().decode(
                AnyFittedModel.self, from: JSONEncoder().encode(AnyFittedModel(model)))
            #expect(erased.model.predict(x) == prediction)

            // Bad input.
            #expect(throws: LearningError.emptyTrainingSet) {
                try algorithm.fit(Matrix(rows: 0, columns: x.columns), y.selecting([]), context: FitContext())
            }
            var withMissing = x
            withMissing[3, 1] = .nan
            if A.acceptsMissingValues {
                #expect(throws: Never.self) { try algorithm.fit(withMissing, y, context: FitContext()) }
            } else {
                #expect(throws: LearningError.missingValues(algorithm: A.name)) {
                    try algorithm.fit(withMissing, y, context: FitContext())
                }
            }
            // Progress stays in 0...1 and ends at 1.
            let progress = ProgressRecorder()
            _ = try algorithm.fit(x, y, context: FitContext(progress: { progress.record($0) }))
            #expect(progress.values.allSatisfy { (0...1).contains($0) })
            #expect(progress.values.last == 1)

            #expect(throws: LearningError.cancelled) {
                try algorithm.fit(x, y, context: FitContext(isCancelled: { true }))
            }
        }
        for task in Task.allCases where !A.tasks.contains(task) {
            let y: Target = task == .regression ? .values([1, 2]) : .classes([0, 1], classCount: 2)
            #expect(throws: LearningError.unsupportedTask(algorithm: A.name, task: task)) {
                try algorithm.fit(Matrix([[1], [2]]), y, context: FitContext())
            }
        }
    }

    @Test(arguments: algorithms)
    func defaultsAndSpecsAgree(name: String) throws {
        let type = try #require(AlgorithmRegistry.named(name))
        // Every declared default passes its own validation when given explicitly.
        for spec in type.parameterSpecs {
            _ = try Parameters(algorithm: name, specs: type.parameterSpecs, given: [spec.name: spec.defaultValue])
            #expect(!spec.help.isEmpty)
        }
    }
}

/// Collects progress reports, which may arrive from any thread.
final class ProgressRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Double] = []

    func record(_ value: Double) {
        lock.lock()
        recorded.append(value)
        lock.unlock()
    }

    var values: [Double] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}
