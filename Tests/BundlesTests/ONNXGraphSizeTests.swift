import Learning
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

    /// Text block without imputation: Concat of the inputs, Gather per level, Equal, Cast.
    static let textBlock = ["Concat", "Gather", "Equal", "Cast"]
    /// Label from the probabilities.
    static let label = ["ArgMax", "ai.onnx.ml:LabelEncoder"]

    static let cases: [Case] = [
        // Numbers: Concat, IsNaN, Where (medians), Sub (means), Div (deviations); text: Concat,
        // Equal("") + Where (modes), Gather, Equal, Cast; blocks: Concat.
        Case(algorithm: "linear", operators: ["Concat", "IsNaN", "Where", "Sub", "Div", "Concat", "Equal", "Where", "Gather", "Equal", "Cast", "Concat",
                                              "Gemm", "Softmax"] + label),
        Case(algorithm: "tree", operators: ["Concat"] + textBlock + ["Concat", "ai.onnx.ml:TreeEnsemble"] + label),
        Case(algorithm: "forest", operators: ["Concat"] + textBlock + ["Concat", "ai.onnx.ml:TreeEnsemble", "ReduceSum", "Div"] + label),
        Case(algorithm: "boost", operators: ["Concat"] + textBlock + ["Concat", "ai.onnx.ml:TreeEnsemble", "Softmax"] + label),
    ]

    @Test("penguins classifier graphs", arguments: cases)
    func penguins(_ c: Case) throws {
        let model = try Fixtures.train(c.algorithm, try Fixtures.frame("penguins"), target: "species", parameters: Fixtures.quickParameters(c.algorithm))
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        let operators = proto.graph.node.map { $0.domain.isEmpty ? $0.opType : "\($0.domain):\($0.opType)" }
        #expect(operators == c.operators)
    }

    @Test("a boosting baseline is folded into the first tree of each class, not added by a node")
    func boostBaselineFolded() throws {
        let model = try Fixtures.train("boost", try Fixtures.frame("iris"), target: "species", parameters: ["max_iter": .int(3)])
        let proto = try Onnx_ModelProto(serializedBytes: try ONNXExporter.export(model).data)
        #expect(!proto.graph.node.contains { $0.opType == "Add" })
        #expect(!proto.graph.initializer.contains { $0.name == "boost_baseline" })
    }
}
