import Bundles
import Foundation
import Learning
import Tabular

/// A path segment with its percent escapes decoded (as written when it has none or a broken one).
/// Foundation's decoding only where there is a `%`: this runs on every request.
func percentDecoded<S: StringProtocol>(_ segment: S) -> String {
    segment.utf8.contains(UInt8(ascii: "%")) ? segment.removingPercentEncoding ?? String(segment) : String(segment)
}

/// A route of the Open Inference Protocol (KServe V2) over HTTP, as its specification names them
/// (kserve `docs/predict-api/v2/required_api.md`). A model's version is optional in every model
/// route; this server has one version of its one model, `OpenInferenceModel.version`.
enum OpenInferenceRoute: Equatable, Sendable {
    /// `GET /v2`
    case serverMetadata
    /// `GET /v2/health/live`
    case live
    /// `GET /v2/health/ready`
    case ready
    /// `GET /v2/models/NAME[/versions/V]`
    case modelMetadata(model: String, version: String?)
    /// `GET /v2/models/NAME[/versions/V]/ready`
    case modelReady(model: String, version: String?)
    /// `POST /v2/models/NAME[/versions/V]/infer`
    case infer(model: String, version: String?)
    /// Under /v2 but none of the above.
    case unknown

    /// The metrics label of each route: the model and version are left out, so request paths
    /// cannot blow up the label space.
    static let inferLabel = "/v2/models/{model}/infer"

    /// The route of `path` (without its query string), or nil when it is not under `/v2`.
    init?(path: String) {
        guard let route = Self.plainInfer(path) ?? Self.parsedBySegments(path) else { return nil }
        self = route
    }

    /// `/v2/models/NAME/infer` with a plain NAME (no `/`, no `%`), read without splitting the
    /// path: the route of every scoring request (splitting it cost 5% of a loaded server's CPU).
    /// Any other path is nil here and goes through `parsedBySegments`, which agrees on these.
    static func plainInfer(_ path: String) -> OpenInferenceRoute? {
        var path = path
        // Bytes compared in place: a native string's UTF-8 is contiguous (made so if bridged).
        return path.withUTF8 { bytes -> OpenInferenceRoute? in
            let prefix: StaticString = "/v2/models/", suffix: StaticString = "/infer"
            let p = prefix.utf8CodeUnitCount, s = suffix.utf8CodeUnitCount, n = bytes.count
            guard n > p + s, let base = bytes.baseAddress,
                memcmp(base, prefix.utf8Start, p) == 0, memcmp(base + n - s, suffix.utf8Start, s) == 0
            else { return nil }
            let name = UnsafeBufferPointer(rebasing: bytes[p..<(n - s)])
            guard !name.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "%") }) else { return nil }
            return .infer(model: String(decoding: name, as: UTF8.self), version: nil)
        }
    }

    /// The route of `path` read segment by segment, percent escapes decoded.
    static func parsedBySegments(_ path: String) -> OpenInferenceRoute? {
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        let route: OpenInferenceRoute
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).map(percentDecoded)
        switch parts.count {
        case 0: route = .serverMetadata
        case 1 where parts[0].isEmpty: route = .serverMetadata
        case 2 where parts[0] == "health" && parts[1] == "live": route = .live
        case 2 where parts[0] == "health" && parts[1] == "ready": route = .ready
        default:
            guard parts.count >= 2, parts[0] == "models", !parts[1].isEmpty else { return .unknown }
            let model = parts[1]
            var rest = parts.dropFirst(2)
            var version: String?
            if rest.first == "versions" {
                guard rest.count >= 2, let v = rest.dropFirst().first, !v.isEmpty else { return .unknown }
                version = v
                rest = rest.dropFirst(2)
            }
            // Compared element by element: array-literal patterns would allocate on every request.
            switch (rest.count, rest.first) {
            case (0, _): route = .modelMetadata(model: model, version: version)
            case (1, "ready"?): route = .modelReady(model: model, version: version)
            case (1, "infer"?): route = .infer(model: model, version: version)
            default: route = .unknown
            }
        }
        return route
    }

    /// The one method each route accepts.
    var method: String {
        if case .infer = self { return "POST" }
        return "GET"
    }

    /// The route as a metrics label.
    var label: String {
        switch self {
        case .serverMetadata: "/v2"
        case .live: "/v2/health/live"
        case .ready: "/v2/health/ready"
        case .modelMetadata: "/v2/models/{model}"
        case .modelReady: "/v2/models/{model}/ready"
        case .infer: Self.inferLabel
        case .unknown: "unknown"
        }
    }

    /// Health probes answer without the token, like /healthz and /readyz: orchestrators' probes
    /// carry none.
    var isOpen: Bool { self == .live || self == .ready }

    /// Every route, for the answer to an unknown path.
    static let described = [
        "GET /v2", "GET /v2/health/live", "GET /v2/health/ready", "GET /v2/models/{model}[/versions/{version}]",
        "GET /v2/models/{model}[/versions/{version}]/ready", "POST /v2/models/{model}[/versions/{version}]/infer",
    ]
}

