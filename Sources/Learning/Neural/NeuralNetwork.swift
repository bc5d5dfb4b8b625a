import Foundation
import Parallelism

/// A fully connected ReLU network: its layer sizes and all weights and biases in one flat vector.
///
/// Layer l maps `layerSizes[l]` inputs to `layerSizes[l+1]` outputs; its weights are stored
/// input-major (`[input][output]`) so the inner loops of both passes run over contiguous memory,
/// followed by its biases. The last layer is linear (softmax applied separately for classes).
public struct NeuralNetwork: Sendable, Codable, Equatable {
    /// Input features, hidden layer sizes…, outputs.
    public let layerSizes: [Int]
    /// W₀, b₀, W₁, b₁, … concatenated.
    public internal(set) var parameters: [Double]

    var layerCount: Int { layerSizes.count - 1 }

    /// Offset of layer l's weights in `parameters`; its biases follow the weights.
    func weightOffset(_ layer: Int) -> Int {
        var offset = 0
        for l in 0..<layer { offset += (layerSizes[l] + 1) * layerSizes[l + 1] }
        return offset
    }

    /// Glorot-uniform initialisation, as scikit-learn does it: weights and biases drawn from
    /// U(−b, b) with b = √(6 / (fan_in + fan_out)).
    init(glorotUniformWith layerSizes: [Int], generator: inout SeededGenerator) {
        self.layerSizes = layerSizes
        var parameters: [Double] = []
        for l in 0..<(layerSizes.count - 1) {
            let fanIn = layerSizes[l], fanOut = layerSizes[l + 1]
            let bound = (6.0 / Double(fanIn + fanOut)).squareRoot()
            for _ in 0..<((fanIn + 1) * fanOut) {
                parameters.append((2 * generator.nextUnit() - 1) * bound)
            }
        }
        self.parameters = parameters
    }

    /// Runs the rows already copied into layer 0 of `workspace` through the network; afterwards
    /// each layer's activations (the last one softmaxed when `softmax`) are in the workspace.
    func forward(_ workspace: inout NetworkWorkspace, rows: Int, softmax: Bool) {
        let offsets = workspace.offsets
        parameters.withUnsafeBufferPointer { parameterBuffer in
            workspace.activations.withUnsafeMutableBufferPointer { activationBuffer in
                guard let p = parameterBuffer.baseAddress, let a = activationBuffer.baseAddress else { return }
                for l in 0..<layerCount {
                    let nIn = layerSizes[l], nOut = layerSizes[l + 1]
                    let weights = p + weightOffset(l)
                    let biases = weights + nIn * nOut
                    let input = a + offsets[l], output = a + offsets[l + 1]
                    let isHidden = l < layerCount - 1
                    for b in 0..<rows {
                        let outRow = output + b * nOut
                        outRow.update(from: biases, count: nOut)
                        let inRow = input + b * nIn
                        if nOut <= NeuralKernels.narrowLayer {
                            for i in 0..<nIn {
                                NeuralKernels.addScaledUnlessZero(inRow[i], weights + i * nOut, to: outRow, count: nOut)
                            }
                        } else {
                            for i in 0..<nIn {
                                let value = inRow[i]
                                if value == 0 { continue }  // common after ReLU
                                NeuralKernels.addScaled(value, weights + i * nOut, to: outRow, count: nOut)
                            }
                        }
                        if isHidden {
                            for o in 0..<nOut where outRow[o] < 0 { outRow[o] = 0 }
                        } else if softmax {
                            LogSpace.softmaxInPlace(UnsafeMutableBufferPointer(start: outRow, count: nOut))
                        }
                    }
                }
            }
        }
    }

    /// Outputs for every row of `x`, row-major (`rows × outputs`), in fixed blocks of rows on up
    /// to `threads` threads; each row's output depends only on that row.
    func forwardAll(_ x: Matrix, softmax: Bool, threads: Int = 1) -> [Double] {
        let outputs = layerSizes[layerCount]
        let blockRows = 256
        let blocks = (x.rows + blockRows - 1) / blockRows
        let block: @Sendable (Int) -> [Double] = { index in
            let start = index * blockRows
            let end = min(x.rows, start + blockRows)
            var workspace = NetworkWorkspace(layerSizes: layerSizes, capacity: end - start)
            workspace.load(x, rows: start..<end)
            forward(&workspace, rows: end - start, softmax: softmax)
            let outputOffset = workspace.offsets[layerCount]
            return Array(workspace.activations[outputOffset..<(outputOffset + (end - start) * outputs)])
        }
        let parts = parallelMap(blocks, threads: threads, block)
        return Array(parts.joined())
    }

