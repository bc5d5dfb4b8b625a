public import Learning

/// A calibrated model's probability map and a conformal model's sets or intervals, as graph nodes
/// that compute what `ProbabilityCalibration.apply` and `ConformalPredictor` compute.
extension ONNXExporter {
    /// Output names of a conformal model: the set (one bool per class: whether the class is in
    /// the row's set), or the interval's two ends.
    public static let setOutput = "set"
    public static let lowerOutput = "lower"
    public static let upperOutput = "upper"

    /// The calibrated probabilities `[N, classes]` of the raw probabilities `p`: two classes map
    /// the second and take 1 − it for the first; more map each class and normalise the row (the
    /// uniform row when every mapped value is 0).
    static func emitCalibration(
        _ calibration: ProbabilityCalibration, probabilities p: String, classCount: Int,
        into graph: inout GraphBuilder
    ) -> String {
        if classCount == 2 {
            let index = graph.constant("calibrated_class", int64s: [1], shape: [1])
            let positive = graph.add("Gather", [p, index], named: "raw_positive", attributes: [.int("axis", 1)])
            let mapped = emitCalibrator(calibration.calibrators[0], positive, label: "positive", into: &graph)
            let one = graph.constant("calibration_one", doubles: [1], shape: [])
            let negative = graph.add("Sub", [one, mapped], named: "calibrated_negative")
            return graph.add("Concat", [negative, mapped], named: "calibrated", attributes: [.int("axis", 1)])
        }
        var columns: [String] = []
        for (c, calibrator) in calibration.calibrators.enumerated() {
            let index = graph.constant("calibrated_class_\(c)", int64s: [Int64(c)], shape: [1])
            let raw = graph.add("Gather", [p, index], named: "raw_class_\(c)", attributes: [.int("axis", 1)])
            columns.append(emitCalibrator(calibrator, raw, label: "class_\(c)", into: &graph))
        }
        let mapped = graph.add("Concat", columns, named: "calibrated_unnormalised", attributes: [.int("axis", 1)])
        let axis = graph.constant("calibration_axis", int64s: [1], shape: [1])
        let total = graph.add(
            "ReduceSum", [mapped, axis], named: "calibrated_total", attributes: [.int("keepdims", 1)])
        let zero = graph.constant("calibration_zero", doubles: [0], shape: [])
        let usable = graph.add("Greater", [total, zero], named: "calibrated_total_positive")
        let normalised = graph.add("Div", [mapped, total], named: "calibrated_normalised")
        let uniform = graph.constant("calibration_uniform", doubles: [1 / Double(classCount)], shape: [])
        return graph.add("Where", [usable, normalised, uniform], named: "calibrated")
    }