/// A served model as the Open Inference Protocol sees it: its metadata (one tensor per input,
/// `[-1, 1]`), the decoding of an infer request's tensors into the rows `/v1/predict` scores, and
/// the response tensors.
struct OpenInferenceModel: Sendable {
    /// The only version served; the Triton layout `export … format=triton` writes uses the same.
    static let version = "1"
    /// Element types a numeric input takes (the metadata says FP64; the others are converted).
    static let numericTypes: Set<String> = [
        "FP64", "FP32", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64",
    ]
    static let integerTypes: Set<String> = ["INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"]
    /// Most problems listed in one error.
    static let maximumProblems = 20

    /// An output tensor: its name, element type and width (the shape is `[N, width]`).
    struct Output: Sendable, Equatable {
        var name: String
        var datatype: String
        var width: Int
    }

    let name: String
    let modelID: String
    let features: [FeatureSpec]
    let classes: [String]
    let outputs: [Output]
    let maximumRows: Int
    private let featureIndex: [String: Int]
    /// Each input's name as UTF-8, and whether it takes FP64 (else BYTES), for the fast path.
    let inputNames: [[UInt8]]
    let inputIsNumeric: [Bool]
    /// The fixed parts of every answer, written once: `{"model_name":…,"model_version":"1"`, the
    /// model id parameter, and each output's text up to its shape's row count and from there to
    /// its data (with the class names as a JSON array in one string: parameter values are scalars).
    private let responseHead: String
    private let modelIDParameter: String
    private let outputTexts: [String: (head: String, tail: String)]
    let metadataJSON: String

