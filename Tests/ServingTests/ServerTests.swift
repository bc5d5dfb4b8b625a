import Foundation
import Serving
import Testing

/// Real HTTP over loopback against a served bundle: every endpoint, every client error, tokens,
/// concurrency.
@Suite("Serving a bundle over HTTP", .serialized)
struct ServerTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let bundle: Result<String, any Error> = Result { try exportPenguins(to: folder) }

    @Test func healthReadinessModelAndOpenAPI() async throws {
        let server = try await startServer(try Self.bundle.get())
        defer { Task { await server.shutdown() } }
        let health = try await HTTP.get("/healthz", port: server.port)
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "alive")
        let ready = try await HTTP.get("/readyz", port: server.port)
        #expect(ready.status == 200)
        #expect(ready.json["model"] as? String == server.service.bundle.manifest.modelID)
        let model = try await HTTP.get("/v1/model", port: server.port)
        #expect(model.status == 200)
        #expect(model.json["modelID"] as? String == server.service.bundle.manifest.modelID)
        let openAPI = try await HTTP.get("/v1/openapi.yaml", port: server.port)
        #expect(openAPI.status == 200)
        #expect(openAPI.headers["content-type"] == "application/yaml")
        #expect(openAPI.body == server.service.bundle.openAPI)
        #expect(openAPI.body.contains("/v1/drift:") && openAPI.body.contains("/metrics:") && openAPI.body.contains("'413'"))
        await server.shutdown()
    }

    @Test func predictsOneRowAndABatchWithWarnings() async throws {
        let server = try await startServer(try Self.bundle.get())
        let one = try await HTTP.post("/v1/predict", port: server.port, body: sampleRow)
        #expect(one.status == 200, "\(one.body)")
        #expect(one.json["model"] as? String == server.service.bundle.manifest.modelID)
        let predictions = try #require(one.json["predictions"] as? [[String: Any]])
        #expect(predictions.count == 1)
        #expect(predictions[0]["label"] as? String == "Adelie")
        let probabilities = try #require(predictions[0]["probabilities"] as? [String: Double])
        #expect(Set(probabilities.keys) == ["Adelie", "Chinstrap", "Gentoo"])
        #expect(abs(probabilities.values.reduce(0, +) - 1) < 1e-9)
        #expect((predictions[0]["warnings"] as? [String])?.isEmpty == true)

        let odd = #"{"island": "Atlantis", "bill_length_mm": 99.5, "bill_depth_mm": null, "flipper_length_mm": 181, "body_mass_g": 3750, "sex": "male", "year": 2007}"#
        let batch = try await HTTP.post("/v1/predict", port: server.port, body: "{\"rows\": [\(sampleRow), \(odd), \(sampleRow)]}")
        #expect(batch.status == 200, "\(batch.body)")
        let rows = try #require(batch.json["predictions"] as? [[String: Any]])
        #expect(rows.count == 3)
        let warnings = try #require(rows[1]["warnings"] as? [String])
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.hasPrefix("island = 'Atlantis' was never seen in training") })
        #expect(warnings.contains { $0.hasPrefix("bill_length_mm = 99.5 is outside the training range") })
        #expect((rows[0]["warnings"] as? [String])?.isEmpty == true)
        await server.shutdown()
    }

    /// Each client error: its status, and a JSON body with error and details.
    @Test(arguments: [
        ("POST", "/v1/predict", "{\"island\": ", 400, "not valid JSON"),
        ("POST", "/v1/predict", String(repeating: "[", count: 200_000), 400, "nested more than 64 levels deep at byte 64"),
        ("POST", "/v1/predict", "{\"island\": \"Bis\u{1}coe\"}", 400, "a control character inside a string (escape it) at byte 15"),
        ("POST", "/v1/predict", "[1, 2]", 422, "body: expected a JSON object"),
        ("POST", "/v1/predict", #"{"island": "Biscoe", "bill_length_mm": "long", "bill_depth_mm": 18, "flipper_length_mm": 181, "body_mass_g": 3750, "sex": true, "colour": "red"}"#, 422, "year: missing"),
        ("POST", "/v1/predict", #"{"rows": []}"#, 422, "rows: expected a non-empty array"),
        ("GET", "/v1/nothing", "", 404, "no route /v1/nothing"),
        ("GET", "/v1/predict", "", 405, "accepts POST only"),
        ("DELETE", "/healthz", "", 405, "accepts GET only"),
    ])
    func clientErrors(method: String, path: String, body: String, status: Int, message: String) async throws {
        let server = try await startServer(try Self.bundle.get())
        let answer = try await HTTP.request(method, port: server.port, path: path, body: method == "POST" ? body : nil)
        #expect(answer.status == status, "\(answer.body)")
        #expect(answer.headers["content-type"] == "application/json")
        let error = try #require(answer.json["error"] as? String)
        let details = try #require(answer.json["details"] as? [String])
        #expect((error + " " + details.joined(separator: " ")).contains(message), "\(answer.body)")
        if status == 405 { #expect(answer.headers["allow"] != nil) }
        // The server survives and still answers.
        #expect(try await HTTP.get("/healthz", port: server.port).status == 200)
        await server.shutdown()
    }

    @Test func unprocessableListsEachField() async throws {
        let server = try await startServer(try Self.bundle.get())
        let body = #"{"rows": [{"island": "Biscoe", "bill_length_mm": "long", "bill_depth_mm": 18, "flipper_length_mm": 181, "body_mass_g": 3750, "sex": true, "colour": "red"}, 7]}"#
        let answer = try await HTTP.post("/v1/predict", port: server.port, body: body)
        #expect(answer.status == 422)
        let details = try #require(answer.json["details"] as? [String])
        #expect(details == [
            "rows[0].colour: unknown field",
            "rows[0].bill_length_mm: expected a number or null, found a string",
            "rows[0].sex: expected a string or null, found a boolean",
            "rows[0].year: missing (send null for a missing value)",
            "rows[1]: expected a row object, found a number",
        ])
        await server.shutdown()
    }

    @Test func bodyOverTheLimitIs413() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.maximumBodyBytes = 2_000 }
        let rows = Array(repeating: sampleRow, count: 40).joined(separator: ",")
        let answer = try await HTTP.post("/v1/predict", port: server.port, body: "{\"rows\": [\(rows)]}")
        #expect(answer.status == 413)
        #expect((answer.json["error"] as? String)?.contains("larger than 2000 bytes") == true)
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow).status == 200)
        await server.shutdown()
    }

    @Test func tokenIsRequiredExceptForProbes() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.token = "s3cret-token" }
        let missing = try await HTTP.post("/v1/predict", port: server.port, body: sampleRow)
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"] == "Bearer")
        #expect(!missing.body.contains("s3cret"))
        let wrong = try await HTTP.post("/v1/predict", port: server.port, body: sampleRow, headers: ["Authorization": "Bearer s3cret-tokeN"])
        #expect(wrong.status == 401)
        let right = try await HTTP.post("/v1/predict", port: server.port, body: sampleRow, headers: ["Authorization": "Bearer s3cret-token"])
        #expect(right.status == 200)
        #expect(try await HTTP.get("/metrics", port: server.port).status == 401)
        #expect(try await HTTP.get("/healthz", port: server.port).status == 200)
        #expect(try await HTTP.get("/readyz", port: server.port).status == 200)
        await server.shutdown()
    }

    @Test func concurrentClients() async throws {
        let server = try await startServer(try Self.bundle.get())
        let port = server.port
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var s: [Int] = []
                    for _ in 0..<20 { s.append(try await HTTP.post("/v1/predict", port: port, body: sampleRow).status) }
                    return s
                }
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        #expect(statuses.count == 160)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(server.service.monitoringSummary().traffic.rowsScored == 160)
        await server.shutdown()
    }

    @Test func metricsInPrometheusFormat() async throws {
        let server = try await startServer(try Self.bundle.get())
        for _ in 0..<3 { _ = try await HTTP.post("/v1/predict", port: server.port, body: sampleRow) }
        _ = try await HTTP.post("/v1/predict", port: server.port, body: "{")
        let metrics = try await HTTP.get("/metrics", port: server.port)
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = metrics.body
        for expected in [
            #"workbench_http_requests_total{route="/v1/predict",status="200"} 3"#,
            #"workbench_http_requests_total{route="/v1/predict",status="400"} 1"#,
            #"workbench_http_request_duration_seconds_bucket{route="/v1/predict",le="+Inf"} 4"#,
            #"workbench_predictions_total{class="Adelie"} 3"#,
            "workbench_rows_scored_total 3",
            "# TYPE workbench_feature_psi gauge",
            "workbench_drift_alerts_active 0",
            "process_resident_memory_bytes ",
            "process_cpu_seconds_total ",
            "process_open_fds ",
            "process_uptime_seconds ",
        ] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        await server.shutdown()
    }

    @Test func requestsInFlightFinishOnShutdown() async throws {
        let server = try await startServer(try Self.bundle.get())
        let port = server.port
        let batch = "{\"rows\": [" + Array(repeating: sampleRow, count: 1_000).joined(separator: ",") + "]}"
        let requests = Task {
            try await withThrowingTaskGroup(of: Result<HTTPAnswer, HTTPClientError>.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        do { return .success(try await HTTP.request("POST", port: port, path: "/v1/predict", body: batch, headers: ["Content-Type": "application/json"])) } catch let e as HTTPClientError {
                            return .failure(e)
                        }
                    }
                }
                return try await group.reduce(into: [Result<HTTPAnswer, HTTPClientError>]()) { $0.append($1) }
            }
        }
        try await Task.sleep(for: .milliseconds(30))
        await server.shutdown()
        let results = try await requests.value
        // Each request was answered in full, or refused before the server took it; none was cut.
        var answered = 0
        for r in results {
            switch r {
            case .success(let answer):
                #expect(answer.status == 200)
                #expect((answer.json["predictions"] as? [Any])?.count == 1_000)
                answered += 1
            case .failure(let e):
                #expect(e.description.hasPrefix("connect") || e.description.hasPrefix("no HTTP head in 0 bytes")
                        || e.description.hasPrefix("reset before any answer"), "\(e)")
            }
        }
        // And every request the server took is one a client got in full: its own count of
        // prediction requests equals the answers received, all of them 200.
        let metrics = server.service.handle(method: "GET", path: "/metrics", authorization: nil, body: nil).body
        let counted = metrics.split(separator: "\n").filter { $0.hasPrefix(#"workbench_http_requests_total{route="/v1/predict""#) }
        #expect(counted == (answered == 0 ? [] : [#"workbench_http_requests_total{route="/v1/predict",status="200"} \#(answered)"#]), "\(counted)")
    }

    @Test func sizesTokensAndTheLoopbackWarning() async throws {
        #expect(try ServeOptions.byteCount("1MiB") == 1 << 20)
        #expect(try ServeOptions.byteCount("512KiB") == 512 << 10)
        #expect(try ServeOptions.byteCount("2000") == 2000)
        #expect(throws: ServingError.self) { try ServeOptions.byteCount("lots") }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "  tok3n \nsecond line\n".write(toFile: folder + "/token", atomically: true, encoding: .utf8)
        #expect(try ServeOptions.token(fromFile: folder + "/token") == "tok3n")
        try "\n".write(toFile: folder + "/empty", atomically: true, encoding: .utf8)
        #expect(throws: ServingError.self) { try ServeOptions.token(fromFile: folder + "/empty") }
        let open = try await startServer(try Self.bundle.get()) { $0.host = "0.0.0.0" }
        #expect(open.warnings.count == 1)
        #expect(open.warnings.first?.contains("without a token") == true)
        await open.shutdown()
        let guarded = try await startServer(try Self.bundle.get()) { $0.host = "0.0.0.0"; $0.token = "t" }
        #expect(guarded.warnings.isEmpty)
        await guarded.shutdown()
    }

    @Test func refusesABundleNotSignedByTheTrustedKey() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Bundles.BundleSigning.generateKeyPair(privatePath: folder + "/k.pem", publicPath: folder + "/k.pub.pem")
        await #expect(throws: Bundles.BundleError.unsigned(bundle: try Self.bundle.get())) {
            _ = try await startServer(try Self.bundle.get()) { $0.trustedKey = folder + "/k.pub.pem" }
        }
    }
}

import Bundles
