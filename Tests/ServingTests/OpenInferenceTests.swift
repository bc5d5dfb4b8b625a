import Foundation
import Serving
import Testing
import TestSupport
import Bundles
// Scoped: the module's `Task` would hide Swift's in these tests.
import struct Learning.PipelineModel
import Workbench

/// The Open Inference Protocol (KServe V2) beside /v1: every route over real loopback HTTP, the
/// same answers as /v1/predict, the same token, limits, metrics, log and monitoring, and every
/// malformed tensor a 4xx with the protocol's `{"error": "..."}` body, never a 5xx.
@Suite("Open Inference Protocol (/v2)", .serialized)
struct OpenInferenceTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let bundle: Result<String, any Error> = Result { try exportPenguins(to: folder) }

    /// The penguins model's inputs as v2 tensors of `rows` (JSON row objects as penguinRows gives).
    static func tensors(_ rows: [[String: Any]]) -> [[String: Any]] {
        let numbers = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
        let texts = ["island", "sex"]
        return texts.map { name in
            [
                "name": name, "datatype": "BYTES", "shape": [rows.count, 1],
                "data": rows.map { $0[name] as? String ?? "" },
            ]
        }
            + numbers.map { name in
                [
                    "name": name, "datatype": "FP64", "shape": [rows.count, 1],
                    "data": rows.map { $0[name] ?? NSNull() },
                ]
            }
    }

    static func body(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func freshRows(_ count: Int) throws -> [[String: Any]] {
        try penguinRows("penguins_fresh.csv").prefix(count).map { row in
            try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
        }
    }

    @Test func healthAndMetadata() async throws {
        let server = try await startServer(try Self.bundle.get())
        defer { Task { await server.shutdown() } }
        let name = server.service.bundle.manifest.name
        for path in [
            "/v2/health/live", "/v2/health/ready", "/v2/models/\(name)/ready", "/v2/models/\(name)/versions/1/ready",
        ] {
            let answer = try await HTTP.get(path, port: server.port)
            #expect(answer.status == 200, "\(path): \(answer.body)")
            #expect(answer.body.isEmpty, "\(path)")
        }
        let serverMetadata = try await HTTP.get("/v2", port: server.port)
        #expect(serverMetadata.status == 200)
        #expect(serverMetadata.json["name"] as? String == "workbench")
        #expect(serverMetadata.json["version"] is String)
        #expect((serverMetadata.json["extensions"] as? [String]) == [])

        for path in ["/v2/models/\(name)", "/v2/models/\(name)/versions/1"] {
            let metadata = try await HTTP.get(path, port: server.port)
            #expect(metadata.status == 200, "\(metadata.body)")
            #expect(metadata.json["name"] as? String == name)
            #expect(metadata.json["versions"] as? [String] == ["1"])
            let inputs = try #require(metadata.json["inputs"] as? [[String: Any]])
            #expect(
                inputs.map { $0["name"] as? String } == [
                    "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year",
                ])
            #expect(
                inputs.map { $0["datatype"] as? String } == ["BYTES", "FP64", "FP64", "FP64", "FP64", "BYTES", "FP64"])
            #expect(inputs.allSatisfy { ($0["shape"] as? [Int]) == [-1, 1] })
            let outputs = try #require(metadata.json["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == ["label", "probabilities", "warnings"])
            #expect(outputs.map { $0["datatype"] as? String } == ["BYTES", "FP64", "BYTES"])
            #expect(outputs.map { $0["shape"] as? [Int] } == [[-1, 1], [-1, 3], [-1, 1]])
        }
        // Another model or version: 404 with the protocol's error body.
        for path in [
            "/v2/models/other", "/v2/models/other/ready", "/v2/models/\(name)/versions/2",
            "/v2/models/\(name)/versions/2/ready", "/v2/nothing",
        ] {
            let answer = try await HTTP.get(path, port: server.port)
            #expect(answer.status == 404, "\(path)")
            #expect(answer.json["error"] is String, "\(path): \(answer.body)")
            #expect(answer.json.count == 1, "\(path): \(answer.body)")
        }
        let wrongMethod = try await HTTP.request(
            "POST", port: server.port, path: "/v2/health/live", body: "{}",
            headers: ["Content-Type": "application/json"])
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "GET")
        #expect(wrongMethod.json["error"] is String)
        await server.shutdown()
    }

    /// A batch of fresh rows answers with the labels and probabilities /v1/predict gives them,
    /// with the request's id, the model id, and only the outputs asked for.
    @Test func inferMatchesV1Predict() async throws {
        let server = try await startServer(try Self.bundle.get())
        defer { Task { await server.shutdown() } }
        let name = server.service.bundle.manifest.name
        let rows = try Self.freshRows(12)
        let v1 = try await HTTP.post(
            "/v1/predict", port: server.port,
            body: "{\"rows\": [\(try penguinRows("penguins_fresh.csv").prefix(12).joined(separator: ","))]}")
        #expect(v1.status == 200, "\(v1.body)")
        let predictions = try #require(v1.json["predictions"] as? [[String: Any]])

        let request = try Self.body(["id": "batch-7", "inputs": Self.tensors(rows)])
        for path in ["/v2/models/\(name)/infer", "/v2/models/\(name)/versions/1/infer"] {
            // No Content-Type: tritonclient sends none.
            let v2 = try await HTTP.request("POST", port: server.port, path: path, body: request)
            #expect(v2.status == 200, "\(v2.body)")
            #expect(v2.json["model_name"] as? String == name)
            #expect(v2.json["model_version"] as? String == "1")
            #expect(v2.json["id"] as? String == "batch-7")
            #expect(
                (v2.json["parameters"] as? [String: Any])?["model_id"] as? String
                    == server.service.bundle.manifest.modelID)
            let outputs = try #require(v2.json["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == ["label", "probabilities", "warnings"])
            let labels = try #require(outputs[0]["data"] as? [String])
            #expect(outputs[0]["shape"] as? [Int] == [12, 1])
            #expect(labels == predictions.map { $0["label"] as? String ?? "?" })
            let probabilities = try #require(outputs[1]["data"] as? [Double])
            #expect(outputs[1]["shape"] as? [Int] == [12, 3])
            let classes = try #require((outputs[1]["parameters"] as? [String: Any])?["classes"] as? String)
            let classNames = try #require(try JSONSerialization.jsonObject(with: Data(classes.utf8)) as? [String])
            #expect(classNames == ["Adelie", "Chinstrap", "Gentoo"])
            for (r, prediction) in predictions.enumerated() {
                let expected = try #require(prediction["probabilities"] as? [String: Double])
                for (c, className) in classNames.enumerated() {
                    // The same number, written the same way: exactly equal.
                    #expect(probabilities[r * 3 + c] == expected[className], "row \(r) \(className)")
                }
            }
            // Each row's warnings, as /v1 gives them, in a JSON array.
            let warnings = try #require(outputs[2]["data"] as? [String])
            for (text, prediction) in zip(warnings, predictions) {
                #expect(
                    try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] == prediction["warnings"]
                        as? [String])
            }
        }

        // Requested outputs: only those, in the order asked; nested data [[v], ...] is the same tensor.
        var nested = Self.tensors(Array(rows.prefix(2)))
        for i in nested.indices { nested[i]["data"] = (nested[i]["data"] as? [Any] ?? []).map { [$0] } }
        let some = try await HTTP.post(
            "/v2/models/\(name)/infer", port: server.port,
            body: try Self.body([
                "inputs": nested,
                "outputs": [["name": "probabilities", "parameters": ["binary_data": false]], ["name": "label"]],
                "parameters": ["binary_data_output": true, "note": "x"],
            ]))
        #expect(some.status == 200, "\(some.body)")
        let chosen = try #require(some.json["outputs"] as? [[String: Any]])
        #expect(chosen.map { $0["name"] as? String } == ["probabilities", "label"])
        #expect(some.json["id"] == nil)
        #expect((chosen[1]["data"] as? [String]) == Array(predictions.prefix(2).map { $0["label"] as? String ?? "?" }))
        await server.shutdown()
    }

    /// Missing values as the protocol's clients send them: NaN (Python's json writes it for a
    /// missing float) or null for numbers, "" or null for text — read as /v1's null.
    @Test func anAnswerCarriesItsRowsPredictionIdsForFeedback() async throws {
        let log = try temporaryFolder() + "/v2-ids.sqlite"
        let server = try await startServer(try Self.bundle.get()) { $0.logPath = log }
        defer { Task { await server.shutdown() } }
        let name = server.service.bundle.manifest.name
        _ = try await HTTP.post(
            "/v1/predict", port: server.port,
            body: "{\"rows\": [\(try penguinRows("penguins_fresh.csv").prefix(2).joined(separator: ","))]}")
        let v2 = try await HTTP.post(
            "/v2/models/\(name)/infer", port: server.port,
            body: try Self.body(["inputs": Self.tensors(try Self.freshRows(3))]))
        #expect(v2.status == 200, "\(v2.body)")
        // Two rows went before: this answer's rows are 3, 4 and 5.
        let first = try #require(
            ((v2.json["parameters"] as? [String: Any])?["first_prediction_id"] as? NSNumber)?.int64Value)
        #expect(first == 3)
        let labels = try #require((v2.json["outputs"] as? [[String: Any]])?.first?["data"] as? [String])
        let feedback = try await HTTP.post(
            "/v1/feedback", port: server.port,
            body: "{\"outcomes\": [{\"id\": \(first + 2), \"label\": \"\(labels[2])\"}]}")
        #expect(feedback.status == 200, "\(feedback.body)")
        #expect(feedback.json["recorded"] as? Int == 1, "\(feedback.body)")
        let unknown = try await HTTP.post(
            "/v1/feedback", port: server.port, body: "{\"id\": \(first + 3), \"label\": \"Adelie\"}")
        #expect(unknown.status == 422, "\(unknown.body)")
    }

    @Test func missingValuesAndWarnings() async throws {
        let server = try await startServer(try Self.bundle.get())
        defer { Task { await server.shutdown() } }
        let name = server.service.bundle.manifest.name
        let v1Body =
            #"{"rows": [{"island": null, "bill_length_mm": null, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "body_mass_g": 3750, "sex": null, "year": 2007}, {"island": "Atlantis", "bill_length_mm": 99.5, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "body_mass_g": 3750, "sex": "male", "year": 2007}]}"#
        let v1 = try await HTTP.post("/v1/predict", port: server.port, body: v1Body)
        let predictions = try #require(v1.json["predictions"] as? [[String: Any]])
        let v2Body = """
            {"inputs": [
              {"name": "island", "datatype": "BYTES", "shape": [2, 1], "data": ["", "Atlantis"]},
              {"name": "bill_length_mm", "datatype": "FP64", "shape": [2, 1], "data": [NaN, 99.5]},
              {"name": "bill_depth_mm", "datatype": "FP32", "shape": [2], "data": [18.7, 18.7]},
              {"name": "flipper_length_mm", "datatype": "INT64", "shape": [2, 1], "data": [181, 181]},
              {"name": "body_mass_g", "datatype": "FP64", "shape": [2, 1], "data": [3750, 3750]},
              {"name": "sex", "datatype": "BYTES", "shape": [2, 1], "data": [null, "male"]},
              {"name": "year", "datatype": "INT32", "shape": [2, 1], "data": [2007, 2007]}]}
            """
        let v2 = try await HTTP.post("/v2/models/\(name)/infer", port: server.port, body: v2Body)
        #expect(v2.status == 200, "\(v2.body)")
        let outputs = try #require(v2.json["outputs"] as? [[String: Any]])
        #expect(outputs[0]["data"] as? [String] == predictions.map { $0["label"] as? String ?? "?" })
        let warnings = try #require(outputs[2]["data"] as? [String])
        let v1Warnings = predictions.map { $0["warnings"] as? [String] ?? [] }
        for (text, expected) in zip(warnings, v1Warnings) {
            #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] == expected)
        }
        #expect(v1Warnings[1].count == 2)
        await server.shutdown()
    }

    /// Each malformed request: a 4xx (400 for every tensor that does not fit the model), the
    /// protocol's body `{"error": "..."}` and nothing else, and a message that says what is wrong.
    @Test(arguments: [
        ("not JSON", "{\"inputs\": ", 400, "not valid JSON"),
        ("binary tensor data", "{\"inputs\": []}\u{1}\u{2}\u{3}", 400, "binary_data extension"),
        ("not an object", "[1, 2]", 400, "inference request object"),
        ("no inputs", "{}", 400, "inputs: expected a non-empty array"),
        ("unknown field", #"{"inputz": []}"#, 400, "inputz: unknown field"),
        (
            "wrong datatype for a number",
            #"{"inputs": [{"name": "year", "datatype": "BYTES", "shape": [1, 1], "data": ["2007"]}]}"#, 400,
            "datatype BYTES, but 'year' takes numbers"
        ),
        (
            "wrong datatype for text",
            #"{"inputs": [{"name": "island", "datatype": "FP64", "shape": [1, 1], "data": [1]}]}"#, 400,
            "datatype FP64, but 'island' takes text"
        ),
        (
            "boolean datatype", #"{"inputs": [{"name": "year", "datatype": "BOOL", "shape": [1, 1], "data": [true]}]}"#,
            400, "datatype BOOL"
        ),
        (
            "wrong shape", #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1, 2], "data": [1, 2]}]}"#, 400,
            "each input is one value per row"
        ),
        (
            "negative shape", #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [-1, 1], "data": [1]}]}"#,
            400, "non-negative integers"
        ),
        (
            "fractional shape", #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1.5, 1], "data": [1]}]}"#,
            400, "non-negative integers"
        ),
        (
            "zero rows", #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [0, 1], "data": []}]}"#, 400,
            "holds no rows"
        ),
        (
            "data shorter than the shape",
            #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [3, 1], "data": [1, 2]}]}"#, 400,
            "2 values, but shape [3, 1] holds 3"
        ),
        (
            "data longer than the shape",
            #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1, 1], "data": [1, 2]}]}"#, 400,
            "more values than shape"
        ),
        (
            "a string in a number tensor",
            #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1, 1], "data": ["x"]}]}"#, 400,
            "data[0]: expected a number"
        ),
        (
            "a fraction in an integer tensor",
            #"{"inputs": [{"name": "year", "datatype": "INT64", "shape": [1, 1], "data": [2007.5]}]}"#, 400,
            "not an integer"
        ),
        (
            "an infinite number",
            #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1, 1], "data": [1e999]}]}"#, 400,
            "expected a finite number"
        ),
        (
            "unknown input",
            #"{"inputs": [{"name": "colour", "datatype": "BYTES", "shape": [1, 1], "data": ["red"]}]}"#, 400,
            "has no input 'colour'"
        ),
        (
            "input sent twice",
            #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1], "data": [1]}, {"name": "year", "datatype": "FP64", "shape": [1], "data": [1]}]}"#,
            400, "sent twice"
        ),
        (
            "missing input", #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1, 1], "data": [2007]}]}"#,
            400, "no tensor for input 'island'"
        ),
        ("no data", #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1, 1]}]}"#, 400, "data: missing"),
        ("unknown output", #"{"inputs": [], "outputs": [{"name": "score"}]}"#, 400, "has no output 'score'"),
        (
            "non-scalar parameter", #"{"inputs": [], "parameters": {"x": [1]}}"#, 400,
            "parameters.x: a parameter is a string"
        ),
        (
            "binary input data",
            #"{"inputs": [{"name": "year", "datatype": "FP64", "shape": [1, 1], "parameters": {"binary_data_size": 8}}]}"#,
            400, "binary tensor data"
        ),
        ("an id that is not a string", #"{"id": 7, "inputs": []}"#, 400, "id: expected a string"),
    ])
    func malformedRequests(_ what: String, body: String, status: Int, message: String) async throws {
        let server = try await startServer(try Self.bundle.get())
        defer { Task { await server.shutdown() } }
        let name = server.service.bundle.manifest.name
        let answer = try await HTTP.post("/v2/models/\(name)/infer", port: server.port, body: body)
        #expect(answer.status == status, "\(what): \(answer.body)")
        #expect(answer.headers["content-type"] == "application/json", "\(what)")
        #expect(answer.json.count == 1, "\(what): \(answer.body)")
        let error = try #require(answer.json["error"] as? String, "\(what): \(answer.body)")
        #expect(error.contains(message), "\(what): \(error)")
        await server.shutdown()
    }

    /// Inputs of different lengths are refused, naming both.
    @Test func lengthMismatchBetweenInputs() async throws {
        let server = try await startServer(try Self.bundle.get())
        defer { Task { await server.shutdown() } }
        var tensors = Self.tensors(try Self.freshRows(3))
        tensors[4]["shape"] = [2, 1]
        tensors[4]["data"] = [1.0, 2.0]
        let answer = try await HTTP.post(
            "/v2/models/\(server.service.bundle.manifest.name)/infer", port: server.port,
            body: try Self.body(["inputs": tensors]))
        #expect(answer.status == 400)
        let error = try #require(answer.json["error"] as? String)
        #expect(error.contains("2 rows, but 'island' has 3: every input tensor holds the same rows"), "\(error)")
        await server.shutdown()
    }

    /// The limits of /v1: the body size (413), the row limit (413), the JSON content type (415,
    /// though no type at all is accepted), the token (401; health probes open).
    @Test func limitsAndToken() async throws {
        let server = try await startServer(try Self.bundle.get()) {
            $0.maximumBodyBytes = 64 * 1024
            $0.maximumRows = 5
            $0.token = "s3cret"
        }
        defer { Task { await server.shutdown() } }
        let name = server.service.bundle.manifest.name
        let auth = ["Authorization": "Bearer s3cret"]
        let huge =
            "{\"inputs\": [{\"name\": \"island\", \"datatype\": \"BYTES\", \"shape\": [1, 1], \"data\": [\""
            + String(repeating: "x", count: 100_000) + "\"]}]}"
        let tooLarge = try await HTTP.post("/v2/models/\(name)/infer", port: server.port, body: huge, headers: auth)
        #expect(tooLarge.status == 413)
        #expect(tooLarge.json["error"] as? String == "the body is larger than 65536 bytes: send fewer rows per request")
        let tooMany = try await HTTP.post(
            "/v2/models/\(name)/infer", port: server.port,
            body: try Self.body(["inputs": Self.tensors(try Self.freshRows(6))]), headers: auth)
        #expect(tooMany.status == 413, "\(tooMany.body)")
        #expect((tooMany.json["error"] as? String)?.contains("5") == true, "\(tooMany.body)")
        let form = try await HTTP.request(
            "POST", port: server.port, path: "/v2/models/\(name)/infer", body: "{}",
            headers: auth.merging(["Content-Type": "text/plain"]) { $1 })
        #expect(form.status == 415)
        #expect(form.json["error"] is String)

        let ok = try Self.body(["inputs": Self.tensors(try Self.freshRows(2))])
        let without = try await HTTP.post("/v2/models/\(name)/infer", port: server.port, body: ok)
        #expect(without.status == 401)
        #expect(without.headers["www-authenticate"] == "Bearer")
        #expect(
            without.json["error"] as? String
                == "missing or wrong bearer token: send the header Authorization: Bearer TOKEN")
        #expect(
            try await HTTP.post("/v2/models/\(name)/infer", port: server.port, body: ok, headers: auth).status == 200)
        for path in ["/v2", "/v2/models/\(name)", "/v2/models/\(name)/ready"] {
            #expect(try await HTTP.get(path, port: server.port).status == 401, "\(path)")
            #expect(try await HTTP.get(path, port: server.port, headers: auth).status == 200, "\(path)")
        }
        for path in ["/v2/health/live", "/v2/health/ready"] {
            #expect(try await HTTP.get(path, port: server.port).status == 200, "\(path)")
        }
        await server.shutdown()
    }

    /// Rows scored through /v2 reach the metrics (under a route label without the model's name),
    /// the monitoring window and the prediction log, as /v1's do.
    @Test func metricsMonitoringAndLog() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let logPath = folder + "/log.sqlite"
        let server = try await startServer(try Self.bundle.get()) { $0.logPath = logPath }
        let name = server.service.bundle.manifest.name
        let answer = try await HTTP.post(
            "/v2/models/\(name)/infer", port: server.port,
            body: try Self.body(["inputs": Self.tensors(try Self.freshRows(4))]))
        #expect(answer.status == 200, "\(answer.body)")
        let refused = try await HTTP.post("/v2/models/\(name)/infer", port: server.port, body: "{}")
        #expect(refused.status == 400)
        _ = try await HTTP.get("/v2/models/unknown-model", port: server.port)
        let metrics = try await HTTP.get("/metrics", port: server.port).body
        #expect(
            metrics.contains(#"workbench_http_requests_total{route="/v2/models/{model}/infer",status="200"} 1"#),
            "\(metrics)")
        #expect(metrics.contains(#"workbench_http_requests_total{route="/v2/models/{model}/infer",status="400"} 1"#))
        #expect(metrics.contains(#"workbench_http_requests_total{route="/v2/models/{model}",status="404"} 1"#))
        #expect(metrics.contains("workbench_rows_scored_total 4"))
        #expect(!metrics.contains("unknown-model"))
        #expect(server.service.monitoringSummary().windowRows == 4)
        await server.shutdown()
        let window = try PredictionLogReader(path: logPath).window(
            rows: 100, features: server.service.bundle.pipeline.preprocessor.features)
        #expect(window.inputs.count == 4)
        #expect(window.requests.map(\.status).sorted() == [200, 400])
    }

    /// A regression model answers `value` `[N, 1]`, as /v1 does.
    @Test func regressionAnswersValue() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        let bundle = folder + "/mass"
        for line in [
            "load \"\(exampleData)/penguins_train.csv\" as penguins", "r = train linear on penguins target=body_mass_g",
            "export r to \"\(bundle)\"",
        ] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        let server = try await startServer(bundle)
        defer { Task { await server.shutdown() } }
        let metadata = try await HTTP.get("/v2/models/r", port: server.port)
        let outputs = try #require(metadata.json["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["name"] as? String } == ["value", "warnings"])
        let row =
            #"{"island": "Torgersen", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "sex": "male", "year": 2007, "species": "Adelie"}"#
        let v1 = try await HTTP.post("/v1/predict", port: server.port, body: row)
        let expected = try #require((v1.json["predictions"] as? [[String: Any]])?.first?["value"] as? Double)
        let inputs = try #require(metadata.json["inputs"] as? [[String: Any]])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
        let tensors: [[String: Any]] = inputs.map { input in
            let name = input["name"] as? String ?? ""
            return [
                "name": name, "datatype": input["datatype"] ?? "", "shape": [1, 1], "data": [object[name] ?? NSNull()],
            ]
        }
        let v2 = try await HTTP.post(
            "/v2/models/r/infer", port: server.port,
            body: try Self.body(["inputs": tensors, "outputs": [["name": "value"]]]))
        #expect(v2.status == 200, "\(v2.body)")
        let value = try #require((v2.json["outputs"] as? [[String: Any]])?.first)
        #expect(value["shape"] as? [Int] == [1, 1])
        #expect(value["datatype"] as? String == "FP64")
        #expect((value["data"] as? [Double])?.first == expected)
        await server.shutdown()
    }

    /// A conformal model's /v2 outputs are its ONNX graph's: set `[N, classes]` BOOL, or lower and
    /// upper `[N, 1]`, the same sets and intervals as /v1/predict (issue 26).
    @Test func conformalOutputsMatchV1() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        for line in [
            "load \"\(exampleData)/penguins_train.csv\" as penguins", "split penguins test=0.3 seed=2",
            "r = train linear on penguins.train target=body_mass_g", "conformal r on penguins.test alpha=0.1",
            "c = train linear on penguins.train target=species", "conformal c on penguins.test alpha=0.1",
            "export r to \"\(folder)/r\"", "export c to \"\(folder)/c\"",
        ] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        let common =
            #""island": "Torgersen", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "sex": "male", "year": 2007"#
        for (name, expectedOutputs) in [
            ("r", ["value", "lower", "upper", "warnings"]), ("c", ["label", "probabilities", "set", "warnings"]),
        ] {
            // Each model's inputs: the other's target is a feature.
            let row = "{" + common + (name == "r" ? #", "species": "Adelie"}"# : #", "body_mass_g": 3750}"#)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
            let server = try await startServer(folder + "/" + name)
            let metadata = try await HTTP.get("/v2/models/\(name)", port: server.port)
            let outputs = try #require(metadata.json["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == expectedOutputs)
            let inputs = try #require(metadata.json["inputs"] as? [[String: Any]])
            let tensors: [[String: Any]] = inputs.map { input in
                let key = input["name"] as? String ?? ""
                return [
                    "name": key, "datatype": input["datatype"] ?? "", "shape": [1, 1],
                    "data": [object[key] ?? NSNull()],
                ]
            }
            let v1 = try await HTTP.post("/v1/predict", port: server.port, body: row)
            let v2 = try await HTTP.post(
                "/v2/models/\(name)/infer", port: server.port, body: try Self.body(["inputs": tensors]))
            await server.shutdown()
            #expect(v2.status == 200, "\(v2.body)")
            let prediction = try #require((v1.json["predictions"] as? [[String: Any]])?.first, "\(v1.body)")
            let answer = try #require(v2.json["outputs"] as? [[String: Any]])
            func output(_ key: String) -> [String: Any]? { answer.first { $0["name"] as? String == key } }
            if name == "r" {
                let interval = try #require(prediction["interval"] as? [Double])
                #expect(output("lower")?["data"] as? [Double] == [interval[0]])
                #expect(output("upper")?["data"] as? [Double] == [interval[1]])
                #expect(interval[0] < interval[1])
            } else {
                let set = try #require(prediction["set"] as? [String])
                let classes = ["Adelie", "Chinstrap", "Gentoo"]
                let tensor = try #require(output("set"))
                #expect(tensor["datatype"] as? String == "BOOL")
                #expect(tensor["shape"] as? [Int] == [1, 3])
                #expect(tensor["data"] as? [Bool] == classes.map(set.contains))
                #expect(!set.isEmpty)
            }
        }
    }
}
