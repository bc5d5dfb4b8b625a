import Bundles
import Dispatch
import Foundation
import Learning
import Serving
import Tabular

/// The server's request decoding on arbitrary bytes: everything `workbench serve` does with a
/// request after HTTP framing (routing, the token check, JSON parsing, field validation, scoring,
/// metrics, monitoring, the error bodies). The first byte picks the route, method, whether the
/// token is sent and the Content-Type (bits 3–4: JSON, JSON with a charset, text/plain, none); the
/// rest is the body (or, for bit 7, a first line that is the path).
/// Checks: the status is one the API documents (never 5xx); every error body is JSON with an
/// `error` string (and, outside the Open Inference Protocol's `/v2`, a `details` list); a 200
/// from /v1/predict is JSON with as many predictions as the request had rows. The served model
/// keeps a prediction log, so `/v1/feedback` looks ids up and stores outcomes for real.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let selector = input[0]
    var rest = Data(input[1...])
    let routes = [
        "/v1/predict", "/v1/predict", "/v1/feedback", "/v2/models/fuzz/infer", "/v1/model", "/v1/drift", "/metrics",
        "/v1/admin/promote",
    ]
    var path = routes[Int(selector & 0x7)]
    if selector & 0x80 != 0, let newline = rest.firstIndex(of: 10) {
        path = String(decoding: rest[rest.startIndex..<newline], as: UTF8.self)
        rest = Data(rest[(newline + 1)...])
    }
    let posted: Set<String> = ["/v1/predict", "/v1/feedback", "/v2/models/fuzz/infer", "/v1/admin/promote"]
    let method = selector & 0x40 != 0 ? "GET" : (posted.contains(path) ? "POST" : "GET")
    let authorization: String? = selector & 0x20 != 0 ? nil : "Bearer fuzz-token"
    let contentTypes: [String?] = ["application/json", "Application/JSON; charset=utf-8", "text/plain", nil]
    let contentType = contentTypes[Int(selector >> 3 & 0x3)]
    let body = rest
    let answer = Workspace.shared.handle(
        method: method, path: path, authorization: authorization, contentType: contentType,
        body: body)

    // 409: an outcome that contradicts the one stored, or a promotion without a challenger.
    let documented: Set<Int> = [200, 400, 401, 404, 405, 408, 409, 413, 415, 422]
    precondition(documented.contains(answer.status), "status \(answer.status) for \(method) \(path): \(answer.body)")
    if answer.status != 200 {
        let json = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        let openInference = path.hasPrefix("/v2")
        precondition(
            json?["error"] is String && (openInference || json?["details"] is [Any]),
            "error body is not {error, details}: \(answer.body)")
    } else if path == "/v1/predict" {
        let json = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        let predictions = json?["predictions"] as? [Any]
        precondition(predictions != nil, "a 200 from /v1/predict without predictions: \(answer.body)")
        if let request = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let rows = request["rows"] as? [Any]
        {
            precondition(predictions?.count == rows.count, "\(rows.count) rows, \(predictions?.count ?? 0) predictions")
        }
    }
    return 0
}

/// A served bundle, made once per process: a small linear model with a numeric and a categorical
/// input, a token, and a body limit of 64 KiB so the limit is reachable.
final class Workspace: Sendable {
    static let shared = Workspace()
    let service: ModelService

    private init() {
        let root = NSTemporaryDirectory() + "workbench-fuzz-http-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let frame = try DataFrame(columns: [
                Column(name: "x", data: .numeric([1, 2, 3, 4, 5, 6, .nan, 8])),
                Column(name: "color", data: .categorical(codes: [0, 1, 0, 1, -1, 1, 0, 1], levels: ["red", "blue"])),
                Column(name: "label", data: .categorical(codes: [0, 0, 0, 1, 1, 1, 0, 1], levels: ["no", "yes"])),
            ])
            let pipeline = try PipelineModel.train(
                algorithm: Linear.self, parameters: [:], frame: frame, target: "label",
                features: ["x", "color"], context: FitContext(seed: 1))
            // reference.json as `export` writes it, so monitoring runs on what the fuzzer sends.
            struct Reference: Codable {
                var rows: Int
                var inputs: ReferenceProfile
                var predictions: ReferenceProfile
            }
            let predicted = try pipeline.predict(frame)
            let reference = try ModelCoding.encoder().encode(
                Reference(
                    rows: frame.rowCount,
                    inputs: try ReferenceProfile(
                        frame: frame, columns: pipeline.preprocessor.inputNames, seed: pipeline.seed),
                    predictions: ReferenceProfile(
                        column: DriftDetector.predictionColumn(
                            predicted.prediction, classes: pipeline.target.classes, decision: pipeline.decision),
                        seed: pipeline.seed)))
            let contents = BundleContents(
                producer: "workbench fuzz", name: "fuzz", pipeline: pipeline,
                trainingData: .init(name: "sample", fingerprint: "sha256:00", rows: frame.rowCount, columns: 2),
                metrics: [:], validationVerdict: nil, card: "# card\n", reference: reference, onnx: nil,
                onnxInfo: .init(present: false, reason: "fuzz", float32Notes: []), sampleFrame: frame,
                sensitiveColumns: [])
            _ = try BundleWriter.write(contents, to: root + "/bundle", overwrite: true)
            let bundle = try BundleReader.open(root + "/bundle")
            service = try ModelService(
                bundle: bundle, token: "fuzz-token", maximumBodyBytes: 64 << 10, logPath: root + "/log.sqlite",
                redact: [],
                alertCommand: nil, monitorOptions: MonitorOptions())
        } catch {
            preconditionFailure("cannot prepare the fuzz server: \(error)")
        }
    }

    /// Runs the async handler to completion from libFuzzer's synchronous callback.
    func handle(method: String, path: String, authorization: String?, contentType: String?, body: Data) -> APIResponse {
        let done = DispatchSemaphore(value: 0)
        let box = AnswerBox()
        let service = self.service
        let limit = service.maximumBodyBytes
        _Concurrency.Task {
            let answer = await service.handle(
                method: method, path: path, authorization: authorization,
                contentType: contentType
            ) {
                body.count > limit ? .tooLarge : .bytes(body)
            }
            box.set(answer)
            done.signal()
        }
        done.wait()
        return box.get()
    }
}

final class AnswerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var answer = APIResponse(status: 0, contentType: "", body: "")
    func set(_ a: APIResponse) {
        lock.lock()
        answer = a
        lock.unlock()
    }
    func get() -> APIResponse {
        lock.lock()
        defer { lock.unlock() }
        return answer
    }
}
