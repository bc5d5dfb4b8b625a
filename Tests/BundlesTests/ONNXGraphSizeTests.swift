import Learning
import Tabular
import Testing
@testable import Bundles

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
        // Text first; then numbers: Concat, IsNaN, Where (medians), Sub (means), Div (deviations), one
        // node each over every number; a missing text is its flag column, with the mode's
        // coefficients; Concat of the blocks.
        Case(algorithm: "linear", operators: text + ["Concat", "IsNaN", "Where", "Sub", "Div", "Concat", "Gemm", "Softmax"] + label),
        // Trees neither impute nor scale: the number inputs and the text block in one Concat.
        Case(algorithm: "tree", operators: text + ["Concat", "ai.onnx.ml:TreeEnsemble"] + label),
        Case(algorithm: "forest", operators: text + ["Concat", "ai.onnx.ml:TreeEnsemble", "ReduceSum", "Div"] + label),
        Case(algorithm: "boost", operators: text + ["Concat", "ai.onnx.ml:TreeEnsemble", "Softmax"] + label),
        // Naive Bayes cannot give a flag column the mode's weights: one MatMul adds it in.
        Case(algorithm: "bayes", operators: text + ["MatMul", "Concat", "IsNaN", "Where", "Concat",
                                                    "Unsqueeze", "Sub", "Mul", "Div", "ReduceSum", "Mul", "Add", "Softmax"] + label),
    ]

    @Test("penguins classifier graphs", arguments: cases)
    func penguins(_ c: Case) throws {
        let model = try Fixtures.train(c.algorithm, try Fixtures.frame("penguins"), target: "species", parameters: Fixtures.quickParameters(c.algorithm))
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

    @Test("a forest's class copies leave out the subtrees that add nothing to their class")
    func forestCopiesPruned() throws {
        let model = try Fixtures.train("forest", try Fixtures.frame("penguins"), target: "species", parameters: ["n_estimators": .int(5)])
        let forest = try #require(model.fitted.model as? RandomForestModel)
        let splits = forest.trees.reduce(0) { total, tree in total + tree.feature.filter { $0 != Tree.leaf }.count }
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        let ensemble = try #require(proto.graph.node.first { $0.opType == "TreeEnsemble" })
        let written = try #require(ensemble.attribute.first { $0.name == "nodes_featureids" }).ints.count
        // Three classes: whole copies would be 3 × the splits; pure leaves make most subtrees silent for two of them.
        #expect(written < 3 * splits)
        #expect(ensemble.attribute.first { $0.name == "tree_roots" }?.ints.count == 3 * forest.trees.count)
    }

    @Test("a boosting baseline is folded into the first tree of each class, not added by a node")
    func boostBaselineFolded() throws {
        let model = try Fixtures.train("boost", try Fixtures.frame("iris"), target: "species", parameters: ["max_iter": .int(3)])
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        #expect(!proto.graph.node.contains { $0.opType == "Add" })
        #expect(!proto.graph.initializer.contains { $0.name == "boost_baseline" })
    }
}
