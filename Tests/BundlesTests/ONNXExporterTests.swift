import Foundation
import Learning
import Tabular
import Testing
@testable import Bundles
import SwiftProtobuf

/// Structure of exported graphs, read back with the generated protobuf types.
@Suite("ONNX export")
struct ONNXExporterTests {
    /// An algorithm, a dataset and the model operator its graph must contain.
    struct Case: Sendable, CustomTestStringConvertible {
        var algorithm: String
        var dataset: String
        var target: String
        var modelOperators: Set<String>
        var testDescription: String { "\(algorithm) on \(dataset)" }
    }

    static let cases: [Case] = [
        Case(algorithm: "baseline", dataset: "penguins", target: "species", modelOperators: ["Expand", "Shape"]),
        Case(algorithm: "baseline", dataset: "diabetes", target: "progression", modelOperators: ["Expand"]),
        Case(algorithm: "linear", dataset: "penguins", target: "species", modelOperators: ["Gemm", "Softmax"]),
        Case(algorithm: "linear", dataset: "diabetes", target: "progression", modelOperators: ["Gemm"]),
        Case(algorithm: "tree", dataset: "penguins", target: "species", modelOperators: ["ai.onnx.ml:TreeEnsemble"]),
        Case(
            algorithm: "tree", dataset: "diabetes", target: "progression", modelOperators: ["ai.onnx.ml:TreeEnsemble"]),
        Case(
            algorithm: "forest", dataset: "penguins", target: "species",
            modelOperators: ["ai.onnx.ml:TreeEnsemble", "Gemm", "Relu"]),
        Case(
            algorithm: "forest", dataset: "diabetes", target: "progression", modelOperators: ["ai.onnx.ml:TreeEnsemble"]
        ),
        Case(
            algorithm: "boost", dataset: "penguins", target: "species",
            modelOperators: ["ai.onnx.ml:TreeEnsemble", "Softmax"]),
        Case(
            algorithm: "boost", dataset: "breast_cancer", target: "diagnosis",
            modelOperators: ["ai.onnx.ml:TreeEnsemble", "Sigmoid"]),
        Case(
            algorithm: "boost", dataset: "diabetes", target: "progression", modelOperators: ["ai.onnx.ml:TreeEnsemble"]),
        Case(algorithm: "mlp", dataset: "penguins", target: "species", modelOperators: ["Gemm", "Relu", "Softmax"]),
        Case(algorithm: "mlp", dataset: "diabetes", target: "progression", modelOperators: ["Gemm", "Relu", "Mul"]),
        Case(
            algorithm: "bayes", dataset: "penguins", target: "species",
            modelOperators: ["Unsqueeze", "ReduceSum", "Softmax"]),
    ]

