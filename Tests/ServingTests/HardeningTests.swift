import Bundles
import Learning
import Tabular
import Foundation
import GRDB
import Testing
import TestSupport
@testable import Serving
import Workbench

/// Issue 19's HTTP-server items: content types, the rows limit, linear body assembly, rejected
/// requests kept apart from the audit trail, redaction in every published document, private log
/// files, and cached drift summaries.
@Suite("Serving: hardening", .serialized)
struct HardeningTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let bundle: Result<String, any Error> = Result { try exportExamplePenguins(to: folder) }

    /// A browser may POST text/plain or a form cross-site without a preflight, never JSON: only
    /// JSON is read.
    @Test(arguments: [
        ("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("multipart/form-data; boundary=x", 415),
        ("application/jsonx", 415), ("application/json", 200), ("Application/JSON; charset=utf-8", 200),
        ("application/json;charset=UTF-8", 200),
    ])
    func onlyJSONBodiesAreRead(contentType: String, status: Int) async throws {
        let server = try await startServer(try Self.bundle.get())
        let answer = try await HTTP.request(
            "POST", port: server.port, path: "/v1/predict", body: sampleRow, headers: ["Content-Type": contentType])
        #expect(answer.status == status, "\(answer.body)")
        if status == 415 {
            #expect(answer.headers["content-type"] == "application/json")
            #expect((answer.json["error"] as? String)?.contains("application/json") == true)
            #expect((answer.json["details"] as? [String])?.first?.contains(contentType) == true)
        }
        await server.shutdown()
    }

    /// The media type, read without Foundation: case, parameters and HTTP's white space as before.
    @Test func contentTypeIsReadAsASCII() {
        for accepted in [
            "application/json", "APPLICATION/JSON", " application/json\t; charset=utf-8", "application/Json;",
        ] {
            #expect(ModelService.isJSON(accepted), "\(accepted)")
        }
        for refused in [
            "", ";", "application/jsonx", "xapplication/json", "application json", "application\u{0F}json",
            "applicatiön/json",
            "application/js on", "text/json", "application/json\u{00A0}x",
        ] {
            #expect(!ModelService.isJSON(refused), "\(refused)")
        }
        #expect(!ModelService.isJSON(nil))
        #expect(ModelService.isJSONOrUnsaid(nil))
    }

    @Test func aPostWithoutContentTypeIs415AndTheDocumentSaysSo() async throws {
        let server = try await startServer(try Self.bundle.get())
        let answer = try await HTTP.request("POST", port: server.port, path: "/v1/predict", body: sampleRow)
        #expect(answer.status == 415)
        #expect((answer.json["details"] as? [String]) == ["Content-Type was not sent"])
        let document = try await HTTP.get("/v1/openapi.yaml", port: server.port)
        #expect(document.body.contains("'415': {$ref: '#/components/responses/Error'}"))
        // Indented as its sibling minItems (a misindented line made the YAML invalid for Schemathesis).
        #expect(
            document.body.contains(
                "      minItems: 1\n                      maxItems: \(ServeOptions.defaultMaximumRows)\n                      items:"
            ))
        await server.shutdown()
    }

    @Test func batchesOverTheRowLimitAre413NamingTheLimitAndOption() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.maximumRows = 5 }
        let five = try await HTTP.post(
            "/v1/predict", port: server.port,
            body: "{\"rows\": [" + Array(repeating: sampleRow, count: 5).joined(separator: ",") + "]}")
        #expect(five.status == 200)
        let six = try await HTTP.post(
            "/v1/predict", port: server.port,
            body: "{\"rows\": [" + Array(repeating: sampleRow, count: 6).joined(separator: ",") + "]}")
        #expect(six.status == 413)
        #expect(six.json["error"] as? String == "the request has more than 5 rows")
        #expect((six.json["details"] as? [String])?.first?.contains("--max-rows") == true)
        await server.shutdown()
    }

    /// The attack body of the issue: a megabyte of empty rows. Refused at the limit, before a tree
    /// of 350,000 rows (and a problem report per feature per row) is built.
    @Test func aMegabyteOfEmptyRowsIsRefusedAtTheLimit() async throws {
        let server = try await startServer(try Self.bundle.get())
        let count = ((1 << 20) - 20) / 3
        let body = "{\"rows\":[" + Array(repeating: "{}", count: count).joined(separator: ",") + "]}"
        #expect(body.utf8.count <= 1 << 20)
        let answer = try await HTTP.post("/v1/predict", port: server.port, body: body)
        #expect(answer.status == 413, "\(answer.body.prefix(300))")
        #expect(answer.json["error"] as? String == "the request has more than \(ServeOptions.defaultMaximumRows) rows")
        #expect(try await HTTP.get("/healthz", port: server.port).status == 200)
        await server.shutdown()
    }

    /// Under the limit, a batch of empty rows reports its first problems and a count, not one
    /// line per feature per row.
    @Test func problemReportsStayShort() throws {
        let bundle = try Self.bundle.get()
        let loaded = try BundleReader.open(bundle, trustedKey: nil)
        let rows = RequestRows(features: loaded.pipeline.preprocessor.features, maximumRows: 10_000)
        let body = Data(("{\"rows\":[" + Array(repeating: "{}", count: 9_000).joined(separator: ",") + "]}").utf8)
        #expect(throws: APIError.self) { try rows.parse(body) }
        do {
            _ = try rows.parse(body)
        } catch {
            #expect(error.status == 422)
            #expect(error.details.count == RequestRows.maximumDetails + 1)
            #expect(error.details.last == "… and \(9_000 * 7 - RequestRows.maximumDetails) more")
        }
    }

    /// The body is assembled in linear time: each part used to copy the whole body so far, so a
    /// 32 MiB body took seconds. A body of 32 MiB (one row padded with spaces, so parsing costs
    /// little) must take about 16 times as long as one of 2 MiB, not 256; the bound (64) is loose
    /// on purpose, as other suites run at the same time.
    @Test func largeBodiesAreAssembledInLinearTime() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.maximumBodyBytes = 40 << 20 }
        func timed(_ megabytes: Int) async throws -> Double {
            let padding = String(repeating: " ", count: megabytes << 20)
            let start = ContinuousClock.now
            let answer = try await HTTP.post(
                "/v1/predict", port: server.port, body: "{\"rows\": [\(sampleRow)]" + padding + "}")
            #expect(answer.status == 200, "\(answer.body.prefix(200))")
            return milliseconds(since: start)
        }
        _ = try await timed(1)
        let small = try await timed(2)
        let large = try await timed(32)
        print("body assembly: 2 MiB \(Int(small)) ms, 32 MiB \(Int(large)) ms, ratio \(large / small)")
        #expect(large < max(small, 25) * 64, "2 MiB: \(small) ms, 32 MiB: \(large) ms")
        await server.shutdown()
    }

    /// Token-less requests go to a table of their own: however many there are, every authorised
    /// prediction and its request stay in the log.
    @Test func rejectedRequestsNeverEvictAuthorisedOnes() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = folder + "/log.sqlite"
        let server = try await startServer(try Self.bundle.get()) { options in
            options.token = "s3cret"
            options.logPath = log
            options.logRetention = 20
        }
        for _ in 0..<5 {
            #expect(
                try await HTTP.post(
                    "/v1/predict", port: server.port, body: sampleRow, headers: ["Authorization": "Bearer s3cret"]
                ).status == 200)
        }
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow).status == 401)
        for _ in 0..<1_500 {
            let answer = server.service.handle(
                method: "POST", path: "/v1/predict", authorization: nil, contentType: "application/json", body: nil)
            #expect(answer.status == 401)
        }
        #expect(server.service.monitoringSummary().traffic.requests == 5)
        await server.shutdown()
        let (predictions, requests, rejected) = try await DatabaseQueue(path: log).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM predictions") ?? 0,
                try Int.fetchAll(db, sql: "SELECT status FROM requests"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejected WHERE status = 401") ?? 0
            )
        }
        #expect(predictions == 5)
        #expect(requests == [200, 200, 200, 200, 200])
        #expect(rejected == 1_501)
    }

    /// Redacted columns (by `--redact` or marked sensitive at export) show neither categories nor
    /// ranges in the OpenAPI document or the manifest.
    @Test func redactedColumnsShowNoValuesAnywhere() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try exportExamplePenguins(to: folder, extra: "sensitive=[island]")
        let server = try await startServer(bundle) { $0.redact = ["sex", "body_mass_g"] }
        let document = try await HTTP.get("/v1/openapi.yaml", port: server.port).body
        #expect(
            document.contains("\"sex\":") && document.contains("\"island\":") && document.contains("\"body_mass_g\":"))
        for secret in ["female", "Torgersen", "Biscoe", "known values: f", "training range 2700"] {
            #expect(!document.contains(secret), "the document shows \(secret)")
        }
        #expect(document.contains("known values:") == false)
        #expect(
            document.contains(
                "\"bill_length_mm\":\n          type: [number, \"null\"]\n          description: \"training range"))
        let model = try await HTTP.get("/v1/model", port: server.port)
        let inputs = try #require(model.json["inputs"] as? [[String: Any]])
        for name in ["sex", "body_mass_g", "island"] {
            let column = try #require(inputs.first { $0["name"] as? String == name })
            #expect(
                column["categories"] == nil && column["minimum"] == nil && column["maximum"] == nil,
                "\(name): \(column)")
        }
        let bill = try #require(inputs.first { $0["name"] as? String == "bill_length_mm" })
        #expect(bill["minimum"] != nil)
        // The bundle's own document, written at export, leaves out the sensitive column too.
        let exported = try String(contentsOfFile: bundle + "/openapi.yaml", encoding: .utf8)
        #expect(!exported.contains("Torgersen") && exported.contains("female"))
        // So do its manifest (no categories or range), its model card (no values) and its
        // example row (null, read as missing); the other columns keep theirs.
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle + "/manifest.json")))
                as? [String: Any])
        let listed = try #require(manifest["inputs"] as? [[String: Any]])
        let island = try #require(listed.first { $0["name"] as? String == "island" })
        #expect(island["categories"] == nil && island["sensitive"] as? Bool == true, "\(island)")
        let sex = try #require(listed.first { $0["name"] as? String == "sex" })
        #expect((sex["categories"] as? [String])?.contains("female") == true)
        let card = try String(contentsOfFile: bundle + "/MODEL_CARD.md", encoding: .utf8)
        #expect(
            !card.contains("Torgersen") && !card.contains("Biscoe")
                && card.contains("| island | text | 0.0% | sensitive: not shown |"), "\(card)")
        let example = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle + "/example.json")))
                as? [String: Any])
        #expect(example["island"] is NSNull && example["sex"] is String, "\(example)")
        // The example is still a row the server scores.
        let exampleText = try String(contentsOfFile: bundle + "/example.json", encoding: .utf8)
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: exampleText).status == 200)
        await server.shutdown()
    }

    /// A model with a date input (issue 22): the server takes any date in the training format
    /// without a warning (not only the dates training saw), and another text is a missing date
    /// with the session's wording, never "never seen in training".
    @Test func dateInputsAreReadAsDates() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        let bundle = folder + "/messy-tree"
        for line in [
            "load \"\(repositoryRoot)/examples/penguins_messy.csv\" as messy",
            "m = train tree on messy target=Species features=[Island, \"Date Egg\", \"Flipper Length (mm)\"]",
            "export m to \"\(bundle)\"",
        ] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        let server = try await startServer(bundle)
        func warnings(_ date: String) async throws -> [String] {
            let body = #"{"Island": "BISCOE", "Date Egg": "\#(date)", "Flipper Length (mm)": 200}"#
            let answer = try await HTTP.post("/v1/predict", port: server.port, body: body)
            #expect(answer.status == 200, "\(date): \(answer.body)")
            let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
            return (predictions.first?["warnings"] as? [String]) ?? []
        }
        // 11/16/08 is in the training file; 2/29/08 (a leap day) and 12/31/09 are not.
        for date in ["11/16/08", "2/29/08", "12/31/09"] {
            #expect(try await warnings(date).isEmpty, "\(date)")
        }
        for text in ["2008-11-16", "not a date", "2/30/08"] {
            let said = try await warnings(text)
            #expect(
                said == ["Date Egg = '\(text)' is not a date written MM/dd/yy as in training; treated as missing"],
                "\(text): \(said)")
        }
        await server.shutdown()
    }

    /// A model trained on derived columns is served on its raw columns: the server computes the
    /// derived ones (issue 25), gives the session's answer, and refuses a derived column sent as input.
    @Test func derivedColumnsAreComputedFromRawInputs() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        let bundle = folder + "/derived"
        for line in [
            "load \"\(repositoryRoot)/examples/penguins.csv\"",
            "derive penguins ratio = bill_length_mm / bill_depth_mm, dream = island == \"Dream\"",
            "m = train tree on penguins target=species features=[ratio, dream, flipper_length_mm]",
            "export m to \"\(bundle)\"",
        ] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        guard case .model(let model)? = session.lookup("m"), case .dataset(let data)? = session.lookup("penguins")
        else {
            Issue.record("m or penguins is not bound")
            return
        }
        let expected = try #require(
            try model.pipeline.predict(data.frame.selectingRows([0, 200])).labels(
                classes: model.pipeline.target.classes))
        let server = try await startServer(bundle)
        let rows = [0, 200].map { r in
            let number = { (c: String) in data.frame.column(named: c)?.text(at: r) ?? "null" }
            return
                #"{"island": "\#(data.frame.column(named: "island")?.text(at: r) ?? "")", "bill_length_mm": \#(number("bill_length_mm")), "bill_depth_mm": \#(number("bill_depth_mm")), "flipper_length_mm": \#(number("flipper_length_mm"))}"#
        }
        let answer = try await HTTP.post(
            "/v1/predict", port: server.port, body: #"{"rows": [\#(rows.joined(separator: ", "))]}"#)
        #expect(answer.status == 200, "\(answer.body)")
        let labels = (answer.json["predictions"] as? [[String: Any]])?.compactMap { $0["label"] as? String }
        #expect(labels == expected)
        let smuggled = try await HTTP.post(
            "/v1/predict", port: server.port,
            body:
                #"{"island": "Dream", "bill_length_mm": 40, "bill_depth_mm": 18, "flipper_length_mm": 190, "ratio": 100}"#
        )
        #expect(smuggled.status == 422 || smuggled.status == 400, "\(smuggled.body)")
        #expect(smuggled.body.contains("ratio"))
        await server.shutdown()
    }

    /// The prediction log and SQLite's -wal and -shm beside it hold request data: mode 0600.
    @Test func logFilesAreCreatedPrivate() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = folder + "/log.sqlite"
        let old = umask(0o022)
        defer { umask(old) }
        let server = try await startServer(try Self.bundle.get()) { $0.logPath = log }
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow).status == 200)
        // Flushed within the writer's interval (0.1 s); the WAL files exist while the log is open.
        var files: [String] = []
        for _ in 0..<100 where files.count < 4 {
            usleep(50_000)
            files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
                $0.hasPrefix("log.sqlite")
            }
        }
        #expect(Set(files) == ["log.sqlite", "log.sqlite.key", "log.sqlite-wal", "log.sqlite-shm"])
        for file in files {
            let mode = try #require(
                try FileManager.default.attributesOfItem(atPath: folder + "/" + file)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(file): \(String(mode, radix: 8))")
        }
        await server.shutdown()
    }

    /// `/v1/drift` is computed once per state of the window, and again only after rows arrive.
    @Test func driftSummariesAreCachedUntilTheWindowMoves() async throws {
        let server = try await startServer(try Self.bundle.get()) { $0.monitorInterval = .seconds(3600) }
        let monitor = server.service.monitor
        // The monitor thread computes a summary as it starts; on a loaded machine that can land
        // after the first request's, each computing the same window once. Wait for it first.
        for _ in 0..<400 where monitor.computations == 0 { try await _Concurrency.Task.sleep(for: .milliseconds(25)) }
        let first = try await HTTP.get("/v1/drift", port: server.port)
        #expect(first.status == 200)
        let computed = monitor.computations
        for _ in 0..<5 { #expect(try await HTTP.get("/v1/drift", port: server.port).body == first.body) }
        #expect(monitor.computations == computed)
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow).status == 200)
        let second = try await HTTP.get("/v1/drift", port: server.port)
        #expect(second.body != first.body)
        #expect(monitor.computations == computed + 1)
        _ = try await HTTP.get("/v1/drift", port: server.port)
        #expect(monitor.computations == computed + 1)
        await server.shutdown()
    }
}

