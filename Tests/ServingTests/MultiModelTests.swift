import Foundation
import Serving
import Testing
import TestSupport
import Bundles
// Scoped: the module's `Task` would hide Swift's in these tests.
import struct Learning.PipelineModel
import Workbench

/// Several bundles in one server (`workbench serve A B`): each model under its name on /v2 and
/// /v1/models/NAME/…, with its own metrics, monitoring and prediction log; the single-model
/// routes say which routes to use instead; two models of one name are refused.
@Suite("Serving several models", .serialized)
struct MultiModelTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let classifier: Result<String, any Error> = Result { try exportPenguins(to: folder) }
    /// `r`: body mass from the other penguin columns.
    static let regressor: Result<String, any Error> = Result {
        let session = makeSession()
        let bundle = folder + "/mass"
        for line in [
            "load \"\(exampleData)/penguins_train.csv\" as penguins", "r = train linear on penguins target=body_mass_g",
            "export r to \"\(bundle)\"",
        ] {
            guard let cell = session.execute(line), cell.succeeded else {
                throw HTTPClientError(description: "\(line) failed")
            }
        }
        return bundle
    }
    static let massRow =
        #"{"island": "Torgersen", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "sex": "male", "year": 2007, "species": "Adelie"}"#

    /// `workbench serve FOLDER`: every bundle in it, and reloads (SIGHUP) that add, replace and
    /// remove models while requests keep arriving; none in flight is dropped.
    @Test func aFolderOfBundlesReloadsWithoutDroppingRequests() async throws {
        let repo = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: repo) }
        let manager = FileManager.default
        try manager.copyItem(atPath: try Self.classifier.get(), toPath: repo + "/m-linear")
        let tree = try exportPenguins(to: try temporaryFolder(), algorithm: "tree")
        let server = try await startServer(repo) { $0.logPath = repo + "/../log-\(UUID().uuidString).sqlite" }
        let linearID = server.service.bundle.manifest.modelID
        // One model, but a folder's: under its name only.
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow).status == 404)

        // Requests to m all along, while it is replaced and others come and go.
        let port = server.port
        let load = Task {
            var statuses: [Int] = []
            var models = Set<String>()
            for _ in 0..<300 {
                let answer = try await HTTP.post("/v1/models/m/predict", port: port, body: sampleRow)
                statuses.append(answer.status)
                if let model = answer.json["model"] as? String { models.insert(model) }
            }
            return (statuses, models)
        }

        try manager.copyItem(atPath: try Self.regressor.get(), toPath: repo + "/r")
        let added = try #require(try await offPool { server.reload() })
        #expect(added.added == ["r"] && added.unchanged == ["m"] && added.failed.isEmpty, "\(added)")
        #expect(try await HTTP.post("/v1/models/r/predict", port: port, body: Self.massRow).status == 200)

        try manager.removeItem(atPath: repo + "/m-linear")
        try manager.copyItem(atPath: tree, toPath: repo + "/m-tree")
        let replaced = try #require(try await offPool { server.reload() })
        #expect(replaced.replaced == ["m"] && replaced.unchanged == ["r"], "\(replaced)")

        // A broken bundle is reported; what is served stays.
        try manager.createDirectory(atPath: repo + "/zz", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: repo + "/zz/manifest.json"))
        let broken = try #require(try await offPool { server.reload() })
        #expect(broken.failed.count == 1 && broken.failed.first?.bundle.hasSuffix("zz") == true, "\(broken)")
        #expect(Set(broken.unchanged) == ["m", "r"])
        #expect(
            broken.summary.contains("not served: ") && broken.summary.hasPrefix("reloaded: 2 unchanged"),
            "\(broken.summary)")

        try manager.removeItem(atPath: repo + "/r")
        let removed = try #require(try await offPool { server.reload() })
        #expect(removed.removed == ["r"], "\(removed)")
        #expect(try await HTTP.post("/v1/models/r/predict", port: port, body: Self.massRow).status == 404)

        let (statuses, models) = try await load.value
        #expect(statuses.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        #expect(models.contains(linearID) || models.count >= 1)
        // After the replacement, m is the tree.
        let now = try await HTTP.post("/v1/models/m/predict", port: port, body: sampleRow)
        #expect(now.json["model"] as? String != linearID)
        // A reload of a folder emptied of bundles takes nothing out.
        try manager.removeItem(atPath: repo + "/m-tree")
        let emptied = try #require(try await offPool { server.reload() })
        #expect(emptied.removed.isEmpty && emptied.unchanged == ["m"], "\(emptied)")
        #expect(try await HTTP.post("/v1/models/m/predict", port: port, body: sampleRow).status == 200)
        await server.shutdown()

        // A folder with no bundle at all does not start.
        let empty = try temporaryFolder()
        await #expect(throws: ServingError.self) { _ = try await startServer(empty) }
    }

    @Test func eachModelUnderItsName() async throws {
        let logs = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let server = try await startServer(try Self.classifier.get()) {
            $0.additionalBundlePaths = [try? Self.regressor.get()].compactMap { $0 }
            $0.logPath = logs + "/log.sqlite"
        }
        #expect(server.services.map(\.bundle.manifest.name) == ["m", "r"])
        let predicted = try await HTTP.post("/v1/models/m/predict", port: server.port, body: sampleRow)
        #expect(predicted.status == 200, "\(predicted.body)")
        #expect((predicted.json["predictions"] as? [[String: Any]])?.first?["label"] as? String == "Adelie")
        let mass = try await HTTP.post("/v1/models/r/predict", port: server.port, body: Self.massRow)
        #expect(mass.status == 200, "\(mass.body)")
        #expect((mass.json["predictions"] as? [[String: Any]])?.first?["value"] is Double)
        // Outcomes go to each model's own log: the regressor takes a value for its id 1, the
        // classifier a label for its own id 1.
        #expect(
            try await HTTP.post("/v1/models/r/feedback", port: server.port, body: #"{"id": 1, "value": 3800}"#).status
                == 200)
        #expect(
            try await HTTP.post("/v1/models/m/feedback", port: server.port, body: #"{"id": 1, "label": "Adelie"}"#)
                .status == 200)
        #expect(
            try await HTTP.post("/v1/models/m/feedback", port: server.port, body: #"{"id": 1, "value": 3800}"#).status
                == 422)

        let infer = try await HTTP.post(
            "/v2/models/m/infer", port: server.port,
            body: try OpenInferenceTests.body([
                "inputs": OpenInferenceTests.tensors(try OpenInferenceTests.freshRows(3))
            ]))
        #expect(infer.status == 200, "\(infer.body)")
        #expect(infer.json["model_name"] as? String == "m")
        let metadata = try await HTTP.get("/v2/models/r", port: server.port)
        #expect(metadata.status == 200)
        #expect((metadata.json["outputs"] as? [[String: Any]])?.first?["name"] as? String == "value")
        #expect(try await HTTP.get("/v2/models/r/versions/1/ready", port: server.port).status == 200)
        for path in [
            "/v2/health/live", "/v2/health/ready", "/v2", "/healthz", "/v1/models/m/model", "/v1/models/r/openapi.yaml",
            "/v1/models/r/drift",
        ] {
            #expect(try await HTTP.get(path, port: server.port).status == 200, "\(path)")
        }
        let ready = try await HTTP.get("/readyz", port: server.port)
        #expect((ready.json["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["m", "r"])

        // Another model: 404 naming those served, in the shape of the route's protocol.
        let other = try await HTTP.get("/v2/models/x", port: server.port)
        #expect(other.status == 404)
        #expect(other.json["error"] as? String == "no model 'x' on this server: it serves 'm', 'r'")
        #expect(try await HTTP.post("/v1/models/x/predict", port: server.port, body: sampleRow).status == 404)
        // The single-model routes do not say which model.
        for path in ["/v1/predict", "/v1/model"] {
            let answer = try await HTTP.request(
                path == "/v1/predict" ? "POST" : "GET", port: server.port, path: path,
                body: path == "/v1/predict" ? sampleRow : nil, headers: ["Content-Type": "application/json"])
            #expect(answer.status == 404, "\(path)")
            #expect(
                (answer.json["error"] as? String)?.contains("serves several models ('m', 'r')") == true,
                "\(path): \(answer.body)")
        }

        // Per-model metrics and monitoring.
        let metricsM = try await HTTP.get("/v1/models/m/metrics", port: server.port).body
        let metricsR = try await HTTP.get("/v1/models/r/metrics", port: server.port).body
        #expect(metricsM.contains("workbench_rows_scored_total 4"), "\(metricsM)")
        #expect(metricsR.contains("workbench_rows_scored_total 1"), "\(metricsR)")
        #expect(
            metricsM.contains(#"workbench_predictions_total{class="Adelie"}"#)
                && !metricsR.contains("workbench_predictions_total{"))
        #expect(server.services.map { $0.monitoringSummary().windowRows } == [4, 1])
        // Each model's OpenAPI document names the routes it is served under here.
        let document = try await HTTP.get("/v1/models/m/openapi.yaml", port: server.port).body
        for route in ["predict", "feedback", "model", "openapi.yaml", "drift", "metrics"] {
            #expect(document.contains("\n  \"/v1/models/m/\(route)\":\n"), "\(route)")
        }
        #expect(!document.contains("\n  /v1/predict:") && !document.contains("\n  /metrics:"))
        #expect(
            document.contains("\n  /healthz:") && document.contains("/v2/models/{model}/infer"),
            "\(document.prefix(400))")
        // One /metrics for the scraper: every model's series labelled with its model, each family
        // once with its samples together, the process's own series once and unlabelled.
        let merged = try await HTTP.get("/metrics", port: server.port)
        #expect(merged.status == 200)
        let lines = merged.body.split(separator: "\n").map(String.init)
        #expect(lines.contains(#"workbench_rows_scored_total{model="m"} 4"#), "\(merged.body)")
        #expect(lines.contains(#"workbench_rows_scored_total{model="r"} 1"#))
        #expect(lines.contains { $0.hasPrefix(#"workbench_predictions_total{model="m",class="Adelie"}"#) })
        #expect(lines.filter { $0 == "# TYPE workbench_rows_scored_total counter" }.count == 1)
        #expect(lines.filter { $0.hasPrefix("process_resident_memory_bytes") }.count == 1)
        #expect(!merged.body.contains("process_resident_memory_bytes{"))
        // Every sample follows its family's TYPE line, with no other family between them.
        var family = ""
        var closed = Set<String>()
        for line in lines {
            if line.hasPrefix("# TYPE ") {
                if !family.isEmpty { closed.insert(family) }
                family = String(line.split(separator: " ")[2])
                #expect(!closed.contains(family), "\(family) appears twice")
            } else if !line.hasPrefix("#") {
                #expect(line.hasPrefix(family), "\(line) outside its family \(family)")
                #expect(line.hasPrefix("process_") || line.contains("model=\""), "\(line)")
            }
        }
        await server.shutdown()

        // One prediction log per model, the model's name before the extension.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: logs).filter { $0.hasSuffix(".sqlite") }.sorted() == [
                "log-m.sqlite", "log-r.sqlite",
            ])
        let windowM = try PredictionLogReader(path: logs + "/log-m.sqlite").window(
            rows: 100, features: server.services[0].bundle.pipeline.preprocessor.features)
        let windowR = try PredictionLogReader(path: logs + "/log-r.sqlite").window(
            rows: 100, features: server.services[1].bundle.pipeline.preprocessor.features)
        #expect(windowM.inputs.count == 4)
        #expect(windowR.inputs.count == 1)
    }

    @Test func theTokenGuardsEveryModelAndTheNamesOfThoseServed() async throws {
        let server = try await startServer(try Self.classifier.get()) {
            $0.additionalBundlePaths = [try? Self.regressor.get()].compactMap { $0 }
            $0.token = "s3cret"
        }
        defer { Task { await server.shutdown() } }
        #expect(try await HTTP.post("/v1/models/m/predict", port: server.port, body: sampleRow).status == 401)
        #expect(try await HTTP.get("/v2/models/r", port: server.port).status == 401)
        let unnamed = try await HTTP.get("/v2/models/x", port: server.port)
        #expect(unnamed.status == 401)
        #expect(!unnamed.body.contains("'m'"))
        #expect(try await HTTP.get("/v1/predict", port: server.port).status == 401)
        #expect(
            try await HTTP.post(
                "/v1/models/m/predict", port: server.port, body: sampleRow, headers: ["Authorization": "Bearer s3cret"]
            ).status == 200)
        for path in ["/readyz", "/healthz", "/v2/health/ready", "/v2/health/live"] {
            #expect(try await HTTP.get(path, port: server.port).status == 200, "\(path)")
        }
        await server.shutdown()
    }

    /// One model keeps the single-model routes, and answers under its name too.
    @Test func oneModelAnswersUnderItsNameToo() async throws {
        let server = try await startServer(try Self.classifier.get())
        defer { Task { await server.shutdown() } }
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow).status == 200)
        #expect(try await HTTP.post("/v1/models/m/predict", port: server.port, body: sampleRow).status == 200)
        #expect(try await HTTP.get("/metrics", port: server.port).body.contains("workbench_rows_scored_total 2"))
        #expect(
            try await HTTP.get("/readyz", port: server.port).json["model"] as? String
                == server.service.bundle.manifest.modelID)
        await server.shutdown()
    }

    @Test func twoModelsOfOneNameAreRefused() async throws {
        let bundle = try Self.classifier.get()
        await #expect(throws: ServingError.self) {
            _ = try await startServer(bundle) { $0.additionalBundlePaths = [bundle] }
        }
        #expect(ServeOptions.logPath("logs/p.sqlite", model: "m", models: 2) == "logs/p-m.sqlite")
        #expect(ServeOptions.logPath("p", model: "m", models: 2) == "p-m")
        #expect(ServeOptions.logPath("/var/log/.hidden", model: "m", models: 2) == "/var/log/.hidden-m")
        #expect(ServeOptions.logPath("logs/p.sqlite", model: "m", models: 1) == "logs/p.sqlite")
    }
}
