import Foundation
import GRDB
import Serving
import Testing
import TestSupport
import Workbench

/// `POST /v1/feedback` over real loopback HTTP: prediction ids, outcomes stored beside the
/// predictions, duplicates, unknown ids, wrong types, classes, limits, the token.
@Suite("Outcomes of served predictions (POST /v1/feedback)", .serialized)
struct FeedbackTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let bundle: Result<String, any Error> = Result { try exportPenguins(to: folder) }

    /// The ids of the predictions of one answer.
    private func ids(_ answer: HTTPAnswer) throws -> [Int64] {
        let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
        return try predictions.map { try #require(($0["id"] as? NSNumber)?.int64Value) }
    }

    private func outcomes(_ log: String) throws -> [Int64: String] {
        let queue = try DatabaseQueue(path: log)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT prediction_id, label FROM outcomes").reduce(into: [:]) {
                $0[$1[0] as Int64] = $1[1] as String
            }
        }
    }

    private func predictionIDs(_ log: String) throws -> [Int64] {
        try DatabaseQueue(path: log).read { db in try Int64.fetchAll(db, sql: "SELECT id FROM predictions ORDER BY id")
        }
    }

    @Test func predictionsCarryIdsThatContinueTheLogAcrossRestarts() async throws {
        let log = Self.folder + "/ids.sqlite"
        var server = try await startServer(try Self.bundle.get()) { $0.logPath = log }
        let one = try ids(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow))
        let batch = try ids(
            try await HTTP.post(
                "/v1/predict", port: server.port, body: "{\"rows\": [\(sampleRow), \(sampleRow), \(sampleRow)]}"))
        #expect(one == [1])
        #expect(batch == [2, 3, 4])
        await server.shutdown()
        // The log's rows have those ids.
        let logged = try predictionIDs(log)
        #expect(logged == [1, 2, 3, 4])
        // A new server on the same log never gives an id twice.
        server = try await startServer(try Self.bundle.get()) { $0.logPath = log }
        #expect(try ids(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow)) == [5])
        await server.shutdown()
    }

    @Test func outcomesAreStoredOnceBesideThePredictions() async throws {
        let log = Self.folder + "/outcomes.sqlite"
        let server = try await startServer(try Self.bundle.get()) { $0.logPath = log }
        let predicted = try ids(
            try await HTTP.post(
                "/v1/predict", port: server.port, body: "{\"rows\": [\(sampleRow), \(sampleRow), \(sampleRow)]}"))
        // At once, while the predictions may still be in the writer's queue.
        let first = try await HTTP.post(
            "/v1/feedback", port: server.port, body: "{\"id\": \(predicted[0]), \"label\": \"Adelie\"}")
        #expect(first.status == 200, "\(first.body)")
        #expect(first.json["recorded"] as? Int == 1 && first.json["unchanged"] as? Int == 0, "\(first.body)")
        // The same outcome again: idempotent.
        let again = try await HTTP.post(
            "/v1/feedback", port: server.port, body: "{\"id\": \(predicted[0]), \"label\": \"Adelie\"}")
        #expect(again.status == 200)
        #expect(again.json["recorded"] as? Int == 0 && again.json["unchanged"] as? Int == 1, "\(again.body)")
        // Another outcome for the same id: refused, the first kept.
        let contradicting = try await HTTP.post(
            "/v1/feedback", port: server.port, body: "{\"id\": \(predicted[0]), \"label\": \"Gentoo\"}")
        #expect(contradicting.status == 409, "\(contradicting.body)")
        #expect(
            (contradicting.json["details"] as? [String]) == [
                "id \(predicted[0]): label \"Adelie\" is already recorded; label \"Gentoo\" refused (an outcome is written once)"
            ])
        // Many at once; a batch with one contradiction stores nothing.
        let mixed = try await HTTP.post(
            "/v1/feedback", port: server.port,
            body: """
                {"outcomes": [{"id": \(predicted[1]), "label": "Chinstrap"}, {"id": \(predicted[0]), "label": "Gentoo"}]}
                """)
        #expect(mixed.status == 409)
        let many = try await HTTP.post(
            "/v1/feedback", port: server.port,
            body: """
                {"outcomes": [{"id": \(predicted[1]), "label": "Chinstrap"}, {"id": \(predicted[2]), "label": "Gentoo"}, {"id": \(predicted[0]), "label": "Adelie"}]}
                """)
        #expect(many.status == 200, "\(many.body)")
        #expect(many.json["recorded"] as? Int == 2 && many.json["unchanged"] as? Int == 1, "\(many.body)")
        let metrics = try await HTTP.get("/metrics", port: server.port).body
        #expect(metrics.contains("workbench_outcomes_recorded_total 3"))
        #expect(metrics.contains(#"workbench_http_requests_total{route="/v1/feedback",status="409"} 2"#))
        await server.shutdown()
        #expect(try outcomes(log) == [predicted[0]: "Adelie", predicted[1]: "Chinstrap", predicted[2]: "Gentoo"])
    }

    /// Each refused body: its status and a detail that says what is wrong. Nothing is stored.
    @Test(arguments: [
        (#"{"id": 999999, "label": "Adelie"}"#, 422, "id 999999: no prediction with this id in the log"),
        (
            #"{"id": "1", "label": "Adelie"}"#, 422,
            "id: expected a prediction id (a whole number from 1, as /v1/predict answered it), found the string \"1\""
        ),
        (#"{"id": 1.5, "label": "Adelie"}"#, 422, "id: expected a prediction id"),
        (#"{"id": 0, "label": "Adelie"}"#, 422, "id: expected a prediction id"),
        (#"{"id": 1e300, "label": "Adelie"}"#, 422, "id: expected a prediction id"),
        (#"{"label": "Adelie"}"#, 422, "id: missing"),
        (
            #"{"id": 1, "label": "Dodo"}"#, 422,
            "label: 'Dodo' is not one of the model's classes (\"Adelie\", \"Chinstrap\", \"Gentoo\")"
        ),
        (
            #"{"id": 1, "label": 2}"#, 422,
            "label: expected one of the classes as a string (\"Adelie\", \"Chinstrap\", \"Gentoo\"), found the number 2"
        ),
        (#"{"id": 1, "value": 2}"#, 422, "value: the model is a classifier: send the true class as \"label\""),
        (#"{"id": 1}"#, 422, "label: missing"),
        (#"{"id": 1, "label": "Adelie", "when": "now"}"#, 422, "when: unknown field"),
        (#"{"outcomes": []}"#, 422, "outcomes: expected a non-empty array"),
        (#"{"outcomes": [7]}"#, 422, "outcomes[0]: expected an object"),
        (
            #"{"outcomes": [{"id": 1, "label": "Adelie"}, {"id": 1, "label": "Gentoo"}]}"#, 422,
            "id 1: two different outcomes in one request"
        ),
        (#"[1, 2]"#, 422, "body: expected {\"id\": …, \"label\": …} or {\"outcomes\": [...]}, found an array"),
        (#"{"id": 1, "#, 400, "the body is not valid JSON"),
    ])
    func refusals(body: String, status: Int, message: String) async throws {
        let log = Self.folder + "/refusals-\(UUID().uuidString).sqlite"
        let server = try await startServer(try Self.bundle.get()) { $0.logPath = log }
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow).status == 200)
        let answer = try await HTTP.post("/v1/feedback", port: server.port, body: body)
        #expect(answer.status == status, "\(answer.body)")
        #expect(answer.headers["content-type"] == "application/json")
        let error = try #require(answer.json["error"] as? String)
        let details = try #require(answer.json["details"] as? [String])
        #expect((error + "\n" + details.joined(separator: "\n")).contains(message), "\(answer.body)")
        // The server still predicts, and nothing was stored.
        #expect(try await HTTP.post("/v1/predict", port: server.port, body: sampleRow).status == 200)
        await server.shutdown()
        #expect(try outcomes(log).isEmpty)
    }

    @Test func limitsTokenTypeAndNoLog() async throws {
        let log = Self.folder + "/limits.sqlite"
        let server = try await startServer(try Self.bundle.get()) { options in
            options.logPath = log
            options.maximumBodyBytes = 4_000
            options.maximumRows = 10
            options.token = "feedback-token"
        }
        let auth = ["Authorization": "Bearer feedback-token"]
        #expect(
            try await HTTP.post("/v1/feedback", port: server.port, body: #"{"id": 1, "label": "Adelie"}"#).status == 401
        )
        let huge = try await HTTP.post(
            "/v1/feedback", port: server.port,
            body: "{\"outcomes\": ["
                + Array(repeating: #"{"id": 1, "label": "Adelie"}"#, count: 500).joined(separator: ",") + "]}",
            headers: auth)
        #expect(huge.status == 413, "\(huge.body)")
        let many = try await HTTP.post(
            "/v1/feedback", port: server.port,
            body: "{\"outcomes\": [" + (1...11).map { "{\"id\": \($0), \"label\": \"Adelie\"}" }.joined(separator: ",")
                + "]}", headers: auth)
        #expect(many.status == 413)
        #expect((many.json["error"] as? String) == "the request has more than 10 outcomes")
        let text = try await HTTP.request(
            "POST", port: server.port, path: "/v1/feedback", body: #"{"id": 1, "label": "Adelie"}"#,
            headers: ["Content-Type": "text/plain"].merging(auth) { $1 })
        #expect(text.status == 415)
        #expect(try await HTTP.get("/v1/feedback", port: server.port, headers: auth).status == 405)
        #expect(try await HTTP.get("/healthz", port: server.port).status == 200)
        await server.shutdown()

        let unlogged = try await startServer(try Self.bundle.get())
        let refused = try await HTTP.post("/v1/feedback", port: unlogged.port, body: #"{"id": 1, "label": "Adelie"}"#)
        #expect(refused.status == 409)
        #expect((refused.json["error"] as? String)?.contains("keeps no prediction log") == true)
        await unlogged.shutdown()
    }

    /// The fresh penguins served, their true species sent back: the realised accuracy the server
    /// and `monitor` report is the share of answers that match, counted here by hand, with
    /// Wilson's interval; `/metrics` exports it and the labelled share.
    @Test func realisedAccuracyFromFeedbackMatchesAHandCount() async throws {
        let log = Self.folder + "/realised.sqlite"
        let server = try await startServer(try Self.bundle.get()) { options in
            options.logPath = log
            options.monitor.window = 100
            options.monitorInterval = .seconds(3600)
        }
        let rows = try penguinRows("penguins_fresh.csv")
        let truth = try String(contentsOfFile: exampleData + "/penguins_fresh.csv", encoding: .utf8).split(
            separator: "\n"
        ).dropFirst()
            .map { String($0.split(separator: ",", omittingEmptySubsequences: false)[0]) }
        let answer = try await HTTP.post(
            "/v1/predict", port: server.port, body: "{\"rows\": [\(rows.joined(separator: ","))]}")
        let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
        let predicted = predictions.map { $0["label"] as? String ?? "" }
        let predictedIDs = try ids(answer)
        // Outcomes for the first 50 rows only.
        let labelled = 50
        let body = (0..<labelled).map { "{\"id\": \(predictedIDs[$0]), \"label\": \"\(truth[$0])\"}" }.joined(
            separator: ",")
        #expect(try await HTTP.post("/v1/feedback", port: server.port, body: "{\"outcomes\": [\(body)]}").status == 200)
        let correct = (0..<labelled).filter { predicted[$0] == truth[$0] }.count
        let summary = server.service.evaluateMonitoring()
        let performance = try #require(summary.performance)
        #expect(performance.metric == "accuracy")
        #expect(performance.windowRows == rows.count)
        #expect(performance.labelledRows == labelled)
        #expect(performance.value == Double(correct) / Double(labelled))
        // Wilson's interval by hand: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
        let n = Double(labelled), p = Double(correct) / n, z = 1.959963984540054
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / (1 + z * z / n)
        #expect(abs((performance.lower ?? -1) - max(0, centre - half)) < 1e-12)
        #expect(abs((performance.upper ?? -1) - min(1, centre + half)) < 1e-12)
        #expect(performance.validationSource == "cv_accuracy")
        // Per class: the share of each true species predicted right, counted here.
        for figure in try #require(performance.perClass) {
            let rows = (0..<labelled).filter { truth[$0] == figure.label }
            #expect(figure.rows == rows.count)
            #expect(
                figure.recall
                    == (rows.isEmpty
                        ? nil : Double(rows.filter { predicted[$0] == figure.label }.count) / Double(rows.count)))
        }
        #expect(performance.perClass?.map(\.label) == ["Adelie", "Chinstrap", "Gentoo"])
        // CBPE on the labelled rows: the mean probability of the predicted class, by hand.
        let confidence = (0..<labelled).map { r in
            (predictions[r]["probabilities"] as? [String: Double])?[predicted[r]] ?? .nan
        }
        #expect(abs((performance.estimated?.labelled ?? -1) - confidence.reduce(0, +) / n) < 1e-12)
        #expect(performance.estimated?.calibrated == false)
        let metrics = try await HTTP.get("/metrics", port: server.port).body
        #expect(metrics.contains("workbench_labelled_rows \(labelled)"))
        #expect(metrics.contains("workbench_labelled_share \(Double(labelled) / Double(rows.count))"), "\(metrics)")
        #expect(metrics.contains("workbench_realised_metric{metric=\"accuracy\"} \(Double(correct) / n)"))
        // /v1/drift carries the same figures.
        let drift = try await HTTP.get("/v1/drift", port: server.port)
        let reported = try #require(drift.json["performance"] as? [String: Any], "\(drift.body.suffix(300))")
        #expect(reported["labelledRows"] as? Int == labelled && reported["value"] as? Double == Double(correct) / n)
        await server.shutdown()

        // `monitor` reads the same from the log.
        var options = MonitorOptions()
        options.window = 100
        let fromLog = try LogMonitor.summary(logPath: log, options: options)
        #expect(fromLog.performance == performance)
        let text = MonitorReport.render(fromLog, source: "realised.sqlite")
        #expect(text.contains("outcomes: 50 of \(rows.count) rows in the window labelled"), "\(text)")
        #expect(text.contains("realised accuracy \(String(format: "%.4g", p)) (95% CI"), "\(text)")
        #expect(text.contains("estimated accuracy (CBPE"), "\(text)")
    }

    /// The alert command runs when the realised accuracy's interval lies below the validation
    /// figure minus the tolerance, and not when the same predictions get their own labels back.
    @Test func performanceAlertRunsTheAlertCommandExactlyWhenBelow() async throws {
        for wrong in [false, true] {
            let log = Self.folder + "/alert-\(wrong).sqlite"
            let alerts = Self.folder + "/alerts-\(wrong).jsonl"
            let server = try await startServer(try Self.bundle.get()) { options in
                options.logPath = log
                options.monitor.window = 100
                options.monitorInterval = .seconds(3600)
                options.alertCommand = try? AlertCommand(arguments: ["tee", "-a", alerts])
            }
            let rows = try penguinRows("penguins_fresh.csv").prefix(40)
            let answer = try await HTTP.post(
                "/v1/predict", port: server.port, body: "{\"rows\": [\(rows.joined(separator: ","))]}")
            let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
            // The model's own answers as outcomes (accuracy 1), or another class each time (0).
            let body = try predictions.map { p in
                let label = try #require(p["label"] as? String)
                let sent = wrong ? (label == "Adelie" ? "Gentoo" : "Adelie") : label
                return "{\"id\": \(try #require((p["id"] as? NSNumber)?.int64Value)), \"label\": \"\(sent)\"}"
            }
            #expect(
                try await HTTP.post(
                    "/v1/feedback", port: server.port, body: "{\"outcomes\": [\(body.joined(separator: ","))]}"
                ).status == 200)
            let summary = server.service.evaluateMonitoring()
            #expect(summary.performance?.value == (wrong ? 0 : 1))
            #expect(summary.alerts.contains { $0.feature == RealisedPerformance.alertName } == wrong)
            let metrics = try await HTTP.get("/metrics", port: server.port).body
            #expect(metrics.contains("workbench_performance_alert \(wrong ? 1 : 0)"), "\(metrics)")
            await server.shutdown()
            if wrong {
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline,
                    !((try? String(contentsOfFile: alerts, encoding: .utf8)) ?? "").contains("(performance)")
                { usleep(50_000) }
                let text = try String(contentsOfFile: alerts, encoding: .utf8)
                #expect(text.contains(#""feature":"(performance)""#), "\(text)")
                #expect(
                    text.contains("realised accuracy 0 (95% CI ")
                        && text.contains("40 labelled rows) lies wholly below the validation figure"), "\(text)")
            } else {
                // (The first 40 fresh penguins are mostly Adelie: their drift alerts may fire; no performance alert.)
                usleep(300_000)
                #expect(!((try? String(contentsOfFile: alerts, encoding: .utf8)) ?? "").contains("(performance)"))
            }
        }
    }

    /// A regressor takes values, refuses labels and text, and `monitor` reports RMSE and MAE.
    @Test func regressionOutcomesAreValues() async throws {
        let session = makeSession()
        let bundle = Self.folder + "/mass"
        for line in [
            "load \"\(exampleData)/penguins_train.csv\" as penguins", "m = train linear on penguins target=body_mass_g",
            "export m to \"\(bundle)\"",
        ] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        let log = Self.folder + "/mass.sqlite"
        let server = try await startServer(bundle) { $0.logPath = log }
        let row =
            #"{"species": "Adelie", "island": "Torgersen", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "sex": "male", "year": 2007}"#
        let answer = try await HTTP.post("/v1/predict", port: server.port, body: "{\"rows\": [\(row), \(row)]}")
        #expect(answer.status == 200, "\(answer.body)")
        let predicted = try ids(answer)
        let value = try #require((answer.json["predictions"] as? [[String: Any]])?.first?["value"] as? Double)
        #expect(
            try await HTTP.post("/v1/feedback", port: server.port, body: "{\"id\": \(predicted[0]), \"value\": 3750}")
                .status == 200)
        for (body, message) in [
            (
                "{\"id\": \(predicted[1]), \"label\": \"Adelie\"}",
                "label: the model is a regressor: send the true value as \"value\""
            ),
            (
                "{\"id\": \(predicted[1]), \"value\": \"heavy\"}",
                "value: expected a finite number, found the string \"heavy\""
            ),
            ("{\"id\": \(predicted[0]), \"value\": 3751}", "value 3750 is already recorded; value 3751 refused"),
        ] {
            let refused = try await HTTP.post("/v1/feedback", port: server.port, body: body)
            #expect(refused.status == (message.contains("already") ? 409 : 422))
            #expect(((refused.json["details"] as? [String]) ?? []).contains { $0.contains(message) }, "\(refused.body)")
        }
        await server.shutdown()
        let performance = try #require(try LogMonitor.summary(logPath: log, options: MonitorOptions()).performance)
        #expect(performance.metric == "rmse" && performance.labelledRows == 1)
        #expect(abs((performance.value ?? 0) - abs(3750 - value)) < 1e-9)
        #expect(abs((performance.mae ?? 0) - abs(3750 - value)) < 1e-9)
    }

    /// `monitor --windows K`: consecutive windows of the log, oldest first, each with the figures
    /// of its own rows, counted here by hand.
    @Test func realisedAccuracyPerWindowMatchesAHandCount() async throws {
        let log = Self.folder + "/history.sqlite"
        let server = try await startServer(try Self.bundle.get()) { $0.logPath = log }
        let rows = try penguinRows("penguins_fresh.csv")
        let truth = try String(contentsOfFile: exampleData + "/penguins_fresh.csv", encoding: .utf8).split(
            separator: "\n"
        ).dropFirst()
            .map { String($0.split(separator: ",", omittingEmptySubsequences: false)[0]) }
        let answer = try await HTTP.post(
            "/v1/predict", port: server.port, body: "{\"rows\": [\(rows.joined(separator: ","))]}")
        let predicted = try #require(answer.json["predictions"] as? [[String: Any]]).map {
            $0["label"] as? String ?? ""
        }
        let predictedIDs = try ids(answer)
        // Outcomes for every third row.
        let labelled = Array(stride(from: 0, to: rows.count, by: 3))
        let body = labelled.map { "{\"id\": \(predictedIDs[$0]), \"label\": \"\(truth[$0])\"}" }.joined(separator: ",")
        #expect(try await HTTP.post("/v1/feedback", port: server.port, body: "{\"outcomes\": [\(body)]}").status == 200)
        await server.shutdown()
        var options = MonitorOptions()
        options.window = 30
        let windows = try LogMonitor.history(logPath: log, options: options, count: 3)
        // 69 rows: the newest two windows of 30, the oldest of the 9 before them.
        let bounds = [0..<9, 9..<39, 39..<69]
        #expect(windows.count == 3)
        for (w, range) in zip(windows, bounds) {
            #expect(w.firstID == predictedIDs[range.lowerBound] && w.lastID == predictedIDs[range.upperBound - 1])
            let mine = labelled.filter { range.contains($0) }
            #expect(w.performance.windowRows == range.count && w.performance.labelledRows == mine.count)
            #expect(
                w.performance.value == Double(mine.filter { predicted[$0] == truth[$0] }.count) / Double(mine.count))
        }
        let table = MonitorReport.history(windows)
        #expect(table.hasPrefix("realised accuracy per window, oldest first"), "\(table)")
        #expect(table.contains("\(predictedIDs[39])–\(predictedIDs[68])"), "\(table)")
        #expect(throws: ServingError.self) { try LogMonitor.history(logPath: log, options: options, count: 10_000) }
    }

    /// Windows by time (`monitor --since`): only the rows logged in the last seconds, and the
    /// history in windows of that many seconds.
    @Test func windowsByTime() async throws {
        let log = Self.folder + "/time.sqlite"
        let server = try await startServer(try Self.bundle.get()) { $0.logPath = log }
        // Outcomes for a batch: the model's own answers (all right), or another class (all wrong).
        func batch(_ n: Int, right: Bool) async throws {
            let answer = try await HTTP.post(
                "/v1/predict", port: server.port,
                body: "{\"rows\": [\(Array(repeating: sampleRow, count: n).joined(separator: ","))]}")
            let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
            let body = try predictions.map { p in
                let label = try #require(p["label"] as? String)
                return
                    "{\"id\": \(try #require((p["id"] as? NSNumber)?.int64Value)), \"label\": \"\(right ? label : (label == "Adelie" ? "Gentoo" : "Adelie"))\"}"
            }
            #expect(
                try await HTTP.post(
                    "/v1/feedback", port: server.port, body: "{\"outcomes\": [\(body.joined(separator: ","))]}"
                ).status == 200)
        }
        try await batch(10, right: true)
        try await Task.sleep(for: .milliseconds(3_500))
        try await batch(20, right: false)
        await server.shutdown()
        var options = MonitorOptions()
        options.window = 100
        options.seconds = 3
        // The last 3 s hold the second batch only.
        let summary = try LogMonitor.summary(logPath: log, options: options)
        #expect(summary.windowRows == 20 && summary.traffic.requests == 1)
        #expect(summary.performance?.labelledRows == 20 && summary.performance?.value == 0)
        // Two windows of 3 s: the first batch (right), then the second (wrong).
        let windows = try LogMonitor.history(logPath: log, options: options, count: 2)
        #expect(windows.map(\.performance.labelledRows) == [10, 20])
        #expect(windows.map(\.performance.value) == [1, 0])
        #expect(windows.map(\.firstID) == [1, 11])
        #expect(MonitorReport.history(windows).contains("logged (UTC)"))
    }
}