    /// One class's map on a column `[N, 1]` of raw probabilities.
    private static func emitCalibrator(
        _ calibrator: ClassCalibrator, _ p: String, label: String, into graph: inout GraphBuilder
    ) -> String {
        switch calibrator {
        case .sigmoid(let a, let b):
            // 1 / (1 + exp(a·p + b)) = sigmoid(−a·p − b).
            let slope = graph.constant("\(label)_sigmoid_slope", doubles: [-a], shape: [])
            let offset = graph.constant("\(label)_sigmoid_offset", doubles: [-b], shape: [])
            let scaled = graph.add("Mul", [p, slope], named: "\(label)_sigmoid_scaled")
            let z = graph.add("Add", [scaled, offset], named: "\(label)_sigmoid_input")
            return graph.add("Sigmoid", [z], named: "\(label)_calibrated")
        case .isotonic(let x, let y):
            let first = graph.constant("\(label)_isotonic_start", doubles: [y.first ?? 0], shape: [])
            guard x.count >= 2 else {
                // One knot: the map is constant (p · 0 keeps the batch's shape).
                let zero = graph.constant("\(label)_isotonic_zero", doubles: [0], shape: [])
                let none = graph.add("Mul", [p, zero], named: "\(label)_isotonic_none")
                return graph.add("Add", [none, first], named: "\(label)_calibrated")
            }
            // The piecewise-linear interpolation as a sum of clipped ramps: y₀ + Σ slopeᵢ · clip(p − xᵢ, 0, xᵢ₊₁ − xᵢ),
            // which is y₀ below the first knot, the interpolation between knots and y_last past the last.
            let segments = x.count - 1
            let starts = Array(x.dropLast())
            let widths = (0..<segments).map { x[$0 + 1] - x[$0] }
            let slopes = (0..<segments).map { (y[$0 + 1] - y[$0]) / widths[$0] }
            let knotStarts = graph.constant("\(label)_isotonic_knots", doubles: starts, shape: [segments])
            let knotWidths = graph.constant("\(label)_isotonic_widths", doubles: widths, shape: [segments])
            let knotSlopes = graph.constant("\(label)_isotonic_slopes", doubles: slopes, shape: [segments])
            let zero = graph.constant("\(label)_isotonic_zero", doubles: [0], shape: [])
            let past = graph.add("Sub", [p, knotStarts], named: "\(label)_isotonic_past")
            let above = graph.add("Max", [past, zero], named: "\(label)_isotonic_above")
            let within = graph.add("Min", [above, knotWidths], named: "\(label)_isotonic_within")
            let rises = graph.add("Mul", [within, knotSlopes], named: "\(label)_isotonic_rises")
            let axis = graph.constant("\(label)_isotonic_axis", int64s: [1], shape: [1])
            let rise = graph.add(
                "ReduceSum", [rises, axis], named: "\(label)_isotonic_rise", attributes: [.int("keepdims", 1)])
            return graph.add("Add", [rise, first], named: "\(label)_calibrated")
        }
    }

    /// The conformal outputs: the set (class c is in it when 1 − p_c ≤ q̂) or the interval ŷ ± q̂.
    static func emitConformal(
        _ conformal: ConformalPredictor, head: Head, classCount: Int, into graph: inout GraphBuilder
    ) -> [Onnx_ValueInfoProto] {
        let quantile = graph.constant("conformal_quantile", doubles: [conformal.quantile], shape: [])
        switch head {
        case .probabilities(let p):
            let one = graph.constant("conformal_one", doubles: [1], shape: [])
            let scores = graph.add("Sub", [one, p], named: "conformal_scores")
            graph.add("LessOrEqual", [scores, quantile], outputs: [setOutput])
            return [.tensor(setOutput, .bool, shape: [nil, classCount])]
        case .values(let v):
            graph.add("Sub", [v, quantile], outputs: [lowerOutput])
            graph.add("Add", [v, quantile], outputs: [upperOutput])
            return [.tensor(lowerOutput, .double, shape: [nil, 1]), .tensor(upperOutput, .double, shape: [nil, 1])]
        }
    }

    /// One output of the graph: its name, element type and width (values per row).
    public struct GraphOutput: Sendable, Equatable {
        public enum Element: Sendable, Equatable { case text, number, flag }
        public let name: String
        public let element: Element
        public let width: Int
    }

    /// The graph's outputs for `model`, in order: label and probabilities, or value, then the
    /// conformal set or interval ends. /v2 metadata and Triton's config list the same.
    public static func outputs(_ model: PipelineModel) -> [GraphOutput] {
        let conformal = model.conformal != nil
        let classes = model.target.classes.count
        return model.task == .classification
            ? [
                GraphOutput(name: labelOutput, element: .text, width: 1),
                GraphOutput(name: probabilitiesOutput, element: .number, width: classes),
            ]
                + (conformal ? [GraphOutput(name: setOutput, element: .flag, width: classes)] : [])
            : [GraphOutput(name: valueOutput, element: .number, width: 1)]
                + (conformal
                    ? [
                        GraphOutput(name: lowerOutput, element: .number, width: 1),
                        GraphOutput(name: upperOutput, element: .number, width: 1),
                    ] : [])
    }
}
