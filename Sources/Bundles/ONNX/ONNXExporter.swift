import ColumnExpressions
import Foundation
public import Learning
import Tabular
import SwiftProtobuf

/// Writes a trained `PipelineModel` — preprocessing and model — as one ONNX graph that any ONNX
/// runtime with the `ai.onnx` (opset 21) and `ai.onnx.ml` (opset 5) domains can run on a table.
///
/// The graph keeps Workbench's double precision end to end, so it uses standard `ai.onnx`
/// arithmetic wherever the `ai.onnx.ml` operator would force float32:
/// - numbers, one `[N, k]` block: `IsNaN` + `Where` with the training medians (ml `Imputer`
///   only does float), then `Sub` means / `Div` standard deviations (ml `Scaler` outputs float),
///   exactly Workbench's formula, one node each for every number;
/// - text: ml `OneHotEncoder` per column over its training levels (and `""`, the missing flag
///   that stands for the most frequent level when imputing; `zeros` = 1 so unseen values give
///   all zeros), its float 0/1 cast to double, which is exact;
/// - one `Concat` of the blocks;
/// - the model's parameters follow the graph's column order (`emitPreprocessing`,
///   `EncodedFeatures`), so nothing reorders the columns at run time;
/// - linear: `Gemm` (+ `Softmax`) rather than ml `LinearClassifier`/`LinearRegressor`, whose
///   coefficients and outputs are float;
/// - tree, forest, boost: ml `TreeEnsemble` (opset 5, double thresholds and leaf weights; it
///   replaces the deprecated `TreeEnsembleClassifier`/`Regressor`), the boosting baseline folded
///   into the leaves, then `Sigmoid`/`Softmax`;
/// - baseline: the training class shares or mean, `Expand`ed to the batch size;
/// - mlp: `MatMul` + `Add` + `Relu` per layer; bayes: broadcast Gaussian log-likelihoods;
///   both end in `Softmax` (classification).
/// knn is not exported (`ONNXExportError.unsupported`).
/// Classification ends in `ArgMax` (ties: lowest class code, as in Workbench) — or, for a model
/// with a decision threshold, `Gather` of the second class's probability, `GreaterOrEqual` the
/// threshold and `Cast` to the class code; with decision costs, `MatMul` by the cost matrix and
/// `ArgMin` — and an ml
/// `LabelEncoder` from class code to class name. Values that only rename another
/// (`Identity`) are folded away at the end (`GraphBuilder.foldIdentities`): every node costs
/// ONNX Runtime a kernel launch, which is most of a single row's time. A calibrated model maps its probabilities first
/// (`emitCalibration`); a conformal one adds the set or the interval's ends (`emitConformal`).
public enum ONNXExporter {
    /// ONNX IR version written (onnxruntime 1.18 or later reads it).
    public static let irVersion: Int64 = 10
    /// Opset of the default `ai.onnx` domain.
    public static let onnxOpset: Int64 = 21
    /// Opset of `ai.onnx.ml` (5 is the first with the double-precision `TreeEnsemble`).
    public static let mlOpset: Int64 = 5
    static let mlDomain = "ai.onnx.ml"

    /// The one value in float32 (`float32Notes`): the text one-hot block, 0s and 1s.
    static let oneHotNote =
        "ai.onnx.ml OneHotEncoder emits tensor(float); its 0/1 values are cast to double, which is exact, so no result loses precision"

    /// Output names by task.
    public static let labelOutput = "label"
    public static let probabilitiesOutput = "probabilities"
    public static let valueOutput = "value"

    /// The note for float32 inputs (`onnx_precision=float`).
    static let floatInputsNote =
        "numeric inputs are tensor(float) (onnx_precision=float) and cast to double by the graph's first nodes: results are the model's on the inputs rounded to float32"

