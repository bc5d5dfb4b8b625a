import Foundation
import GRDB
import Serving
import Tabular
import Testing
import TestSupport
@testable import Workbench
import Bundles

/// The comparison of champion and challenger: agreement, the paired tests' use, and the
/// recommendation's wording, on hand-made rows.
@Suite("Champion and challenger: the comparison and its recommendation")
struct ChampionChallengerComparisonTests {
    /// `count` labelled rows of two classifiers: both right, only the champion, only the
    /// challenger, both wrong (in that order).
    private func labelled(both: Int, championOnly: Int, challengerOnly: Int, neither: Int) -> [PairedPrediction] {
        var rows: [PairedPrediction] = []
        func add(_ champion: String, _ challenger: String) {
            rows.append(
                PairedPrediction(
                    id: Int64(rows.count + 1), answeredBy: "m-champion", answered: .text(champion),
                    shadowModel: "m-challenger", shadowed: .text(challenger), truth: .text("yes")))
        }
        for _ in 0..<both { add("yes", "yes") }
        for _ in 0..<championOnly { add("yes", "no") }
        for _ in 0..<challengerOnly { add("no", "yes") }
        for _ in 0..<neither { add("no", "no") }
        return rows
    }

    @Test func aBetterChallengerIsNamedWithItsMarginAndEvidence() throws {
        // Accuracy 1078/1240 = 0.869 against 1040/1240 = 0.839: 3.06 points. McNemar on 40 vs 78
        // discordant rows: (|40 − 78| − 1)² / 118 = 11.60, p = 0.00066 (chi-square, 1 df).
        let c = try #require(
            ChampionChallengerComparison.compare(
                labelled(both: 1000, championOnly: 40, challengerOnly: 78, neither: 122), classification: true))
        #expect(c.labelledRows == 1240 && c.pairedRows == 1240)
        #expect(c.method == "chi-square with continuity correction")
        #expect(abs((c.statistic ?? 0) - 1369.0 / 118.0) < 1e-9)
        #expect(c.better == "challenger")
        #expect(
            c.recommendation
                == "the challenger is better by 3.1 points of accuracy (0.869 vs 0.839), p < 0.001 over 1,240 labelled rows; promote it (workbench promote)"
        )
        #expect(abs((c.agreement ?? 0) - 1122.0 / 1240.0) < 1e-12)
    }

    @Test func noEvidenceSaysSoAndWarnsOfLittlePower() throws {
        // 3 vs 5 discordant of 87: exact binomial, p = 2 · P(X ≤ 3 | n = 8) = 2 · 93/256 = 0.7265625.
        let c = try #require(
            ChampionChallengerComparison.compare(
                labelled(both: 70, championOnly: 3, challengerOnly: 5, neither: 9), classification: true))
        #expect(c.method == "exact binomial")
        #expect(abs((c.pValue ?? 0) - 0.7265625) < 1e-12)
        #expect(c.better == "neither")
        #expect(
            c.recommendation
                == "no evidence of a difference (p = 0.73 over 87 labelled rows); keep the champion; only 8 rows where exactly one model was right, so the test has little power"
        )
        // Fewer than 30 labelled rows: the caveat says so.
        let few = try #require(
            ChampionChallengerComparison.compare(
                labelled(both: 10, championOnly: 1, challengerOnly: 2, neither: 0), classification: true))
        #expect(
            few.recommendation.hasSuffix(
                "keep the champion; with so few labelled rows the test has little power: a real difference may not show yet"
            ))
    }

    @Test func aBetterChampionIsKept() throws {
        let c = try #require(
            ChampionChallengerComparison.compare(
                labelled(both: 100, championOnly: 30, challengerOnly: 5, neither: 0), classification: true))
        #expect(c.better == "champion")
        #expect(
            c.recommendation.hasPrefix(
                "the champion is better by 18.5 points of accuracy (0.963 vs 0.778), p < 0.001 over 135 labelled rows; keep the champion"
            ))
    }

    @Test func withoutOutcomesOnlyAgreementIsShown() throws {
        let rows = (1...10).map { i in
            PairedPrediction(
                id: Int64(i), answeredBy: "m-a", answered: .text(i <= 7 ? "x" : "y"), shadowModel: "m-b",
                shadowed: .text("x"))
        }
        let c = try #require(ChampionChallengerComparison.compare(rows, classification: true))
        #expect(c.agreement == 0.7)
        #expect(c.labelledRows == 0 && c.pValue == nil)
        #expect(c.recommendation.hasPrefix("no outcomes on these rows yet"))
        #expect(
            ChampionChallengerComparison.compare(
                [PairedPrediction(id: 1, answeredBy: "m-a", answered: .text("x"))], classification: true) == nil)
    }

    @Test func regressionUsesThePairedTTestOnAbsoluteErrors() throws {
        // Truth 10 on every row; the champion's absolute errors a, the challenger's b (the SciPy
        // case of PairedTestsTests): t = 1.7638342073763942, p = 0.1211222897751655.
        let a = [1.2, 0.8, 2.5, 1.9, 0.4, 3.1, 1.1, 0.9]
        let b = [1.0, 0.9, 2.0, 1.5, 0.6, 2.4, 1.2, 0.7]
        let rows = a.indices.map { i in
            PairedPrediction(
                id: Int64(i + 1), answeredBy: "m-a", answered: .number(10 + a[i]), shadowModel: "m-b",
                shadowed: .number(10 - b[i]), truth: .number(10))
        }
        let c = try #require(ChampionChallengerComparison.compare(rows, classification: false))
        #expect(c.test == "paired t-test on absolute errors")
        #expect(abs((c.statistic ?? 0) - 1.7638342073763942) < 1e-9)
        #expect(abs((c.pValue ?? 0) - 0.1211222897751655) < 1e-9)
        #expect(abs((c.meanAbsoluteDifference ?? 0) - zip(a, b).map { $0 + $1 }.reduce(0, +) / 8) < 1e-12)
        #expect(
            c.recommendation
                == "no evidence of a difference (p = 0.12 over 8 labelled rows); keep the champion; with so few labelled rows the test has little power: a real difference may not show yet"
        )
    }

    @Test func rowsFromBeforeAPromotionCountForTheSameTwoModels() throws {
        // Rows 1–2 answered by B with A in its shadow; rows 3–4 (after a promotion) by A with B.
        let rows = [
            PairedPrediction(
                id: 1, answeredBy: "m-b", answered: .text("no"), shadowModel: "m-a", shadowed: .text("yes"),
                truth: .text("yes")),
            PairedPrediction(
                id: 2, answeredBy: "m-b", answered: .text("no"), shadowModel: "m-a", shadowed: .text("yes"),
                truth: .text("yes")),
            PairedPrediction(
                id: 3, answeredBy: "m-a", answered: .text("yes"), shadowModel: "m-b", shadowed: .text("no"),
                truth: .text("yes")),
            PairedPrediction(
                id: 4, answeredBy: "m-a", answered: .text("yes"), shadowModel: "m-b", shadowError: "not finite"),
            PairedPrediction(id: 5, answeredBy: "m-a", answered: .text("yes")),
        ]
        let c = try #require(ChampionChallengerComparison.compare(rows, classification: true))
        #expect(c.champion == "m-a" && c.challenger == "m-b")
        #expect(c.championOnlyRight == 3 && c.challengerOnlyRight == 0)
        #expect(c.windowRows == 5 && c.pairedRows == 3 && c.failedRows == 1)
        #expect(
            c.lines[0]
                == "champion m-a vs challenger m-b: 3 of 5 rows in the window scored by both, challenger failed on 1, 1 without a challenger prediction (dropped, or served without one)"
        )
    }

    @Test func serverAddresses() throws {
        #expect(try AdminClient.parse(server: "http://127.0.0.1:8080") == ("127.0.0.1", 8080))
        #expect(try AdminClient.parse(server: "localhost:9000/v1") == ("localhost", 9000))
        #expect(try AdminClient.parse(server: "http://[::1]:81") == ("::1", 81))
        #expect(throws: ServingError.self) { try AdminClient.parse(server: "https://example.com") }
        #expect(throws: ServingError.self) { try AdminClient.parse(server: "http://host:99999") }
    }
}