    /// Accuracy (classification, `classCodes` given) or R² (regression, `values` given) on `x`.
    func score(x: Matrix, classCodes: [Int], values: [Double]) -> Double {
        let outputs = forwardAll(x, softmax: false)
        if !classCodes.isEmpty {
            let width = layerSizes[layerCount]
            var correct = 0
            for (r, code) in classCodes.enumerated() {
                var best = 0
                for c in 1..<max(1, width) where outputs[r * width + c] > outputs[r * width + best] { best = c }
                if best == code { correct += 1 }
            }
            return Double(correct) / Double(classCodes.count)
        }
        return RegressionMetrics.r2(truth: values, predicted: outputs)
    }
}

/// Scratch space for forward and backward passes over up to `capacity` rows at a time.
struct NetworkWorkspace {
    let capacity: Int
    /// Start of each layer's block (`capacity × size`) in `activations` and `deltas`.
    let offsets: [Int]
    var activations: [Double]
    var deltas: [Double]

    init(layerSizes: [Int], capacity: Int) {
        self.capacity = capacity
        var offsets: [Int] = []
        var total = 0
        for size in layerSizes {
            offsets.append(total)
            total += capacity * size
        }
        self.offsets = offsets
        activations = [Double](repeating: 0, count: total)
        deltas = [Double](repeating: 0, count: total)
    }

    /// Copies the given rows of `x` into the input layer.
    mutating func load<Rows: Collection<Int>>(_ x: Matrix, rows: Rows) {
        let d = x.columns
        var position = 0
        for row in rows {
            for j in 0..<d { activations[position + j] = x.values[row * d + j] }
            position += d
        }
    }
}