    init(name: String, modelID: String, pipeline: PipelineModel, maximumRows: Int) {
        self.name = name
        self.modelID = modelID
        features = pipeline.inputs
        classes = pipeline.target.classes
        self.maximumRows = maximumRows
        var index: [String: Int] = [:]
        for (i, f) in features.enumerated() { index[f.name] = i }
        featureIndex = index
        inputNames = features.map { Array($0.name.utf8) }
        inputIsNumeric = features.map { Self.datatype(of: $0) == "FP64" }
        outputs = Self.outputs(pipeline)
        let classesParameter = "[" + classes.map(JSONWriter.quoted).joined(separator: ",") + "]"
        responseHead = "{\"model_name\":" + JSONWriter.quoted(name) + ",\"model_version\":\"\(Self.version)\""
        modelIDParameter = ",\"parameters\":{\"model_id\":" + JSONWriter.quoted(modelID)
        var texts: [String: (head: String, tail: String)] = [:]
        for output in outputs {
            let head =
                "{\"name\":" + JSONWriter.quoted(output.name) + ",\"datatype\":\"\(output.datatype)\",\"shape\":["
            var tail = ",\(output.width)]"
            if output.name == ONNXExporter.probabilitiesOutput || output.name == ONNXExporter.setOutput {
                tail += ",\"parameters\":{\"classes\":" + JSONWriter.quoted(classesParameter) + "}"
            }
            texts[output.name] = (head, tail + ",\"data\":[")
        }
        outputTexts = texts
        var w = JSONWriter()
        w.raw("{\"name\":")
        w.string(name)
        w.raw(",\"versions\":[\"\(Self.version)\"],\"platform\":\"workbench_bundle\",\"inputs\":[")
        for (i, f) in features.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"name\":")
            w.string(f.name)
            w.raw(",\"datatype\":\"\(Self.datatype(of: f))\",\"shape\":[-1,1]}")
        }
        w.raw("],\"outputs\":[")
        for (i, o) in outputs.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"name\":")
            w.string(o.name)
            w.raw(",\"datatype\":\"\(o.datatype)\",\"shape\":[-1,\(o.width)]}")
        }
        w.raw("]}")
        metadataJSON = w.text
    }

    /// The tensor element type of an input: BYTES for text (dates too, as their text), FP64 for numbers.
    static func datatype(of feature: FeatureSpec) -> String {
        feature.kind == .number && feature.date == nil ? "FP64" : "BYTES"
    }

    /// label `[N, 1]` and probabilities `[N, classes]` (in the order of the metadata's classes), or
    /// value `[N, 1]`; then each row's input warnings as a JSON array in a string, `[N, 1]`.
    /// A conformal model adds, as its ONNX graph does, set `[N, classes]` (BOOL: the class is in
    /// the row's set) or lower and upper `[N, 1]`.
    static func outputs(_ pipeline: PipelineModel) -> [Output] {
        let head = ONNXExporter.outputs(pipeline).map { output in
            let datatype =
                switch output.element {
                case .text: "BYTES"
                case .number: "FP64"
                case .flag: "BOOL"
                }
            return Output(name: output.name, datatype: datatype, width: output.width)
        }
        return head + [Output(name: warningsOutput, datatype: "BYTES", width: 1)]
    }

    static let warningsOutput = "warnings"

    /// Whether the route's model and version name this model; the 404 otherwise.
    func check(model: String, version: String?) -> APIError? {
        guard model == name else {
            return APIError(
                404, "no model '\(model)' on this server", details: ["it serves '\(name)' (GET /v2/models/\(name))"])
        }
        if let version, version != Self.version {
            return APIError(
                404, "model '\(name)' has no version '\(version)'", details: ["its only version is \(Self.version)"])
        }
        return nil
    }

    // MARK: the infer request

    /// An infer request, decoded and checked: its rows in feature order and what to answer.
    struct Request: Sendable, Equatable {
        var id: String?
        var rows: [[JSONScalar]]
        /// Requested outputs, in the order asked; all of them when the request names none.
        var outputs: [Output]
    }

    /// Decodes an infer request body. Every problem is a 400 naming the tensor and what to send
    /// (413 past the row limit); nothing here can trap, whatever the body holds.
    func request(_ body: Data) throws(APIError) -> Request {
        if let request = fastRequest(body) { return request }
        return try fullRequest(body)
    }

    /// The index of the input called `name`, if any.
    func inputIndex(_ name: String) -> Int? { featureIndex[name] }

    /// Decodes any infer request body, with every problem reported (see `request`).
    func fullRequest(_ body: Data) throws(APIError) -> Request {
        let value: JSONValue
        do {
            // Every array is bounded: a tensor's data by the row limit, `inputs` by the inputs.
            value = try JSONParser.parse(
                body, maximumArrayItems: max(maximumRows, features.count + 16), acceptsNaN: true)
        } catch {
            if error.overLimit { throw APIError.tooManyRows(maximumRows) }
            var details = [error.description]
            if error.message == "unexpected text after the JSON value" {
                details.append(
                    "binary tensor data (Triton's binary_data extension) is not supported: send the tensors as JSON (tritonclient: set_data_from_numpy(array, binary_data=False))"
                )
            }
            throw APIError.malformedJSON(error.description).with(details: details)
        }
        guard case .object(let object) = value else {
            throw APIError(
                400, "the body must be an inference request object {\"inputs\": [...]}, found \(value.typeName)")
        }
        var problems = RequestRows.Details()
        for key in object.keys.sorted() where !["id", "parameters", "inputs", "outputs"].contains(key) {
            problems.append("\(key): unknown field (an inference request has id, parameters, inputs and outputs)")
        }
        var id: String?
        switch object["id"] {
        case nil: break
        case .string(let s)?: id = s
        case let other?: problems.append("id: expected a string, found \(other.typeName)")
        }
        if let parameters = object["parameters"] { Self.checkParameters(parameters, at: "parameters", into: &problems) }
        let requested = requestedOutputs(object["outputs"], problems: &problems)
        var overLimit = false
        let rows = rows(object["inputs"], problems: &problems, overLimit: &overLimit)
        // More rows than --max-rows is /v1's 413, whatever else is wrong.
        if overLimit { throw APIError.tooManyRows(maximumRows) }
        guard problems.isEmpty, let rows else {
            throw APIError(400, "the inference request does not match model '\(name)'", details: problems.shown)
        }
        return Request(id: id, rows: rows, outputs: requested)
    }

    /// `parameters` must be an object of strings, numbers and booleans. None changes the answer;
    /// Triton's `binary_data_output` is accepted and answered with JSON tensors, which its clients read.
    private static func checkParameters(_ value: JSONValue, at path: String, into problems: inout RequestRows.Details) {
        guard case .object(let parameters) = value else {
            problems.append("\(path): expected an object of parameters, found \(value.typeName)")
            return
        }
        for key in parameters.keys.sorted() {
            switch parameters[key] {
            case .string?, .number?, .bool?: continue
            case let other?:
                problems.append(
                    "\(path).\(key): a parameter is a string, a number or a boolean, found \(other.typeName)")
            case nil: continue
            }
        }
        if case .number? = parameters["binary_data_size"] {
            problems.append(
                "\(path).binary_data_size: binary tensor data (Triton's binary_data extension) is not supported: send the data as JSON (tritonclient: binary_data=False)"
            )
        }
        if parameters["shared_memory_region"] != nil {
            problems.append(
                "\(path).shared_memory_region: shared memory is not supported: send the data in the request")
        }
        if parameters["classification"] != nil {
            problems.append(
                "\(path).classification: the classification extension is not supported: ask for the probabilities output"
            )
        }
    }

    private func requestedOutputs(_ value: JSONValue?, problems: inout RequestRows.Details) -> [Output] {
        guard let value else { return outputs }
        guard case .array(let items) = value else {
            problems.append("outputs: expected an array of {\"name\": ...}, found \(value.typeName)")
            return outputs
        }
        var chosen: [Output] = []
        for (i, item) in items.enumerated() {
            guard case .object(let output) = item else {
                problems.append("outputs[\(i)]: expected an object {\"name\": ...}, found \(item.typeName)")
                continue
            }
            for key in output.keys.sorted() where key != "name" && key != "parameters" {
                problems.append("outputs[\(i)].\(key): unknown field (a requested output has name and parameters)")
            }
            if let parameters = output["parameters"] {
                Self.checkParameters(parameters, at: "outputs[\(i)].parameters", into: &problems)
            }
            guard case .string(let name)? = output["name"] else {
                problems.append(
                    "outputs[\(i)].name: expected the output's name, found \(output["name"]?.typeName ?? "nothing")")
                continue
            }
            guard let match = outputs.first(where: { $0.name == name }) else {
                problems.append(
                    "outputs[\(i)]: model '\(self.name)' has no output '\(name)'; its outputs: \(outputs.map(\.name).joined(separator: ", "))"
                )
                continue
            }
            guard !chosen.contains(match) else {
                problems.append("outputs[\(i)]: '\(name)' is requested twice")
                continue
            }
            chosen.append(match)
        }
        if items.isEmpty { return outputs }
        return chosen
    }

    /// The rows of the request's input tensors, in feature order; nil when something is wrong
    /// (said in `problems`).
    private func rows(_ value: JSONValue?, problems: inout RequestRows.Details, overLimit: inout Bool)
        -> [[JSONScalar]]?
    {
        guard case .array(let items)? = value, !items.isEmpty else {
            problems.append(
                "inputs: expected a non-empty array of tensors, one per model input, found \(value.map(Self.describe) ?? "nothing")"
            )
            return nil
        }
        var columns = [[JSONScalar]?](repeating: nil, count: features.count)
        /// Inputs a tensor was sent for, valid or not (an invalid one is not also "missing").
        var sent = Set<Int>()
        /// The batch size and the input that set it, to name both when another disagrees.
        var batch: (rows: Int, input: String)?
        for (i, item) in items.enumerated() {
            let at = "inputs[\(i)]"
            guard case .object(let tensor) = item else {
                problems.append(
                    "\(at): expected a tensor object {\"name\", \"shape\", \"datatype\", \"data\"}, found \(item.typeName)"
                )
                continue
            }
            guard case .string(let name)? = tensor["name"] else {
                problems.append("\(at).name: expected the input's name, found \(tensor["name"]?.typeName ?? "nothing")")
                continue
            }
            let here = "\(at) '\(name)'"
            for key in tensor.keys.sorted() where !["name", "shape", "datatype", "parameters", "data"].contains(key) {
                problems.append(
                    "\(here).\(key): unknown field (a tensor has name, shape, datatype, parameters and data)")
            }
            guard let f = featureIndex[name] else {
                problems.append(
                    "\(here): model '\(self.name)' has no input '\(name)'; its inputs: \(features.map(\.name).joined(separator: ", "))"
                )
                continue
            }
            guard sent.insert(f).inserted else {
                problems.append("\(here): input '\(name)' is sent twice")
                continue
            }
            if let parameters = tensor["parameters"] {
                Self.checkParameters(parameters, at: "\(here).parameters", into: &problems)
            }
            guard
                let column = column(tensor, feature: features[f], at: here, problems: &problems, overLimit: &overLimit)
            else { continue }
            if let batch, batch.rows != column.count {
                problems.append(
                    "\(here): \(column.count) rows, but '\(batch.input)' has \(batch.rows): every input tensor holds the same rows"
                )
                continue
            }
            if batch == nil { batch = (column.count, name) }
            columns[f] = column
        }
        for f in features.indices where !sent.contains(f) {
            problems.append(
                "inputs: no tensor for input '\(features[f].name)' (\(Self.datatype(of: features[f])), shape [N, 1]; send \(features[f].kind == .number ? "NaN or null" : "\"\" or null") for a missing value)"
            )
        }
        guard problems.isEmpty, let rowCount = batch?.rows else { return nil }
        var rows: [[JSONScalar]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            rows.append(columns.map { $0?[r] ?? .null })
        }
        return rows
    }

    /// One input tensor's values: shape `[N, 1]` (or `[N]`), the datatype of its feature, N values.
    private func column(
        _ tensor: [String: JSONValue], feature: FeatureSpec, at here: String, problems: inout RequestRows.Details,
        overLimit: inout Bool
    ) -> [JSONScalar]? {
        let expected = Self.datatype(of: feature)
        guard case .string(let datatype)? = tensor["datatype"] else {
            problems.append(
                "\(here).datatype: expected a datatype string (\(expected)), found \(tensor["datatype"]?.typeName ?? "nothing")"
            )
            return nil
        }
        let numeric = expected == "FP64"
        guard numeric ? Self.numericTypes.contains(datatype) : datatype == "BYTES" else {
            problems.append(
                "\(here): datatype \(datatype), but '\(feature.name)' takes \(numeric ? "numbers: send FP64 (FP32 and integer types are converted)" : "text: send BYTES (UTF-8 strings)")"
            )
            return nil
        }
        guard case .array(let shapeItems)? = tensor["shape"] else {
            problems.append("\(here).shape: expected [N, 1], found \(tensor["shape"]?.typeName ?? "nothing")")
            return nil
        }
        var shape: [Int] = []
        for item in shapeItems {
            guard case .number(let d) = item, d.isFinite, d >= 0, d == d.rounded(), d < 9e15 else {
                problems.append(
                    "\(here).shape: dimensions are non-negative integers, found \(item.typeName == "a number" ? "a number that is not one" : item.typeName)"
                )
                return nil
            }
            shape.append(Int(d))
        }
        guard shape.count == 2 && shape[1] == 1 || shape.count == 1 else {
            problems.append("\(here).shape: \(shape), but each input is one value per row: [N, 1] (or [N]) for N rows")
            return nil
        }
        let rowCount = shape[0]
        guard rowCount >= 1 else {
            problems.append("\(here).shape: \(shape) holds no rows; send at least one")
            return nil
        }
        guard rowCount <= maximumRows else {
            overLimit = true
            return nil
        }
        guard let data = tensor["data"] else {
            problems.append("\(here).data: missing (the tensor's values, row-major)")
            return nil
        }
        var flat: [JSONValue] = []
        guard Self.flatten(data, into: &flat, limit: rowCount) else {
            problems.append("\(here).data: more values than shape \(shape) holds (\(rowCount))")
            return nil
        }
        guard flat.count == rowCount else {
            problems.append(
                "\(here).data: \(flat.count) value\(flat.count == 1 ? "" : "s"), but shape \(shape) holds \(rowCount)")
            return nil
        }
        var values: [JSONScalar] = []
        values.reserveCapacity(rowCount)
        let integral = Self.integerTypes.contains(datatype)
        for (r, v) in flat.enumerated() {
            switch (numeric, v) {
            case (_, .null): values.append(.null)
            case (true, .number(let d)) where d.isNaN: values.append(.null)
            case (true, .number(let d)):
                if let problem = JSONScalar.numberProblem(d) {
                    problems.append("\(here).data[\(r)]: \(problem)")
                } else if integral && d != d.rounded() {
                    problems.append(
                        "\(here).data[\(r)]: \(JSONWriter.number(d)) is not an integer, as \(datatype) requires (send FP64)"
                    )
                }
                values.append(.number(d))
            // "" is a missing text, as in the bundle's model.onnx (a string tensor has no null).
            case (false, .string(let s)): values.append(s.isEmpty ? .null : .text(s))
            case (true, _):
                problems.append("\(here).data[\(r)]: expected a number (or NaN, null for missing), found \(v.typeName)")
            case (false, _):
                problems.append(
                    "\(here).data[\(r)]: expected a string (or \"\", null for missing), found \(v.typeName)")
            }
        }
        return values
    }

    /// Row-major values of `data`, flat or nested (`[1, 2]` or `[[1], [2]]`); false past `limit`.
    private static func flatten(_ data: JSONValue, into flat: inout [JSONValue], limit: Int) -> Bool {
        guard case .array(let items) = data else {
            flat.append(data)
            return flat.count <= limit
        }
        for item in items {
            guard flatten(item, into: &flat, limit: limit) else { return false }
        }
        return true
    }

    private static func describe(_ value: JSONValue) -> String {
        if case .array(let a) = value, a.isEmpty { return "an empty array" }
        return value.typeName
    }

    // MARK: the response

    /// `{"model_name", "model_version", "id", "parameters": {"model_id", "first_prediction_id"}, "outputs": [...]}`.
    /// The rows' prediction ids are consecutive from `first_prediction_id` (row r has that + r),
    /// the ids `POST /v1/feedback` takes: the protocol has no field per row for them, and its
    /// parameters hold scalars.
    func responseBody(_ rows: [ScoredRow], request: Request) -> String {
        var w = JSONWriter()
        w.raw(responseHead)
        if let id = request.id {
            w.raw(",\"id\":")
            w.string(id)
        }
        w.raw(modelIDParameter)
        if let first = rows.first?.id { w.raw(",\"first_prediction_id\":" + String(first)) }
        w.raw("},\"outputs\":[")
        let rowCount = String(rows.count)
        for (k, output) in request.outputs.enumerated() {
            if k > 0 { w.raw(",") }
            // Every requested output is one of the model's (the request was checked against them).
            let text =
                outputTexts[output.name] ?? (
                    "{\"name\":" + JSONWriter.quoted(output.name) + ",\"shape\":[", ",\(output.width)],\"data\":["
                )
            w.raw(text.head)
            w.raw(rowCount)
            w.raw(text.tail)
            for (r, row) in rows.enumerated() {
                if r > 0 { w.raw(",") }
                switch output.name {
                case ONNXExporter.labelOutput: w.string(row.label ?? "")
                case ONNXExporter.probabilitiesOutput:
                    for (c, p) in (row.probabilities ?? []).enumerated() {
                        if c > 0 { w.raw(",") }
                        w.number(p)
                    }
                case ONNXExporter.valueOutput: w.number(row.value ?? 0)
                case ONNXExporter.setOutput:
                    let members = Set(row.set ?? [])
                    w.raw(classes.map { members.contains($0) ? "true" : "false" }.joined(separator: ","))
                case ONNXExporter.lowerOutput: w.number(row.interval?.first ?? 0)
                case ONNXExporter.upperOutput: w.number(row.interval?.last ?? 0)
                default:
                    row.warnings.isEmpty
                        ? w.raw("\"[]\"")
                        : w.string("[" + row.warnings.map(JSONWriter.quoted).joined(separator: ",") + "]")
                }
            }
            w.raw("]}")
        }
        w.raw("]}")
        return w.text
    }

    /// `{"name", "version", "extensions"}`: no protocol extension is implemented.
    static func serverMetadata(version: String) -> String {
        "{\"name\":\"workbench\",\"version\":\(JSONWriter.quoted(version)),\"extensions\":[]}"
    }
}

extension APIError {
    /// The Open Inference Protocol's error body, `{"error": "..."}`: the message and its details in
    /// one string (the protocol has no other field).
    var openInferenceResponse: APIResponse {
        let text = details.isEmpty ? message : message + ": " + details.joined(separator: "; ")
        return APIResponse(status: status, body: "{\"error\":" + JSONWriter.quoted(text) + "}", headers: headers)
    }

    func with(details: [String]) -> APIError {
        var e = self
        e.details = details
        return e
    }
}