    /// Exports `model`, or throws `ONNXExportError.unsupported` for algorithms without a form here.
    /// - Parameter precision: `.float` takes numeric inputs as float32 (see `ONNXExport.Precision`).
    public static func export(_ model: PipelineModel, precision: ONNXExport.Precision = .double) throws -> ONNXExport {
        let outputNames = outputs(model).map(\.name)
        // Derived columns the graph can compute become nodes; the rest stay inputs.
        let plan = derivationPlan(model)
        let inputs = onnxInputs(plan.inputs)
        let inputNames = inputs.map(\.name)
        if let clash = (inputNames + plan.computed.map(\.name)).first(where: outputNames.contains) {
            throw ONNXExportError.nameClash(column: clash)
        }
        var seen = Set<String>()
        for input in inputs where !seen.insert(input.name).inserted {
            throw ONNXExportError.derivedNameClash(input: input.name, date: input.date ?? input.name)
        }
        var graph = GraphBuilder(reserved: inputNames + outputNames + plan.computed.map(\.name))
        try emitDerivations(
            plan.computed, textColumns: Set(plan.inputs.filter { $0.kind == .text && $0.date == nil }.map(\.name)),
            into: &graph)
        var head = try emitModel(model, into: &graph)
        if let calibration = model.calibration, case .probabilities(let p) = head {
            head = .probabilities(
                emitCalibration(calibration, probabilities: p, classCount: model.target.classes.count, into: &graph))
        }
        var outputs = try emitOutputs(head, model: model, into: &graph)
        if let conformal = model.conformal {
            outputs += emitConformal(conformal, head: head, classCount: model.target.classes.count, into: &graph)
        }

        var notes = graph.nodes.contains { $0.opType == "OneHotEncoder" } ? [oneHotNote] : []
        graph.foldIdentities(reserved: Set(inputNames + outputNames + plan.computed.map(\.name)))

        var graphProto = Onnx_GraphProto()
        graphProto.name = "workbench_\(model.algorithm)"
        graphProto.node = graph.nodes
        graphProto.initializer = graph.initializers
        graphProto.input = inputs.map {
            .tensor($0.name, $0.number ? (precision == .float ? .float : .double) : .string, shape: [nil, 1])
        }
        if precision == .float {
            castFloatInputs(inputs.filter(\.number).map(\.name), in: &graphProto)
            notes.append(floatInputsNote)
        }
        graphProto.output = outputs
        graphProto.docString = "Workbench pipeline '\(model.algorithm)' predicting '\(model.target.name)'"

        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        proto.opsetImport = [opset("", onnxOpset), opset(mlDomain, mlOpset)]
        proto.producerName = "Workbench"
        proto.modelVersion = 1
        proto.graph = graphProto
        proto.docString = """
            Inputs: one per feature column, [N,1]; numbers as double (missing = NaN), text as \
            string (missing = ""); a date column as its derived numbers (DATE (year), DATE (month), \
            DATE (day of week) 1 = Monday, DATE (day of year), DATE (hour) with times), double, \
            missing = NaN, listed in workbench.date_inputs. Outputs: \(outputNames.joined(separator: ", ")).
            """
        proto.metadataProps = metadata(model)
        if precision == .float {
            var entry = Onnx_StringStringEntryProto()
            entry.key = "workbench.onnx_precision"
            entry.value = precision.rawValue
            proto.metadataProps.append(entry)
        }
        let data: Data = try proto.serializedBytes()
        return ONNXExport(
            precision: precision, data: data, float32Notes: notes, inputNames: inputNames, outputNames: outputNames,
            dateInputs: dateInputs(model.preprocessor), derivedInputs: plan.derivedInputs)
    }

    /// Float32 inputs: each numeric input is cast to double by a first node, and every node that
    /// read the input reads the cast instead (under a name no value of the graph has).
    private static func castFloatInputs(_ names: [String], in graph: inout Onnx_GraphProto) {
        var taken = Set(
            graph.input.map(\.name) + graph.output.map(\.name) + graph.initializer.map(\.name)
                + graph.node.flatMap(\.output))
        var renamed: [String: String] = [:]
        var casts: [Onnx_NodeProto] = []
        for name in names {
            var cast = name + " (double)"
            while taken.contains(cast) { cast += "'" }
            taken.insert(cast)
            renamed[name] = cast
            var node = Onnx_NodeProto()
            node.opType = "Cast"
            node.name = "cast_input_\(casts.count)"
            node.input = [name]
            node.output = [cast]
            node.attribute = [.int("to", Onnx_TensorProto.DataType.double.rawValue)]
            casts.append(node)
        }
        for n in graph.node.indices {
            graph.node[n].input = graph.node[n].input.map { renamed[$0] ?? $0 }
        }
        graph.node = casts + graph.node
    }

