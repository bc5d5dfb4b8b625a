import Foundation
import Testing
@testable import Learning

/// The conformance battery for tree, forest and boost, run through the registry the way the
/// interpreter uses them.
@Suite struct TreeConformanceTests {
    static let names = ["tree", "forest", "boost"]

    /// Small, quick settings; the forest keeps few trees so debug builds stay fast.
    static func algorithm(_ name: String) throws -> any Algorithm {
        let registered = try #require(AlgorithmRegistry.named(name))
        return try registered.make(name == "forest" ? ["n_estimators": .int(8)] : [:])
    }

    static func encode(_ model: any FittedModel) throws -> Data {
        try TreeTestSupport.json(AnyFittedModel(model))
    }

    static let classification = TreeTestSupport.synthetic(rows: 600, classes: 3)
    static let regression = TreeTestSupport.syntheticRegression(rows: 400)

    @Test(arguments: names)
    func sameSeedSameBytes(name: String) throws {
        let algorithm = try Self.algorithm(name)
        for data in [Self.classification, Self.regression] {
            let a = try Self.encode(try algorithm.fit(data.x, data.y, context: FitContext(seed: 5)))
            let b = try Self.encode(try algorithm.fit(data.x, data.y, context: FitContext(seed: 5)))
            #expect(a == b)
        }
    }

    @Test(arguments: names)
    func threadCountDoesNotChangeTheModel(name: String) throws {
        let algorithm = try Self.algorithm(name)
        // 4000 × 6 is large enough for boosting's parallel histogram path.
        let data = TreeTestSupport.synthetic(rows: 4000, classes: 2, seed: 9)
        let one = try Self.encode(try algorithm.fit(data.x, data.y, context: FitContext(seed: 1, threads: 1)))
        let two = try Self.encode(try algorithm.fit(data.x, data.y, context: FitContext(seed: 1, threads: 2)))
        #expect(one == two)
    }

    @Test(arguments: names)
    func probabilitiesSumToOne(name: String) throws {
        let algorithm = try Self.algorithm(name)
        let data = Self.classification
        let model = try algorithm.fit(data.x, data.y, context: FitContext())
        guard case .probabilities(let p) = model.predict(data.x) else {
            Issue.record("classification must give probabilities")
            return
        }
        #expect(p.columns == 3 && p.rows == data.x.rows)
        for r in 0..<p.rows {
            let s = (0..<p.columns).reduce(0) { $0 + p[r, $1] }
            #expect(abs(s - 1) < 1e-9)
            #expect((0..<p.columns).allSatisfy { p[r, $0] >= 0 })
        }
        #expect(TreeTestSupport.accuracy(model.predict(data.x), data.y) > 0.8)
    }

    @Test(arguments: names)
    func decodedModelPredictsIdentically(name: String) throws {
        let algorithm = try Self.algorithm(name)
        for data in [Self.classification, Self.regression] {
            let model = try algorithm.fit(data.x, data.y, context: FitContext())
            let bytes = try Self.encode(model)
            let decoded = try JSONDecoder().decode(AnyFittedModel.self, from: bytes).model
            #expect(decoded.predict(data.x) == model.predict(data.x))
            #expect(try Self.encode(decoded) == bytes)
            #expect(decoded.featureCount == data.x.columns)
        }
    }

    @Test(arguments: names)
    func emptyTrainingSetIsRejected(name: String) throws {
        let algorithm = try Self.algorithm(name)
        #expect(throws: LearningError.emptyTrainingSet) {
            _ = try algorithm.fit(Matrix(rows: 0, columns: 3), .classes([], classCount: 2), context: FitContext())
        }
    }

    @Test(arguments: names)
    func cancellationIsHonoured(name: String) throws {
        let algorithm = try Self.algorithm(name)
        let data = Self.classification
        // Cancel after a few polls so the check inside the training loop is exercised too.
        let polls = PollCounter()
        let context = FitContext(isCancelled: { polls.next() > 2 })
        #expect(throws: LearningError.cancelled) {
            _ = try algorithm.fit(data.x, data.y, context: context)
        }
    }

    @Test(arguments: names)
    func progressEndsAtOne(name: String) throws {
        let algorithm = try Self.algorithm(name)
        let last = PollCounter()
        let context = FitContext(progress: { last.record($0) })
        _ = try algorithm.fit(Self.regression.x, Self.regression.y, context: context)
        #expect(abs(last.lastValue - 1) < 1e-12)
    }

    @Test(arguments: names)
    func parametersAreDeclaredAndValidated(name: String) throws {
        let registered = try #require(AlgorithmRegistry.named(name))
        let standardized = registered.wantsStandardizedInputs, missing = registered.acceptsMissingValues
        #expect(!standardized)
        #expect(missing)
        #expect(throws: LearningError.self) { _ = try registered.make(["no_such_parameter": .int(1)]) }
        #expect(throws: LearningError.self) { _ = try registered.make(["min_samples_leaf": .int(0)]) }
    }

    @Test func regressionCriterionOnClassesIsRejected() throws {
        let data = Self.classification
        #expect(throws: LearningError.self) {
            _ = try DecisionTree.make(["criterion": .string("squared_error")]).fit(
                data.x, data.y, context: FitContext())
        }
    }
}

/// A thread-safe counter for cancellation and progress callbacks.
final class PollCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var value = 0.0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }

    func record(_ v: Double) {
        lock.lock()
        defer { lock.unlock() }
        value = v
    }

    var lastValue: Double {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
