import Foundation
import Learning
import Tabular
import Testing
@testable import Bundles
import SwiftProtobuf

/// The graph stays lean: ONNX Runtime pays a kernel launch per node, which is most of a single
/// row's time (Benchmarks/onnx). These counts fail when a change adds nodes back; lower them
/// when a change removes some.
@Suite("ONNX graph size")
struct ONNXGraphSizeTests {
    /// An algorithm on penguins (5 numbers, 2 texts) and the nodes its classifier graph has, in order.
    struct Case: Sendable, CustomTestStringConvertible {
        var algorithm: String
        var operators: [String]
        var testDescription: String { "\(algorithm) on penguins: \(operators.count) nodes" }
    }

    /// Text block: OneHotEncoder per text input (its levels, and "" when imputing), Concat, Flatten, Cast.
    static let text = ["ai.onnx.ml:OneHotEncoder", "ai.onnx.ml:OneHotEncoder", "Concat", "Flatten", "Cast"]
    /// Label from the probabilities.
    static let label = ["ArgMax", "ai.onnx.ml:LabelEncoder"]

    static let cases: [Case] = [
        // Text first; then numbers: Concat, IsNaN, Where (medians), Sub (means), one node each over
        // every number (the deviations divide the coefficients); a missing text is its flag
        // column, with the mode's coefficients; Concat of the blocks.
        Case(
            algorithm: "linear",
            operators: text + ["Concat", "IsNaN", "Where", "Sub", "Concat", "Gemm", "Softmax"] + label),
        // Trees neither impute nor scale: the number inputs and the text block in one Concat.
        Case(algorithm: "tree", operators: text + ["Concat", "ai.onnx.ml:TreeEnsemble"] + label),
        // A forest: one single-target ensemble per class but one, Gemm completing it, Relu.
        Case(
            algorithm: "forest",
            operators: text + [
                "Concat", "ai.onnx.ml:TreeEnsemble", "ai.onnx.ml:TreeEnsemble", "Concat", "Gemm", "Relu",
            ] + label),
        // Boosting: one single-target ensemble per class, Concat, Softmax.
        Case(
            algorithm: "boost",
            operators: text + ["Concat"] + Array(repeating: "ai.onnx.ml:TreeEnsemble", count: 3) + [
                "Concat", "Softmax",
            ] + label),
        // Naive Bayes cannot give a flag column the mode's weights: one MatMul adds it in.
        Case(
            algorithm: "bayes",
            operators: text + [
                "MatMul", "Concat", "IsNaN", "Where", "Concat",
                "Unsqueeze", "Sub", "Mul", "Div", "ReduceSum", "Mul", "Add", "Softmax",
            ] + label),
    ]

    @Test("penguins classifier graphs", arguments: cases)
    func penguins(_ c: Case) throws {
        let model = try Fixtures.train(
            c.algorithm, try Fixtures.frame("penguins"), target: "species",
            parameters: Fixtures.quickParameters(c.algorithm))
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        let operators = proto.graph.node.map { $0.domain.isEmpty ? $0.opType : "\($0.domain):\($0.opType)" }
        #expect(operators == c.operators)
    }

    @Test("a text level that is the empty string gets no second \"\" category (the encoder refuses duplicates)")
    func emptyLevel() throws {
        let frame = try DataFrame(columns: [
            Column(name: "color", data: .categorical(codes: [0, 1, 2, 1, 0, 2, 1, -1], levels: ["", "red", "blue"])),
            Column(name: "y", data: .numeric([1, 2, 3, 2, 1, 3, 2, 2])),
        ])
        let model = try Fixtures.train("linear", frame, target: "y")
        #expect(model.preprocessor.features.first?.levels.contains("") == true)
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        let encoder = try #require(proto.graph.node.first { $0.opType == "OneHotEncoder" })
        let categories = try #require(encoder.attribute.first { $0.name == "cats_strings" }).strings
        #expect(Set(categories).count == categories.count)
    }

    @Test("a forest's class copies leave out the subtrees that add one weight throughout, and the largest copy")
    func forestCopiesPruned() throws {
        let model = try Fixtures.train(
            "forest", try Fixtures.frame("penguins"), target: "species", parameters: ["n_estimators": .int(5)])
        let forest = try #require(model.fitted.model as? RandomForestModel)
        let splits = forest.trees.reduce(0) { total, tree in total + tree.feature.filter { $0 != Tree.leaf }.count }
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        let ensembles = proto.graph.node.filter { $0.opType == "TreeEnsemble" }
        // Three classes: two single-target copies of every tree; the third class is 1 − the others.
        #expect(ensembles.count == 2)
        var written = 0
        for ensemble in ensembles {
            #expect(ensemble.attribute.first { $0.name == "n_targets" }?.i == 1)
            #expect(ensemble.attribute.first { $0.name == "tree_roots" }?.ints.count == forest.trees.count)
            written += try #require(ensemble.attribute.first { $0.name == "nodes_featureids" }).ints.count
        }
        // Whole copies would be 2 × the splits; pure subtrees collapse to one leaf.
        #expect(written < 2 * splits)
    }

    @Test("a forest whose leaves are not distributions keeps one ensemble of every class and divides by the row sum")
    func forestWithoutDistributions() throws {
        let model = try Fixtures.train(
            "forest", try Fixtures.frame("penguins"), target: "species", parameters: ["n_estimators": .int(3)])
        let forest = try #require(model.fitted.model as? RandomForestModel)
        // A stored forest whose first leaf's shares sum to 1.5 (decoding accepts it: outputs only need to be finite).
        var json = try #require(
            try JSONSerialization.jsonObject(with: try JSONEncoder().encode(forest)) as? [String: Any])
        var trees = try #require(json["trees"] as? [[String: Any]])
        let features = try #require(trees[0]["feature"] as? [Int])
        var values = try #require(trees[0]["values"] as? [Double])
        let leaf = try #require(features.firstIndex(of: Int(Tree.leaf)))
        values[leaf * 3] += 0.5
        trees[0]["values"] = values
        json["trees"] = trees
        let altered = try JSONDecoder().decode(
            RandomForestModel.self, from: try JSONSerialization.data(withJSONObject: json))
        #expect(!altered.trees[0].leavesAreDistributions && forest.trees.allSatisfy(\.leavesAreDistributions))

        var graph = GraphBuilder(reserved: model.preprocessor.features.map(\.name))
        let x = try ONNXExporter.emitPreprocessing(model.preprocessor, into: &graph)
        let before = graph.nodes.count
        let head = try ONNXExporter.emitForest(altered, features: x, classCount: 3, into: &graph)
        #expect(graph.nodes[before...].map(\.opType) == ["TreeEnsemble", "ReduceSum", "Div"])
        guard case .probabilities = head else {
            Issue.record("a classifier's head gives probabilities")
            return
        }
    }

    @Test("a boosting baseline is folded into the first tree of each class, not added by a node")
    func boostBaselineFolded() throws {
        let model = try Fixtures.train(
            "boost", try Fixtures.frame("iris"), target: "species", parameters: ["max_iter": .int(3)])
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        #expect(!proto.graph.node.contains { $0.opType == "Add" })
        #expect(!proto.graph.initializer.contains { $0.name == "boost_baseline" })
    }
}