    /// The graph's inputs in order: a feature column each, but a date column (which ONNX cannot
    /// parse) as its derived numbers, named `DATE (year)` and so on (`DateStep`).
    /// The graph inputs of `model`'s export: its features, but raw columns instead of the derived
    /// columns the graph computes (`derivationPlan`).
    public static func onnxInputs(_ model: PipelineModel) -> [(name: String, number: Bool, date: String?)] {
        onnxInputs(derivationPlan(model).inputs)
    }

    static func onnxInputs(_ preprocessor: Preprocessor) -> [(name: String, number: Bool, date: String?)] {
        onnxInputs(preprocessor.features)
    }

    static func onnxInputs(_ features: [FeatureSpec]) -> [(name: String, number: Bool, date: String?)] {
        features.flatMap { feature -> [(name: String, number: Bool, date: String?)] in
            if let date = feature.date { return date.derived.map { ($0.name, true, feature.name) } }
            return [(feature.name, feature.kind == .number, nil)]
        }
    }

    /// The date columns the graph takes as derived numbers instead of text.
    static func dateInputs(_ preprocessor: Preprocessor) -> [ONNXExport.DateInput] {
        preprocessor.features.compactMap { feature in
            feature.date.map {
                ONNXExport.DateInput(
                    column: feature.name, format: $0.format.description, inputs: $0.derived.map(\.name))
            }
        }
    }

    /// The graph's raw result before the task's output head.
    enum Head {
        /// Class probabilities `[N, classes]` (double).
        case probabilities(String)
        /// Regression values `[N, 1]` (double).
        case values(String)
    }

    /// Emits the preprocessing and the fitted model; returns the value holding its result.
    private static func emitModel(_ model: PipelineModel, into graph: inout GraphBuilder) throws -> Head {
        let fitted = model.fitted.model
        let classCount = model.task == .classification ? model.target.classes.count : 1
        switch fitted {
        case let baseline as BaselineModel:
            return try emitBaseline(baseline, model: model, into: &graph)
        case let linear as LinearModel:
            let x = try emitPreprocessing(model.preprocessor, linearHead: true, into: &graph)
            return try emitLinear(linear, features: x, into: &graph)
        case let tree as DecisionTreeModel:
            let x = try emitPreprocessing(model.preprocessor, into: &graph)
            return try emitDecisionTree(tree, features: x, classCount: classCount, into: &graph)
        case let forest as RandomForestModel:
            let x = try emitPreprocessing(model.preprocessor, into: &graph)
            return try emitForest(forest, features: x, classCount: classCount, into: &graph)
        case let boost as GradientBoostingModel:
            let x = try emitPreprocessing(model.preprocessor, into: &graph)
            return try emitBoosting(boost, features: x, classCount: classCount, into: &graph)
        case let network as MultilayerPerceptronModel:
            let x = try emitPreprocessing(model.preprocessor, linearHead: true, into: &graph)
            return try emitNeuralNetwork(network, features: x, into: &graph)
        case let bayes as GaussianNaiveBayesModel:
            let x = try emitPreprocessing(model.preprocessor, into: &graph)
            return try emitNaiveBayes(bayes, features: x, into: &graph)
        case is KNearestNeighborsModel:
            throw ONNXExportError.unsupported(
                algorithm: model.algorithm,
                reason:
                    "a neighbour search over every stored training row has no standard ONNX operator, and TopK does not promise Workbench's tie order (earlier training row first)"
            )
        default:
            throw ONNXExportError.unsupported(
                algorithm: model.algorithm, reason: "no ONNX writer for this algorithm yet")
        }
    }

