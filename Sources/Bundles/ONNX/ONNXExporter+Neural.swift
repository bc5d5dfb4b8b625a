import Learning

extension ONNXExporter {
    /// The ReLU network as `Gemm` (weights and biases in one node) + `Relu` per layer in double,
    /// then `Softmax` (classification) or `value = targetMean + targetScale × output` (regression).
    ///
    /// Workbench stores each layer's weights input-major (`[input][output]`) followed by its
    /// biases, which is exactly `Gemm`'s right-hand operand layout.
    /// The first layer's weight rows follow the graph's column order (`EncodedFeatures`).
    static func emitNeuralNetwork(
        _ model: MultilayerPerceptronModel, features x: EncodedFeatures, into graph: inout GraphBuilder
    ) throws -> Head {
        let width = x.column.count
        let sizes = model.network.layerSizes
        let parameters = model.network.parameters
        let expected = zip(sizes, sizes.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
        guard sizes.count >= 2, sizes[0] == width, parameters.count == expected else {
            throw ONNXExportError.inconsistent(
                "network layers \(sizes) do not fit \(width) features and \(parameters.count) parameters")
        }
        var activation = x.value
        var offset = 0
        for l in 0..<(sizes.count - 1) {
            let nIn = sizes[l], nOut = sizes[l + 1]
            let layer = parameters[offset..<(offset + nIn * nOut)]
            let weights = graph.constant(
                "layer\(l)_weights", doubles: l == 0 ? x.graphWeightRows(of: layer, columns: nOut) : Array(layer),
                shape: [l == 0 ? x.width : nIn, nOut])
            offset += nIn * nOut
            let biases = graph.constant(
                "layer\(l)_biases", doubles: Array(parameters[offset..<(offset + nOut)]), shape: [nOut])
            offset += nOut
            activation = graph.add("Gemm", [activation, weights, biases], named: "layer\(l)_output")
            if l < sizes.count - 2 {
                activation = graph.add("Relu", [activation], named: "layer\(l)_relu")
            }
        }
        switch model.task {
        case .classification:
            return .probabilities(
                graph.add("Softmax", [activation], named: "mlp_probabilities", attributes: [.int("axis", 1)]))
        case .regression:
            let scale = graph.constant("target_scale", doubles: [model.targetScale], shape: [1])
            let mean = graph.constant("target_mean", doubles: [model.targetMean], shape: [1])
            let scaled = graph.add("Mul", [activation, scale], named: "scaled_output")
            return .values(graph.add("Add", [scaled, mean], named: "mlp_value"))
        }
    }
}