/// `serve --shadow` and promotion over real loopback HTTP.
@Suite("Champion and challenger over HTTP (serve --shadow, promote)", .serialized)
struct ShadowServingTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let champion: Result<String, any Error> = Result { try exportPenguins(to: folder, algorithm: "linear") }
    static let challenger: Result<String, any Error> = Result { try exportPenguins(to: folder, algorithm: "tree") }

    /// `sampleRow` as an Open Inference Protocol request.
    static let v2Row = """
        {"inputs": [
          {"name": "island", "datatype": "BYTES", "shape": [1, 1], "data": ["Torgersen"]},
          {"name": "bill_length_mm", "datatype": "FP64", "shape": [1, 1], "data": [39.1]},
          {"name": "bill_depth_mm", "datatype": "FP64", "shape": [1, 1], "data": [18.7]},
          {"name": "flipper_length_mm", "datatype": "FP64", "shape": [1, 1], "data": [181]},
          {"name": "body_mass_g", "datatype": "FP64", "shape": [1, 1], "data": [3750]},
          {"name": "sex", "datatype": "BYTES", "shape": [1, 1], "data": ["male"]},
          {"name": "year", "datatype": "FP64", "shape": [1, 1], "data": [2007]}]}
        """

    private func predictions(_ answer: HTTPAnswer) throws -> [[String: Any]] {
        try #require(answer.json["predictions"] as? [[String: Any]], "\(answer.body)")
    }

    /// The answer without its ids, to compare answers of two servers.
    private func withoutIDs(_ answer: HTTPAnswer) throws -> String {
        answer.body.replacingOccurrences(of: #"\{"id":[0-9]+,"#, with: "{", options: .regularExpression)
    }

    @Test func theChampionAnswersAsAloneAndEveryRowHasTheChallengersPrediction() async throws {
        let log = Self.folder + "/shadow.sqlite"
        let rows = try penguinRows("penguins_fresh.csv")
        let shadowed = try await startServer(try Self.champion.get()) {
            $0.logPath = log
            $0.shadowBundlePath = try? Self.challenger.get()
        }
        let alone = try await startServer(try Self.champion.get())
        let challengerAlone = try await startServer(try Self.challenger.get())
        var challengerLabels: [Int64: String] = [:]
        var ids: [Int64] = []
        for row in rows {
            let a = try await HTTP.post("/v1/predict", port: shadowed.port, body: row)
            let b = try await HTTP.post("/v1/predict", port: alone.port, body: row)
            #expect(a.status == 200)
            // Same answer as without the challenger (the ids aside).
            #expect(try withoutIDs(a) == withoutIDs(b))
            let id = try #require((try predictions(a).first?["id"] as? NSNumber)?.int64Value)
            ids.append(id)
            let c = try await HTTP.post("/v1/predict", port: challengerAlone.port, body: row)
            challengerLabels[id] = try predictions(c).first?["label"] as? String
        }
        // A batch too.
        let batch = try await HTTP.post(
            "/v1/predict", port: shadowed.port, body: "{\"rows\": [\(rows[0]), \(rows[1])]}")
        let batchIDs = try predictions(batch).compactMap { ($0["id"] as? NSNumber)?.int64Value }
        // And the Open Inference Protocol's route, scored by the same path.
        let v2 = try await HTTP.post(
            "/v2/models/\(shadowed.service.bundle.manifest.name)/infer", port: shadowed.port, body: Self.v2Row)
        #expect(v2.status == 200, "\(v2.body)")
        let metrics = try await HTTP.get("/metrics", port: shadowed.port).body
        #expect(metrics.contains("workbench_shadow_rows_scored_total"))
        #expect(metrics.contains("workbench_shadow_agreement"))
        await shadowed.shutdown()
        await alone.shutdown()
        await challengerAlone.shutdown()
        let dropped =
            Int(
                metrics.split(separator: "\n").first { $0.hasPrefix("workbench_shadow_rows_dropped_total ") }?.split(
                    separator: " "
                ).last ?? "") ?? -1
        // Every answered row has the challenger's prediction under its id, or was a counted drop.
        let (answeredBy, shadow) = try await DatabaseQueue(path: log).read { db in
            (
                try Row.fetchAll(db, sql: "SELECT id, model FROM predictions").reduce(into: [Int64: String]()) {
                    $0[$1[0]] = $1[1]
                },
                try Row.fetchAll(db, sql: "SELECT prediction_id, model, answered_by, label FROM shadow").map {
                    ($0[0] as Int64, $0[1] as String, $0[2] as String, $0[3] as String?)
                }
            )
        }
        let championID = try BundleReaderTestSupport.modelID(Self.champion.get())
        let challengerID = try BundleReaderTestSupport.modelID(Self.challenger.get())
        #expect(answeredBy.count == rows.count + 3)
        #expect(Set(answeredBy.values) == [championID])
        #expect(
            shadow.count + dropped == answeredBy.count,
            "\(shadow.count) shadow rows, \(dropped) dropped, \(answeredBy.count) answered")
        for (id, model, by, label) in shadow {
            #expect(model == challengerID && by == championID)
            #expect(answeredBy[id] != nil)
            if let expected = challengerLabels[id] { #expect(label == expected, "row \(id)") }
        }
        #expect(Set(batchIDs).isSubset(of: Set(answeredBy.keys)))
        // monitor's comparison reads the same log.
        let comparison = try #require(try LogMonitor.comparison(logPath: log, options: MonitorOptions()))
        #expect(comparison.champion == championID && comparison.challenger == challengerID)
        #expect(comparison.pairedRows == shadow.count)
    }

    @Test func promotionSwapsTheModelsAndNeedsAChallengerAndTheToken() async throws {
        let log = Self.folder + "/promote.sqlite"
        let server = try await startServer(try Self.champion.get()) {
            $0.logPath = log
            $0.token = "s3cret"
            $0.shadowBundlePath = try? Self.challenger.get()
        }
        let auth = ["Authorization": "Bearer s3cret"]
        let championID = try BundleReaderTestSupport.modelID(Self.champion.get())
        let challengerID = try BundleReaderTestSupport.modelID(Self.challenger.get())
        let rows = try penguinRows("penguins_fresh.csv")
        let truth = try String(contentsOfFile: exampleData + "/penguins_fresh.csv", encoding: .utf8).split(
            separator: "\n"
        ).dropFirst().map { String($0.split(separator: ",")[0]) }
        var outcomes: [String] = []
        for (row, label) in zip(rows, truth) {
            let answer = try await HTTP.post("/v1/predict", port: server.port, body: row, headers: auth)
            #expect(answer.json["model"] as? String == championID)
            let id = try #require((try predictions(answer).first?["id"] as? NSNumber)?.int64Value)
            outcomes.append("{\"id\": \(id), \"label\": \"\(label)\"}")
        }
        let stored = try await HTTP.post(
            "/v1/feedback", port: server.port, body: "{\"outcomes\": [\(outcomes.joined(separator: ","))]}",
            headers: auth)
        #expect(stored.status == 200, "\(stored.body)")
        // Without the token: refused, nothing swapped.
        let refused = try await HTTP.post("/v1/admin/promote", port: server.port, body: "")
        #expect(refused.status == 401)
        let get = try await HTTP.get("/v1/admin/promote", port: server.port, headers: auth)
        #expect(get.status == 405)
        let promoted = try await HTTP.post("/v1/admin/promote", port: server.port, body: "", headers: auth)
        #expect(promoted.status == 200, "\(promoted.body)")
        let report = try JSONDecoder().decode(PromotionReport.self, from: Data(promoted.body.utf8))
        #expect(report.champion.model == challengerID && report.challenger.model == championID)
        let evidence = try #require(report.evidence)
        #expect(evidence.champion == championID && evidence.labelledRows == rows.count && evidence.test == "McNemar")
        #expect(report.counts.scored == rows.count)
        // The next request is answered by the new champion, under the same routes.
        let after = try await HTTP.post("/v1/predict", port: server.port, body: rows[0], headers: auth)
        #expect(after.json["model"] as? String == challengerID)
        let v2 = try await HTTP.post(
            "/v2/models/\(server.service.bundle.manifest.name)/infer", port: server.port, body: Self.v2Row,
            headers: auth)
        #expect(v2.status == 200 && v2.json["model_name"] as? String == "m", "\(v2.body)")
        let model = try await HTTP.get("/v1/model", port: server.port, headers: auth)
        #expect(model.body.contains(challengerID))
        let metrics = try await HTTP.get("/metrics", port: server.port, headers: auth).body
        #expect(metrics.contains("workbench_promotions_total 1"))
        await server.shutdown()
        // The log names the new champion (monitor reads its bundle) and which model answered each row.
        let (meta, models) = try await DatabaseQueue(path: log).read { db in
            (
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_id'"),
                try String.fetchAll(db, sql: "SELECT model FROM predictions ORDER BY id")
            )
        }
        #expect(meta == challengerID)
        #expect(models.suffix(2) == [challengerID, challengerID] && models.dropLast(2).allSatisfy { $0 == championID })
        // The roles the other way round open the same log.
        let restarted = try await startServer(try Self.challenger.get()) {
            $0.logPath = log
            $0.shadowBundlePath = try? Self.champion.get()
        }
        await restarted.shutdown()
        // The promotion, recorded as a run, is listed by `runs`.
        let session = makeSession()
        let registry = try #require(session.registry)
        _ = try registry.insert(RunRecord(promotion: report, server: "http://127.0.0.1:\(server.port)"))
        let listed = try #require(session.execute("runs kind=promote"))
        #expect(listed.output.plainText.contains("promote  tree"), "\(listed.output.plainText)")
        #expect(listed.output.plainText.contains("agree "))
    }

    @Test func rowsTheChallengersQueueCannotTakeAreDroppedAndCountedNotWaitedFor() async throws {
        let log = Self.folder + "/dropped.sqlite"
        let server = try await startServer(try Self.champion.get()) {
            $0.logPath = log
            $0.shadowBundlePath = try? Self.challenger.get()
            $0.shadowQueueRows = 2
        }
        // Three rows in one request: more than the queue holds, so all three are dropped for the
        // challenger; the answer is the champion's as ever.
        let answer = try await HTTP.post(
            "/v1/predict", port: server.port, body: "{\"rows\": [\(sampleRow), \(sampleRow), \(sampleRow)]}")
        #expect(answer.status == 200)
        #expect(try predictions(answer).count == 3)
        let metrics = try await HTTP.get("/metrics", port: server.port).body
        #expect(metrics.contains("workbench_shadow_rows_dropped_total 3"), "\(metrics)")
        await server.shutdown()
        let shadowRows = try await DatabaseQueue(path: log).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shadow")
        }
        #expect(shadowRows == 0)
        // monitor still names the challenger, and says why there is nothing to compare.
        let comparison = try #require(try LogMonitor.comparison(logPath: log, options: MonitorOptions()))
        #expect(comparison.pairedRows == 0 && comparison.windowRows == 3)
        #expect(comparison.challenger == (try BundleReaderTestSupport.modelID(Self.challenger.get())))
        #expect(
            comparison.recommendation.hasPrefix(
                "no row of the window has the challenger's prediction: they were dropped"))
    }

    @Test func promotionOnAServerWithoutATokenIsRefusedAndNothingSwapped() async throws {
        let server = try await startServer(try Self.champion.get()) { $0.shadowBundlePath = try? Self.challenger.get() }
        let refused = try await HTTP.post("/v1/admin/promote", port: server.port, body: "")
        let after = try await HTTP.post("/v1/predict", port: server.port, body: sampleRow)
        await server.shutdown()
        #expect(refused.status == 403)
        #expect(refused.json["error"] as? String == "promotion needs the server's token, and this server has none")
        #expect(after.json["model"] as? String == (try BundleReaderTestSupport.modelID(Self.champion.get())))
    }

    @Test func promotionWithoutAChallengerIsRefused() async throws {
        let server = try await startServer(try Self.champion.get())
        let refused = try await HTTP.post("/v1/admin/promote", port: server.port, body: "")
        await server.shutdown()
        #expect(refused.status == 409)
        #expect(refused.json["error"] as? String == "this server has no challenger to promote")
    }

    @Test func aChallengerOfAnotherTaskOrOtherInputsIsRefusedAtStart() async throws {
        let session = makeSession()
        let mass = Self.folder + "/mass", noYear = Self.folder + "/no-year"
        for line in [
            "load \"\(exampleData)/penguins_train.csv\" as penguins", "r = train linear on penguins target=body_mass_g",
            "export r to \"\(mass)\"",
            "y = train linear on penguins target=species drop=[year]", "export y to \"\(noYear)\"",
        ] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        for (challenger, expected) in [
            (mass, "is a regression model, the champion 'm' a classification one"),
            (noYear, "take different inputs: the champion also takes year"),
        ] {
            do {
                let server = try await startServer(try Self.champion.get()) { $0.shadowBundlePath = challenger }
                await server.shutdown()
                Issue.record("a challenger at \(challenger) was accepted")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }

    @Test func logsWrittenBeforeTheMigrationStillOpen() async throws {
        let log = Self.folder + "/old.sqlite"
        let server = try await startServer(try Self.champion.get()) { $0.logPath = log }
        _ = try await HTTP.post("/v1/predict", port: server.port, body: sampleRow)
        await server.shutdown()
        // As a log of the previous version: no column predictions.model, no table shadow.
        try await DatabaseQueue(path: log).write { db in
            try db.execute(sql: "ALTER TABLE predictions DROP COLUMN model; DROP TABLE shadow")
        }
        #expect(try LogMonitor.comparison(logPath: log, options: MonitorOptions()) == nil)
        _ = try LogMonitor.summary(logPath: log, options: MonitorOptions())
        // A server with a challenger migrates it and logs both.
        let shadowed = try await startServer(try Self.champion.get()) {
            $0.logPath = log
            $0.shadowBundlePath = try? Self.challenger.get()
        }
        _ = try await HTTP.post("/v1/predict", port: shadowed.port, body: sampleRow)
        await shadowed.shutdown()
        let comparison = try #require(try LogMonitor.comparison(logPath: log, options: MonitorOptions()))
        #expect(comparison.windowRows == 2 && comparison.pairedRows == 1)
    }
}

/// Model ids of exported bundles, for the tests' expectations.
enum BundleReaderTestSupport {
    static func modelID(_ bundle: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: bundle + "/manifest.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["modelID"] as? String ?? object["model_id"] as? String)
    }
}