/// Drift of a wide model (630 features): the monitor's verdicts, statistics and adjusted p-values
/// are those of validate's rule (`DriftJudgement`) on the whole window, one family of tests.
@Suite("Serving: drift of wide models")
struct WideDriftTests {
    @Test(arguments: [false, true])
    func monitorGivesValidatesJudgement(largeReference: Bool) throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let numbers = 600, texts = 30, referenceRows = largeReference ? 1_200 : 120, windowRows = 80
        let levels = ["a", "b", "c", "d"]
        func frame(rows: Int, shift: Bool) throws -> DataFrame {
            var columns: [Tabular.Column] = []
            for c in 0..<numbers {
                // Every third feature shifted in the window.
                let offset = shift && c % 3 == 0 ? 0.6 : 0
                columns.append(
                    Tabular.Column(name: "x\(c)", data: .numeric((0..<rows).map { _ in uniform() + offset })))
            }
            for c in 0..<texts {
                let skew = shift && c % 2 == 0
                columns.append(
                    Tabular.Column(
                        name: "t\(c)",
                        data: .categorical(
                            codes: (0..<rows).map { _ in Int32(skew ? min(3, Int(uniform() * 2)) : Int(uniform() * 4))
                            }, levels: levels)))
            }
            return try DataFrame(columns: columns)
        }
        let reference = try frame(rows: referenceRows, shift: false)
        let window = try frame(rows: windowRows, shift: true)
        let features = reference.columns.map { FeatureSpec(column: $0, rows: Array(0..<referenceRows)) }
        let predictions = ReferenceProfile(
            column: Tabular.Column(name: "y", data: .numeric((0..<referenceRows).map { _ in uniform() })))
        let bundleReference = BundleReference(
            rows: referenceRows, inputs: try ReferenceProfile(frame: reference), predictions: predictions)
        let inputs: [[JSONScalar]] = (0..<windowRows).map { r in
            window.columns.map { column in
                switch column.data {
                case .numeric(let v): .number(v[r])
                case .categorical: column.text(at: r).map(JSONScalar.text) ?? .null
                }
            }
        }
        let options = MonitorOptions(window: 1_000, minimumRows: 30)
        let summary = MonitoringSummary.compute(
            model: "m", reference: bundleReference, features: features, classes: [], inputs: inputs,
            outputs: inputs.map { _ in .number(uniform()) }, requests: [], rowsScored: windowRows, options: options)
        let rows = inputs.map { row in Dictionary(uniqueKeysWithValues: zip(features.map(\.name), row)) }
        let whole = try DriftJudgement(
            reference: bundleReference.inputs, current: try JSONScalar.frame(rows: rows, features: features),
            options: .validation
        ).inputs
        #expect(summary.features.count == numbers + texts)
        #expect(whole.features.count == numbers + texts)
        for (item, expected) in zip(summary.features, whole.features) {
            #expect(item.name == expected.name)
            #expect(item.drifted == expected.drifted, "\(item.name)")
            #expect(item.adjustedPValue == expected.adjustedPValue && item.adjustedPValue != nil)
            #expect(item.test == expected.decidedBy.rawValue)
            #expect(item.psi == expected.psi.flatMap { $0.isFinite ? $0 : nil })
            switch expected.decidedBy {
            case .kolmogorovSmirnov:
                #expect(item.pValue == expected.ks?.pValue && item.statistic == expected.ks?.statistic)
            case .chiSquare:
                #expect(item.pValue == expected.chiSquare?.pValue && item.statistic == expected.chiSquare?.statistic)
            case .wasserstein: #expect(item.statistic == expected.wasserstein?.normalized)
            case .jensenShannon: #expect(item.statistic == expected.jensenShannon)
            case .noValues: break
            }
        }
        // Something drifted and something did not: the comparison was not vacuous.
        #expect(summary.features.contains(where: \.drifted) && summary.features.contains { !$0.drifted })
    }
}