    /// Graph outputs for `head`: label + probabilities, or value.
    private static func emitOutputs(_ head: Head, model: PipelineModel, into graph: inout GraphBuilder) throws
        -> [Onnx_ValueInfoProto]
    {
        switch (head, model.task) {
        case (.probabilities(let p), .classification):
            let classes = model.target.classes
            graph.add("Identity", [p], outputs: [probabilitiesOutput])
            let code: String
            if let threshold = model.decisionThreshold, classes.count == 2 {
                // The model's decision threshold: class 1 when its probability reaches it.
                let column = graph.constant("positive_column", int64s: [1], shape: [])
                let positive = graph.add(
                    "Gather", [p, column], named: "positive_probability", attributes: [.int("axis", 1)])
                let cut = graph.constant("decision_threshold", doubles: [threshold], shape: [])
                let reached = graph.add("GreaterOrEqual", [positive, cut], named: "threshold_reached")
                code = graph.add("Cast", [reached], named: "class_code", attributes: [.int("to", 7)])  // 7: int64
            } else if let costs = model.decisionCosts, costs.count == classes.count {
                // The model's decision costs: the class with the lowest expected cost, P · C (ties: lowest code).
                let matrix = graph.constant(
                    "decision_costs", doubles: Array(costs.joined()), shape: [classes.count, classes.count])
                let expected = graph.add("MatMul", [p, matrix], named: "expected_costs")
                code = graph.add(
                    "ArgMin", [expected], named: "class_code",
                    attributes: [.int("axis", 1), .int("keepdims", 0), .int("select_last_index", 0)])
            } else {
                code = graph.add(
                    "ArgMax", [p], named: "class_code",
                    attributes: [.int("axis", 1), .int("keepdims", 0), .int("select_last_index", 0)])
            }
            graph.add(
                "LabelEncoder", [code], outputs: [labelOutput], domain: mlDomain,
                attributes: [
                    .ints("keys_int64s", Array(classes.indices)),
                    .strings("values_strings", classes),
                    .string("default_string", ""),
                ])
            return [
                .tensor(labelOutput, .string, shape: [nil]),
                .tensor(probabilitiesOutput, .double, shape: [nil, classes.count]),
            ]
        case (.values(let v), .regression):
            graph.add("Identity", [v], outputs: [valueOutput])
            return [.tensor(valueOutput, .double, shape: [nil, 1])]
        default:
            throw ONNXExportError.inconsistent(
                "the \(model.algorithm) model's output does not match its \(model.task.rawValue) task")
        }
    }

    private static func opset(_ domain: String, _ version: Int64) -> Onnx_OperatorSetIdProto {
        var o = Onnx_OperatorSetIdProto()
        o.domain = domain
        o.version = version
        return o
    }

    /// Facts about the pipeline for readers of the file; JSON arrays so names with commas survive.
    private static func metadata(_ model: PipelineModel) -> [Onnx_StringStringEntryProto] {
        func json(_ values: [String]) -> String {
            guard let data = try? JSONEncoder().encode(values) else { return "[]" }
            return String(decoding: data, as: UTF8.self)
        }
        var pairs: [(String, String)] = [
            ("workbench.algorithm", model.algorithm),
            ("workbench.task", model.task.rawValue),
            ("workbench.target", model.target.name),
            ("workbench.features", json(model.preprocessor.outputNames)),
        ]
        if model.task == .classification { pairs.append(("workbench.classes", json(model.target.classes))) }
        if let calibration = model.calibration { pairs.append(("workbench.calibration", calibration.method.rawValue)) }
        if let threshold = model.decisionThreshold { pairs.append(("workbench.decision_threshold", "\(threshold)")) }
        if let costs = model.decisionCosts, let data = try? JSONEncoder().encode(costs) {
            pairs.append(("workbench.decision_costs", String(decoding: data, as: UTF8.self)))
        }
        if let conformal = model.conformal {
            pairs.append(
                (
                    "workbench.conformal",
                    "alpha \(conformal.alpha), quantile \(conformal.quantile), \(conformal.calibrationRows) calibration rows; "
                        + (model.task == .classification
                            ? "set: class c when 1 - probability c <= quantile" : "lower, upper: value -/+ quantile")
                ))
        }
        let dates = dateInputs(model.preprocessor)
        if !dates.isEmpty, let data = try? ModelCoding.encoder().encode(dates) {
            pairs.append(("workbench.date_inputs", String(decoding: data, as: UTF8.self)))
        }
        return pairs.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
    }
}