    @Test("graph structure", arguments: cases)
    func structure(_ c: Case) throws {
        let frame = try Fixtures.frame(c.dataset)
        let model = try Fixtures.train(
            c.algorithm, frame, target: c.target, parameters: Fixtures.quickParameters(c.algorithm))
        let export = try ONNXExporter.export(model)
        let proto = try Onnx_ModelProto(serializedBytes: export.data)

        #expect(proto.irVersion == ONNXExporter.irVersion)
        #expect(proto.opsets == ["": 21, "ai.onnx.ml": 5])
        #expect(proto.producerName == "Workbench")

        // One input per feature column, typed by the column's kind, [N, 1].
        let features = model.preprocessor.features
        #expect(proto.graph.input.map(\.name) == features.map(\.name))
        #expect(export.inputNames == features.map(\.name))
        for (input, feature) in zip(proto.graph.input, features) {
            let expected = feature.kind == .number ? Onnx_TensorProto.DataType.double : .string
            #expect(input.type.tensorType.elemType == Int32(expected.rawValue), "\(input.name)")
            #expect(input.type.tensorType.shape.dim.map(\.dimParam) == ["N", ""])
            #expect(input.type.tensorType.shape.dim.last?.dimValue == 1)
        }

        let outputs = model.task == .classification ? ["label", "probabilities"] : ["value"]
        #expect(proto.graph.output.map(\.name) == outputs)
        #expect(export.outputNames == outputs)
        #expect(proto.undefinedValues.isEmpty)
        #expect(c.modelOperators.isSubset(of: proto.operatorNames), "\(proto.operatorNames.sorted())")
        // Double everywhere: no ml Imputer/Scaler/Linear*, whose outputs are float.
        #expect(
            proto.operatorNames.isDisjoint(with: [
                "ai.onnx.ml:Imputer", "ai.onnx.ml:Scaler", "ai.onnx.ml:LinearClassifier", "ai.onnx.ml:LinearRegressor",
            ]))
        if model.task == .classification {
            #expect(proto.operatorNames.isSuperset(of: ["ArgMax", "ai.onnx.ml:LabelEncoder"]))
            let probabilities = try #require(proto.graph.output.last)
            #expect(probabilities.type.tensorType.shape.dim.last?.dimValue == Int64(model.target.classes.count))
        }
        // Text columns go through the one-hot encoder; its float 0/1 output is the only float32 value.
        let hasText = features.contains { $0.kind == .text && !$0.levels.isEmpty }
        if hasText && c.algorithm != "baseline" {
            #expect(proto.operatorNames.isSuperset(of: ["ai.onnx.ml:OneHotEncoder", "Cast"]))
            #expect(export.float32Notes == [ONNXExporter.oneHotNote])
        } else {
            #expect(export.float32Notes.isEmpty)
        }
        // Every value only renamed (Identity) is folded into the node computing it.
        #expect(!proto.operatorNames.contains("Identity"))
    }

    @Test("imputation and scaling constants are the training statistics")
    func preprocessingConstants() throws {
        let model = try Fixtures.train("linear", try Fixtures.frame("penguins"), target: "species")
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        let constants = Dictionary(proto.graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // One vector per statistic over the numbers, in feature order.
        let numbers = model.preprocessor.features.filter { $0.kind == .number }
        #expect(numbers.first?.name == "bill_length_mm")
        let oneHot = model.preprocessor.features.filter { $0.kind == .text }.reduce(0) { $0 + $1.levels.count + 1 }
        #expect(constants["medians"]?.doubleData == numbers.map(\.median))
        #expect(constants["means"]?.doubleData == numbers.map(\.mean))
        // The linear head takes the division by the standard deviations into its weights: no Div node.
        #expect(constants["standard_deviations"] == nil)
        #expect(!proto.graph.node.contains { $0.opType == "Div" })
        // Each text column's encoder knows its levels and "" (missing, which stands for the most frequent level).
        let sex = try #require(model.preprocessor.features.first { $0.name == "sex" })
        let oneHotNode = try #require(proto.graph.node.first { $0.opType == "OneHotEncoder" && $0.input == ["sex"] })
        #expect(
            oneHotNode.attribute.first { $0.name == "cats_strings" }?.strings
                == (sex.levels + [""]).map { Data($0.utf8) })
        #expect(oneHotNode.attribute.first { $0.name == "zeros" }?.i == 1)
        // The "" flag gets the coefficients of the most frequent level.
        let linear = try #require(model.fitted.model as? LinearModel)
        let coefficients = try #require(constants["coefficients"]).doubleData
        let width = numbers.count + oneHot
        let mode = try #require(sex.mostFrequentLevel)
        let modeColumn = try #require(model.preprocessor.outputNames.firstIndex(of: "sex=\(sex.levels[mode])"))
        let flagColumn = width - 1  // sex is the last text column, its flag the last column
        for row in 0..<linear.coefficients.rows {
            #expect(
                coefficients[row * width + flagColumn]
                    == linear.coefficients.values[row * linear.coefficients.columns + modeColumn])
            // Numbers come first in the graph; each weight is Workbench's divided by the column's deviation.
            for (j, number) in numbers.enumerated() {
                let column = try #require(model.preprocessor.outputNames.firstIndex(of: number.name))
                let workbench = linear.coefficients.values[row * linear.coefficients.columns + column]
                #expect(coefficients[row * width + j] == workbench / number.standardDeviation)
            }
        }
    }

    @Test("missing-value routing follows missingGoesLeft; BRANCH_LEQ thresholds stay double")
    func treeMissingRouting() throws {
        // Trees do not impute, so penguins' NaNs reach the splits. A regression tree is written
        // once, whole (a class copy collapses the subtrees that add one weight throughout).
        let model = try Fixtures.train("tree", try Fixtures.frame("penguins"), target: "body_mass_g")
        let tree = try #require(model.fitted.model as? DecisionTreeModel).tree
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        let ensemble = try #require(proto.graph.node.first { $0.opType == "TreeEnsemble" })
        func attribute(_ name: String) -> Onnx_AttributeProto? { ensemble.attribute.first { $0.name == name } }

        let splits = (0..<tree.nodeCount).filter { tree.feature[$0] != Tree.leaf }
        #expect(attribute("tree_roots")?.ints == [0])
        #expect(attribute("n_targets")?.i == 1)
        let tracks = try #require(attribute("nodes_missing_value_tracks_true")).ints
        #expect(Array(tracks.prefix(splits.count)) == splits.map { tree.missingGoesLeft[$0] ? 1 : 0 })
        let thresholds = try #require(attribute("nodes_splits")).t
        #expect(thresholds.dataType == Int32(Onnx_TensorProto.DataType.double.rawValue))
        #expect(Array(thresholds.doubleData.prefix(splits.count)) == splits.map { tree.threshold[$0] })
        #expect(attribute("nodes_modes")?.t.int32Data.allSatisfy { $0 == 0 } == true)
        #expect(attribute("leaf_weights")?.t.dataType == Int32(Onnx_TensorProto.DataType.double.rawValue))
    }

    @Test("a lone-leaf tree becomes one split whose both branches are that leaf")
    func loneLeaf() throws {
        // 150 rows cannot give two leaves of at least 100 rows each, so no tree splits.
        let model = try Fixtures.train(
            "boost", try Fixtures.frame("iris"), target: "species",
            parameters: ["max_iter": .int(2), "min_samples_leaf": .int(100)])
        let boost = try #require(model.fitted.model as? GradientBoostingModel)
        #expect(boost.trees.allSatisfy { $0.nodeCount == 1 })
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        // One single-target ensemble per class: class k gets trees k, k + 3, …
        let ensembles = proto.graph.node.filter { $0.opType == "TreeEnsemble" }
        #expect(ensembles.count == 3)
        for (k, ensemble) in ensembles.enumerated() {
            func ints(_ name: String) -> [Int64] { ensemble.attribute.first { $0.name == name }?.ints ?? [] }
            let mine = boost.trees.indices.filter { $0 % 3 == k }
            let roots: [Int64] = mine.indices.map { Int64($0) }
            let allLeaves = [Int64](repeating: 1, count: mine.count)
            let trueIds: [Int64] = mine.indices.map { Int64(2 * $0) }
            let falseIds: [Int64] = mine.indices.map { Int64(2 * $0 + 1) }
            // Each tree's leaf value on both sides; the class's first tree carries the baseline
            // too (baseline + leaf, the sum Workbench forms first).
            let expectedWeights: [Double] = mine.flatMap { i -> [Double] in
                let weight = i < 3 ? boost.baseline[i] + boost.trees[i].values[0] : boost.trees[i].values[0]
                return [weight, weight]
            }
            #expect(ensemble.attribute.first { $0.name == "n_targets" }?.i == 1)
            #expect(ints("tree_roots") == roots)
            #expect(ints("nodes_trueleafs") == allLeaves)
            #expect(ints("nodes_falseleafs") == allLeaves)
            #expect(ints("nodes_truenodeids") == trueIds)
            #expect(ints("nodes_falsenodeids") == falseIds)
            #expect(ints("leaf_targetids") == [Int64](repeating: 0, count: 2 * mine.count))
            let weights: [Double] = ensemble.attribute.first { $0.name == "leaf_weights" }?.t.doubleData ?? []
            #expect(weights == expectedWeights)
        }
    }

    @Test("algorithms without an ONNX form throw a typed error", arguments: ["knn"])
    func unsupported(_ algorithm: String) throws {
        let model = try Fixtures.train(algorithm, try Fixtures.frame("iris"), target: "species")
        #expect {
            try ONNXExporter.export(model)
        } throws: { error in
            guard case .unsupported(let name, let reason)? = error as? ONNXExportError else { return false }
            return name == algorithm && !reason.isEmpty
        }
    }

    @Test("a feature named like an output is refused")
    func nameClash() throws {
        let frame = try DataFrame(columns: [
            Column(name: "value", data: .numeric([1, 2, 3, 4])),
            Column(name: "y", data: .numeric([1, 2, 3, 5])),
        ])
        let model = try Fixtures.train("linear", frame, target: "y")
        #expect(throws: ONNXExportError.nameClash(column: "value")) { try ONNXExporter.export(model) }
    }

    @Test("export is deterministic")
    func deterministic() throws {
        let model = try Fixtures.train(
            "boost", try Fixtures.frame("iris"), target: "species", parameters: ["max_iter": .int(5)])
        #expect(try ONNXExporter.export(model).data == ONNXExporter.export(model).data)
    }
}
