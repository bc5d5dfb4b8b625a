import Foundation
import Testing
@testable import Bundles
import SwiftProtobuf

/// The generated `onnx-ml.proto` types encode and decode a model with the runtime we link.
@Suite("ONNX protobuf types")
struct GeneratedTypesTests {
    @Test("a model round-trips through the binary format")
    func roundTrip() throws {
        var tensor = Onnx_TensorProto()
        tensor.name = "w"
        tensor.dataType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        tensor.dims = [2]
        tensor.doubleData = [0.1, -2.5]
        var node = Onnx_NodeProto()
        node.opType = "Add"
        node.input = ["x", "w"]
        node.output = ["y"]
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 21
        var model = Onnx_ModelProto()
        model.irVersion = 10
        model.opsetImport = [opset]
        model.graph.node = [node]
        model.graph.initializer = [tensor]

        let data: Data = try model.serializedBytes()
        let parsed = try Onnx_ModelProto(serializedBytes: data)
        #expect(parsed == model)
        #expect(parsed.graph.initializer.first?.doubleData == [0.1, -2.5])
        #expect(parsed.opsetImport.first?.domain == "")
    }
}
