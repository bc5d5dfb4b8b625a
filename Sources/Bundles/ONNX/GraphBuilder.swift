import Foundation

/// Accumulates the nodes and constants of one ONNX graph, handing out unique value names.
///
/// Names chosen by the caller for graph inputs and outputs are reserved first, so generated
/// names (`base`, `base_1`, …) can never shadow them.
struct GraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var taken: Set<String>

    init(reserved: some Sequence<String>) {
        taken = Set(reserved)
    }

    /// A value name not used yet, derived from `base`.
    mutating func fresh(_ base: String) -> String {
        var name = base
        var suffix = 0
        while taken.contains(name) {
            suffix += 1
            name = "\(base)_\(suffix)"
        }
        taken.insert(name)
        return name
    }

    /// Adds a node writing to `outputs` (names the caller already reserved or got from `fresh`).
    mutating func add(
        _ opType: String, _ inputs: [String], outputs: [String], domain: String = "",
        attributes: [Onnx_AttributeProto] = []
    ) {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.domain = domain
        node.input = inputs
        node.output = outputs
        node.attribute = attributes
        node.name = "\(opType)_\(nodes.count)"
        nodes.append(node)
    }

    /// Adds a node with one output named after `base` and returns that name.
    mutating func add(
        _ opType: String, _ inputs: [String], named base: String, domain: String = "",
        attributes: [Onnx_AttributeProto] = []
    ) -> String {
        let output = fresh(base)
        add(opType, inputs, outputs: [output], domain: domain, attributes: attributes)
        return output
    }

    /// Removes every `Identity` node whose input another node computes under a generated name:
    /// that node writes the `Identity`'s output directly, and later readers use the new name.
    /// ONNX Runtime keeps an `Identity` that writes a graph output, so each one costs a kernel
    /// launch per run; `reserved` names (inputs, outputs, derived columns) are never renamed.
    ///
    /// - Complexity: O(nodes × inputs per node).
    mutating func foldIdentities(reserved: Set<String>) {
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() { for output in node.output { producer[output] = i } }
        var dropped = Set<Int>()
        var renamed: [String: String] = [:]
        for (i, node) in nodes.enumerated() where node.opType == "Identity" && node.domain.isEmpty {
            guard node.input.count == 1, node.output.count == 1 else { continue }
            let source = renamed[node.input[0]] ?? node.input[0]
            guard !reserved.contains(source), let origin = producer[source],
                let slot = nodes[origin].output.firstIndex(of: source)
            else { continue }
            nodes[origin].output[slot] = node.output[0]
            producer[node.output[0]] = origin
            renamed[source] = node.output[0]
            dropped.insert(i)
        }
        guard !dropped.isEmpty else { return }
        nodes = nodes.enumerated().compactMap { i, node in
            guard !dropped.contains(i) else { return nil }
            var node = node
            node.input = node.input.map { renamed[$0] ?? $0 }
            return node
        }
    }

    /// A double constant of the given shape, stored as an initializer.
    mutating func constant(_ base: String, doubles: [Double], shape: [Int]) -> String {
        var tensor = Onnx_TensorProto.doubles(doubles, shape: shape)
        tensor.name = fresh(base)
        initializers.append(tensor)
        return tensor.name
    }

    /// An int64 constant of the given shape.
    mutating func constant(_ base: String, int64s: [Int64], shape: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.dims = shape.map(Int64.init)
        tensor.int64Data = int64s
        tensor.name = fresh(base)
        initializers.append(tensor)
        return tensor.name
    }

    /// A string constant of the given shape (UTF-8).
    mutating func constant(_ base: String, strings: [String], shape: [Int]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.dataType = Int32(Onnx_TensorProto.DataType.string.rawValue)
        tensor.dims = shape.map(Int64.init)
        tensor.stringData = strings.map { Data($0.utf8) }
        tensor.name = fresh(base)
        initializers.append(tensor)
        return tensor.name
    }
}

extension Onnx_TensorProto {
    /// An unnamed double tensor (used for initializers and tensor-valued attributes).
    static func doubles(_ values: [Double], shape: [Int]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.dataType = Int32(Onnx_TensorProto.DataType.double.rawValue)
        tensor.dims = shape.map(Int64.init)
        tensor.doubleData = values
        return tensor
    }

    /// An unnamed uint8 tensor; ONNX stores uint8 elements in `int32_data`.
    static func uint8s(_ values: [UInt8], shape: [Int]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.dataType = Int32(Onnx_TensorProto.DataType.uint8.rawValue)
        tensor.dims = shape.map(Int64.init)
        tensor.int32Data = values.map(Int32.init)
        return tensor
    }
}

extension Onnx_AttributeProto {
    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(value.utf8)
        return a
    }

    static func strings(_ name: String, _ values: [String]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .strings
        a.strings = values.map { Data($0.utf8) }
        return a
    }

    static func tensor(_ name: String, _ value: Onnx_TensorProto) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .tensor
        a.t = value
        return a
    }
}

extension Onnx_ValueInfoProto {
    /// A tensor value description; `nil` dimensions are the symbolic batch size `N`.
    static func tensor(_ name: String, _ type: Onnx_TensorProto.DataType, shape: [Int?]) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(type.rawValue)
        tensorType.shape.dim = shape.map { size in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let size { dim.dimValue = Int64(size) } else { dim.dimParam = "N" }
            return dim
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }
}
