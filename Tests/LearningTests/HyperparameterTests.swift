import Foundation
import Testing

@testable import Learning

/// Each family's typed hyperparameters (`HyperparameterSet`) against the string-keyed values the
/// REPL, bundles and run records use: every declared setting reaches its own property and comes
/// back unchanged, defaults are the struct's initial values, and a stored record that lacks a
/// setting keeps its default instead of reading 0 or "".
@Suite("Typed hyperparameters")
struct HyperparameterTests {
    @Test(arguments: AlgorithmRegistry.names)
    func everySettingReachesItsOwnProperty(name: String) throws {
        let type = try #require(AlgorithmRegistry.named(name))
        try Self.checkFields(of: type)
    }

    /// For each field alone: a value other than its default goes in through `make` (the REPL's
    /// path) and comes out of `parameters` under the same name, every other setting unchanged — so
    /// two fields sharing a property, or one writing the wrong one, fail here.
    private static func checkFields<A: Algorithm>(of _: A.Type) throws {
        let defaults = A.Hyperparameters().values
        #expect(try A.make().parameters.values == defaults, "\(A.name): defaults differ from the declared specs")
        #expect(Set(A.parameterSpecs.map(\.name)).count == A.parameterSpecs.count, "\(A.name): a name twice")
        for spec in A.parameterSpecs {
            #expect(defaults[spec.name] == spec.defaultValue, "\(A.name).\(spec.name): default")
            let other = try #require(otherValue(than: spec), "\(A.name).\(spec.name) has one allowed value")
            let algorithm = try A.make([spec.name: other])
            var expected = defaults
            expected[spec.name] = other
            #expect(algorithm.parameters.values == expected, "\(A.name).\(spec.name)=\(other)")
            #expect(A(parameters: algorithm.parameters).hyperparameters == algorithm.hyperparameters)
        }
    }

    /// A value the spec allows that is not its default.
    private static func otherValue(than spec: ParameterSpec) -> ParameterValue? {
        switch spec.kind {
        case .int(let range):
            return [range.lowerBound, range.upperBound].map(ParameterValue.int).first { $0 != spec.defaultValue }
        case .double(let range):
            return [range.lowerBound, range.upperBound].map(ParameterValue.double).first { $0 != spec.defaultValue }
        case .choice(let options):
            return options.map(ParameterValue.string).first { $0 != spec.defaultValue }
        }
    }

    @Test func typedReadsSeeWhatWasGiven() throws {
        let tree = try DecisionTree.make([
            "max_depth": .int(3), "criterion": .string("entropy"), "max_features": .string("sqrt"),
        ])
        #expect(tree.hyperparameters.maxDepth == 3)
        #expect(tree.hyperparameters.criterion == .entropy)
        #expect(tree.hyperparameters.maxFeatures == .sqrt)
        #expect(tree.hyperparameters.minSamplesLeaf == 1)
        // An integral number given for an int setting, and an int for a number setting.
        let linear = try Linear.make(["C": .int(2), "max_iter": .double(50)])
        #expect(linear.hyperparameters.inverseRegularization == 2)
        #expect(linear.hyperparameters.maxIterations == 50)
        #expect(linear.parameters.values["C"] == .double(2))
        let forest = try RandomForest.make(["bootstrap": .string("false")])
        #expect(forest.hyperparameters.bootstrap == false)
        #expect(forest.parameters.values["bootstrap"] == .string("false"))
        let mlp = try MultilayerPerceptron.make(["early_stopping": .string("true")])
        #expect(mlp.hyperparameters.earlyStopping == .on)
    }

    @Test func aStoredRecordWithoutASettingKeepsItsDefault() throws {
        // A pipeline stored before `class_weight` existed, and one naming a setting that no longer does.
        let json = #"{"values": {"max_iter": {"int": {"_0": 7}}, "retired": {"string": {"_0": "x"}}}}"#
        let stored = try JSONDecoder().decode(Parameters.self, from: Data(json.utf8))
        let boost = GradientBoosting(parameters: stored)
        #expect(boost.hyperparameters.maxIterations == 7)
        #expect(boost.hyperparameters.classWeight == .none)
        #expect(boost.hyperparameters.minSamplesLeaf == 20)
        #expect(boost.parameters.values["retired"] == nil)
    }

    @Test func unknownAndOutOfRangeSettingsAreRefusedByName() {
        #expect(throws: LearningError.unknownParameter(algorithm: "knn", name: "kk", known: ["k", "weights"])) {
            try KNearestNeighbors.make(["kk": .int(3)])
        }
        #expect(
            throws: LearningError.invalidParameter(
                algorithm: "knn", name: "weights", value: "equal", expected: "one of uniform, distance")
        ) {
            try KNearestNeighbors.make(["weights": .string("equal")])
        }
    }
}