extension NeuralNetwork {
    /// The loss summed over `rows` and its gradient, also summed: no batch mean, no penalty. With
    /// `rowWeights` (one per training row; empty: every row weighs 1) each row's loss and output
    /// delta are scaled by its weight, as scikit-learn's `sample_weight`.
    /// Pure, so parts of a batch can run on different threads.
    func lossAndGradientSum(
        x: Matrix, rows: ArraySlice<Int>, classCodes: [Int], values: [Double],
        rowWeights: [Double] = []
    ) -> (loss: Double, gradient: [Double]) {
        let batch = rows.count
        let isClassification = !classCodes.isEmpty
        var workspace = NetworkWorkspace(layerSizes: layerSizes, capacity: max(1, batch))
        var gradient = [Double](repeating: 0, count: parameters.count)
        workspace.load(x, rows: rows)
        forward(&workspace, rows: batch, softmax: isClassification)
        let sizes = layerSizes
        let layers = layerCount
        let outputs = sizes[layers]
        let offsets = workspace.offsets
        var loss = 0.0

        // Output delta: prediction − target (softmax + cross-entropy, or identity + squared error).
        let outputOffset = offsets[layers]
        for (b, row) in rows.enumerated() {
            let weight = rowWeights.isEmpty ? 1 : rowWeights[row]
            for o in 0..<outputs {
                let prediction = workspace.activations[outputOffset + b * outputs + o]
                let target: Double
                if isClassification {
                    target = classCodes[row] == o ? 1 : 0
                    if target == 1 { loss -= weight * log(max(prediction, 1e-15)) }
                } else {
                    target = values[row]
                    loss += weight * (0.5 * (prediction - target) * (prediction - target))
                }
                workspace.deltas[outputOffset + b * outputs + o] = weight * (prediction - target)
            }
        }

        parameters.withUnsafeBufferPointer { parameterBuffer in
            gradient.withUnsafeMutableBufferPointer { gradientBuffer in
                workspace.activations.withUnsafeBufferPointer { activationBuffer in
                    workspace.deltas.withUnsafeMutableBufferPointer { deltaBuffer in
                        guard let p = parameterBuffer.baseAddress, let g = gradientBuffer.baseAddress,
                            let a = activationBuffer.baseAddress, let delta = deltaBuffer.baseAddress
                        else { return }
                        for l in stride(from: layers - 1, through: 0, by: -1) {
                            let nIn = sizes[l], nOut = sizes[l + 1]
                            let offset = weightOffset(l)
                            let weights = p + offset, weightGradient = g + offset
                            let biasGradient = weightGradient + nIn * nOut
                            let input = a + offsets[l]
                            let outDelta = delta + offsets[l + 1], inDelta = delta + offsets[l]
                            for b in 0..<batch {
                                let deltaRow = outDelta + b * nOut
                                let inRow = input + b * nIn
                                NeuralKernels.addScaled(1, deltaRow, to: biasGradient, count: nOut)
                                if nOut <= NeuralKernels.narrowLayer {
                                    for i in 0..<nIn {
                                        NeuralKernels.addScaledUnlessZero(
                                            inRow[i], deltaRow, to: weightGradient + i * nOut, count: nOut)
                                    }
                                } else {
                                    for i in 0..<nIn {
                                        let value = inRow[i]
                                        if value == 0 { continue }
                                        NeuralKernels.addScaled(
                                            value, deltaRow, to: weightGradient + i * nOut, count: nOut)
                                    }
                                }
                                // Propagate through the ReLU: zero where the unit was inactive.
                                if l > 0 {
                                    let previousRow = inDelta + b * nIn
                                    if nOut <= NeuralKernels.narrowLayer {
                                        // From a narrow layer (the classes): computed for every unit
                                        // and then chosen, since half the units are inactive, at
                                        // random, and a branch on it mispredicted.
                                        for i in 0..<nIn {
                                            let propagated = NeuralKernels.dot(
                                                deltaRow, weights + i * nOut, count: nOut)
                                            previousRow[i] = inRow[i] <= 0 ? 0 : propagated
                                        }
                                    } else {
                                        for i in 0..<nIn {
                                            if inRow[i] <= 0 {
                                                previousRow[i] = 0
                                                continue
                                            }
                                            previousRow[i] = NeuralKernels.dot(
                                                deltaRow, weights + i * nOut, count: nOut)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (loss, gradient)
    }
}

/// Mini-batch gradient steps with Adam (Kingma & Ba), scikit-learn's default solver.
struct AdamTrainer {
    private let threads: Int
    /// Rows per independently computed part of a batch (fixed: see `computeGradient`).
    static let partRows = 64
    /// The last gradient `computeGradient` produced (same layout as the parameters).
    private(set) var gradient: [Double]
    private var firstMoment: [Double]
    private var secondMoment: [Double]
    private var beta1Power = 1.0
    private var beta2Power = 1.0
    private let learningRate: Double
    private let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    init(network: NeuralNetwork, learningRate: Double, threads: Int) {
        self.threads = threads
        gradient = [Double](repeating: 0, count: network.parameters.count)
        firstMoment = gradient
        secondMoment = gradient
        self.learningRate = learningRate
    }

    /// One Adam step on the given rows.
    /// - Returns: the batch's mean loss (cross-entropy or half squared error) plus the L2 term,
    ///   before the step.
    mutating func step(
        x: Matrix, rows: ArraySlice<Int>, classCodes: [Int], values: [Double], rowWeights: [Double] = [],
        network: inout NeuralNetwork, alpha: Double
    ) -> Double {
        let loss = computeGradient(
            x: x, rows: rows, classCodes: classCodes, values: values, rowWeights: rowWeights,
            network: network, alpha: alpha)
        applyAdam(to: &network)
        return loss
    }

    /// Fills `gradient` with the gradient of the batch objective at `network`'s parameters.
    ///
    /// The batch is cut into parts of `partRows` rows, whatever the thread count, and the parts'
    /// sums are added in order, so the result does not depend on `threads`.
    /// - Returns: the batch objective: mean loss + α‖W‖² / (2·batch); with `rowWeights`, the
    ///   weighted mean loss + α‖W‖² / (2·Σw over the batch), scikit-learn's weighted form.
    mutating func computeGradient(
        x: Matrix, rows: ArraySlice<Int>, classCodes: [Int], values: [Double], rowWeights: [Double] = [],
        network: NeuralNetwork, alpha: Double
    ) -> Double {
        let batch = rows.count
        let partCount = (batch + Self.partRows - 1) / Self.partRows
        let part: @Sendable (Int) -> (loss: Double, gradient: [Double]) = { index in
            let start = rows.startIndex + index * Self.partRows
            let end = min(rows.endIndex, start + Self.partRows)
            return network.lossAndGradientSum(
                x: x, rows: rows[start..<end], classCodes: classCodes, values: values, rowWeights: rowWeights)
        }
        let parts = parallelMap(partCount, threads: threads, part)
        var loss = 0.0
        for i in gradient.indices { gradient[i] = 0 }
        for (partLoss, partGradient) in parts {
            loss += partLoss
            gradient.withUnsafeMutableBufferPointer { total in
                partGradient.withUnsafeBufferPointer { addition in
                    guard let t = total.baseAddress, let a = addition.baseAddress else { return }
                    NeuralKernels.addScaled(1, a, to: t, count: min(total.count, addition.count))
                }
            }
        }
        let sizes = network.layerSizes
        let layers = network.layerCount

        // Mean over the batch, plus the L2 gradient on weights (never biases).
        let inverseBatch = 1 / (rowWeights.isEmpty ? Double(batch) : rows.reduce(0) { $0 + rowWeights[$1] })
        var squaredWeights = 0.0
        for l in 0..<layers {
            let offset = network.weightOffset(l)
            let weightCount = sizes[l] * sizes[l + 1]
            for index in offset..<(offset + weightCount) {
                let w = network.parameters[index]
                squaredWeights += w * w
                gradient[index] = (gradient[index] + alpha * w) * inverseBatch
            }
            for index in (offset + weightCount)..<(offset + weightCount + sizes[l + 1]) {
                gradient[index] *= inverseBatch
            }
        }
        return loss * inverseBatch + 0.5 * alpha * squaredWeights * inverseBatch
    }

    /// Moves the parameters one Adam step along the current `gradient`.
    private mutating func applyAdam(to network: inout NeuralNetwork) {
        beta1Power *= beta1
        beta2Power *= beta2
        let stepSize = learningRate * (1 - beta2Power).squareRoot() / (1 - beta1Power)
        network.parameters.withUnsafeMutableBufferPointer { parameterBuffer in
            gradient.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        for i in 0..<g.count {
                            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                            parameterBuffer[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
    }
}

/// The two inner loops of both passes, written as plain `while` loops over pointers: the same
/// speed as `for` in optimized builds, several times faster in debug builds (tests).
enum NeuralKernels {
    /// y[0..<count] += a · x[0..<count]
    @inline(__always)
    static func addScaled(_ a: Double, _ x: UnsafePointer<Double>, to y: UnsafeMutablePointer<Double>, count: Int) {
        var i = 0
        while i < count {
            y[i] += a * x[i]
            i &+= 1
        }
    }

    /// Layers this wide or narrower (an output layer of classes) are updated without branching on
    /// each hidden unit: a ReLU leaves half of them at zero, at random, so a branch mispredicts
    /// about every other time, which costs more than a narrow layer's arithmetic it would skip.
    static let narrowLayer = 8

    /// `addScaled` unless `a` is zero, when y is left as it is: the same bits as skipping the
    /// call on a zero (adding a zero product could turn a −0 into +0), without a branch.
    @inline(__always)
    static func addScaledUnlessZero(
        _ a: Double, _ x: UnsafePointer<Double>, to y: UnsafeMutablePointer<Double>, count: Int
    ) {
        let skip = a == 0
        var i = 0
        while i < count {
            let sum = y[i] + a * x[i]
            y[i] = skip ? y[i] : sum
            i &+= 1
        }
    }

    /// Σ a[i]·b[i] over 0..<count.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        var sum = 0.0
        var i = 0
        while i < count {
            sum += a[i] * b[i]
            i &+= 1
        }
        return sum
    }
}

extension NeuralNetwork {
    /// Decodes a network, refusing one whose parameter count does not match its layer sizes (the
    /// passes index the flat vector by them) or whose weights are not finite.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        let sizes = try container.decode([Int].self, forKey: .layerSizes)
        let parameters = try container.decode([Double].self, forKey: .parameters)
        try StoredModelCheck.require(
            sizes.count >= 2 && sizes.allSatisfy { $0 >= 1 }, at: path + [CodingKeys.layerSizes],
            "layer sizes \(sizes.prefix(8)): a network needs inputs and outputs, each at least 1 wide")
        var expected: Int? = 0
        for l in 0..<(sizes.count - 1) {
            if let sum = expected, let layer = StoredModelCheck.product(sizes[l] + 1, sizes[l + 1]) {
                let (next, overflow) = sum.addingReportingOverflow(layer)
                expected = overflow ? nil : next
            } else {
                expected = nil
            }
        }
        try StoredModelCheck.require(
            expected == parameters.count, at: path + [CodingKeys.parameters],
            "\(parameters.count) weights and biases where the layer sizes need \(expected.map(String.init) ?? "more than can be stored")"
        )
        try StoredModelCheck.require(
            StoredModelCheck.allFinite(parameters), at: path + [CodingKeys.parameters],
            "a weight is not a finite number")
        self.layerSizes = sizes
        self.parameters = parameters
    }
}
