import Foundation
import GRDB
import Learning
@testable import Serving
import Testing
import TestSupport
import Bundles
import Diagnostics

/// Realised performance on the labelled rows of a window, checked against direct computations;
/// the alert rule at its boundary; outcomes from a CSV file; logs older than outcomes.
@Suite("Realised performance")
struct RealisedPerformanceTests {
    /// `correct` right answers among `n` labelled rows, then `unlabelled` rows without outcomes.
    private func classificationRows(correct: Int, n: Int, unlabelled: Int = 0) -> [LabelledPrediction] {
        (0..<n).map { i in
            LabelledPrediction(predicted: .text("a"), truth: .text(i < correct ? "a" : "b"), confidence: 0.8)
        }
            + Array(
                repeating: LabelledPrediction(predicted: .text("b"), truth: nil, confidence: 0.6), count: unlabelled)
    }

    @Test func accuracyWithWilsonsIntervalAndCBPE() {
        // 30 right of 40 labelled, 10 unlabelled: accuracy 0.75.
        let p = RealisedPerformance.compute(
            rows: classificationRows(correct: 30, n: 40, unlabelled: 10), classification: true,
            metrics: ["cv_accuracy": 0.9], tolerance: nil, minimumRows: 30, calibration: nil)
        #expect(p.value == 0.75)
        #expect(p.labelledRows == 40 && p.windowRows == 50 && p.labelledShare == 0.8)
        // Wilson, z = 1.96: centre (0.75 + 3.8415/80) / (1 + 3.8415/40) = 0.7980 / 1.0960 = 0.7281;
        // half 1.96·√(0.1875/40 + 3.8415/6400) / 1.0960 = 1.96·0.07274 / 1.0960 = 0.1301.
        #expect(abs((p.lower ?? 0) - 0.5980) < 1e-3)
        #expect(abs((p.upper ?? 0) - 0.8582) < 1e-3)
        #expect(p.validation == 0.9 && p.validationSource == "cv_accuracy" && p.tolerance == 0.05)
        // 0.8582 ≥ 0.9 − 0.05 = 0.85: not below.
        #expect(!p.breached)
        // CBPE: mean confidence over the window (40 × 0.8 + 10 × 0.6) / 50 = 0.76; labelled 0.8.
        #expect(abs((p.estimated?.window ?? 0) - 0.76) < 1e-12)
        #expect(abs((p.estimated?.labelled ?? 0) - 0.8) < 1e-12)
        // The validation figure, when there is one, wins over cross-validation's.
        let validated = RealisedPerformance.compute(
            rows: [], classification: true, metrics: ["cv_accuracy": 0.9, "validation_accuracy": 0.8],
            tolerance: 0.02, minimumRows: 30, calibration: "isotonic")
        #expect(
            validated.validation == 0.8 && validated.validationSource == "validation_accuracy" && validated.value == nil
        )
        #expect(validated.estimated?.calibrated == true)
    }

    /// The alert fires exactly when Wilson's upper bound is below validation − tolerance, and never
    /// with fewer labelled rows than the minimum.
    @Test func alertFiresExactlyWhenTheIntervalLiesBelow() {
        var fired: [Int] = []
        for correct in 0...100 {
            let p = RealisedPerformance.compute(
                rows: classificationRows(correct: correct, n: 100), classification: true,
                metrics: ["cv_accuracy": 0.95], tolerance: 0.05, minimumRows: 30, calibration: nil)
            let upper = ScoreInterval.wilson(successes: correct, trials: 100)?.upper ?? 1
            #expect(p.breached == (upper < 0.90), "\(correct) right: upper \(upper)")
            #expect((p.alert != nil) == p.breached)
            if p.breached { fired.append(correct) }
        }
        // Wilson's upper bound, z = 1.96: 84 right of 100 gives 0.8991 < 0.90; 85 right gives 0.9069.
        #expect(fired == Array(0...84))
        let few = RealisedPerformance.compute(
            rows: classificationRows(correct: 0, n: 29), classification: true,
            metrics: ["cv_accuracy": 0.95], tolerance: 0.05, minimumRows: 30, calibration: nil)
        #expect(!few.breached)
        let nothingToCompare = RealisedPerformance.compute(
            rows: classificationRows(correct: 0, n: 100), classification: true,
            metrics: [:], tolerance: 0.05, minimumRows: 30, calibration: nil)
        #expect(!nothingToCompare.breached)
    }

    @Test func regressionRMSEAndMAEWithTheProjectsBootstrap() throws {
        let truth = (0..<60).map { Double($0) }
        let predicted = truth.enumerated().map { i, t in t + Double((i * 7) % 5) - 2 }
        let rows =
            zip(predicted, truth).map { LabelledPrediction(predicted: .number($0), truth: .number($1)) } + [
                LabelledPrediction(predicted: .number(3))
            ]
        let p = RealisedPerformance.compute(
            rows: rows, classification: false, metrics: ["cv_rmse": 1.0], tolerance: nil, minimumRows: 30,
            calibration: nil)
        // Errors cycle through −2…2 (12 times each): RMSE √((4+1+0+1+4)/5) = √2, MAE (2+1+0+1+2)/5 = 1.2.
        #expect(abs((p.value ?? 0) - 2.0.squareRoot()) < 1e-12)
        #expect(abs((p.mae ?? 0) - 1.2) < 1e-12)
        #expect(p.labelledRows == 60 && p.windowRows == 61 && p.intervalMethod == "bootstrap" && p.estimated == nil)
        // The same interval as the project's bootstrap of RMSE over whole reports, same seed.
        let rmse = try #require(MetricCatalog.named("rmse"))
        let reference = try #require(
            ScoreInterval.bootstrap(
                metric: rmse, target: .values(truth), prediction: .values(predicted),
                seed: RealisedPerformance.bootstrapSeed))
        #expect(abs((p.lower ?? 0) - reference.lower) < 1e-12 && abs((p.upper ?? 0) - reference.upper) < 1e-12)
        let mae = try #require(MetricCatalog.named("mae"))
        let maeReference = try #require(
            ScoreInterval.bootstrap(
                metric: mae, target: .values(truth), prediction: .values(predicted),
                seed: RealisedPerformance.bootstrapSeed))
        #expect(
            abs((p.maeLower ?? 0) - maeReference.lower) < 1e-12 && abs((p.maeUpper ?? 0) - maeReference.upper) < 1e-12)
        // Default tolerance 10 % of the validation RMSE: alert when the lower bound > 1.1.
        #expect(p.tolerance == 0.1)
        #expect(p.breached == ((p.lower ?? 0) > 1.1))
        #expect(p.breached)
        let tolerant = RealisedPerformance.compute(
            rows: rows, classification: false, metrics: ["cv_rmse": 1.0], tolerance: 1, minimumRows: 30,
            calibration: nil)
        #expect(!tolerant.breached)
    }

    /// The performance alert joins the drift alerts: status, ALERT line, and once per breach.
    @Test func performanceAlertTakesTheDriftAlertsPath() {
        let breached = RealisedPerformance.compute(
            rows: classificationRows(correct: 10, n: 100), classification: true,
            metrics: ["cv_accuracy": 0.95], tolerance: nil, minimumRows: 30, calibration: nil)
        let base = MonitoringSummary(
            model: "m", windowCapacity: 100, windowRows: 100, status: "ok",
            traffic: .init(requests: 1, errors: 0, errorRate: 0, rowsScored: 100), features: [], predictions: nil,
            alerts: [])
        let summary = base.with(performance: breached)
        #expect(summary.status == "alert")
        #expect(summary.alerts.map(\.feature) == [RealisedPerformance.alertName])
        let text = MonitorReport.render(summary, source: "log")
        #expect(
            text.contains(
                "ALERT realised accuracy 0.1 (95% CI 0.05523–0.1744, 100 labelled rows) lies wholly below the validation figure 0.95 minus the tolerance 0.05 = 0.9"
            ), "\(text)")
        var tracker = BreachTracker()
        #expect(tracker.starting(in: summary, rowsScored: 100, window: 100).count == 1)
        #expect(tracker.starting(in: summary, rowsScored: 150, window: 100).isEmpty)
        // Back above: no alert, status ok again.
        let fine = base.with(
            performance: RealisedPerformance.compute(
                rows: classificationRows(correct: 95, n: 100), classification: true,
                metrics: ["cv_accuracy": 0.95], tolerance: nil, minimumRows: 30, calibration: nil))
        #expect(fine.status == "ok" && fine.alerts.isEmpty)
    }
}

/// Outcomes from a CSV (`monitor --labels FILE key=COLUMN`) and logs without an outcomes table.
@Suite("Outcomes from a file and from older logs", .serialized)
struct OutcomeFileTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()

    private func write(_ text: String, _ name: String) throws -> String {
        let path = Self.folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Makes `log` look as an older version wrote it.
    private func dropOutcomes(_ log: String) throws {
        try edit(log, "DROP TABLE outcomes")
    }

    private func edit(_ log: String, _ sql: String) throws {
        try DatabaseQueue(path: log).write { try $0.execute(sql: sql) }
    }

    @Test func wordsAndErrors() throws {
        #expect(
            try OutcomeFile(words: ["o.csv", "key=pid", "truth=species"])
                == OutcomeFile(path: "o.csv", key: "pid", truth: "species"))
        #expect(try OutcomeFile(words: ["o.csv"]) == OutcomeFile(path: "o.csv"))
        #expect(throws: ServingError.self) { try OutcomeFile(words: ["o.csv", "colour=red"]) }
        #expect(throws: ServingError.self) { try OutcomeFile(words: ["o.csv", "log.sqlite"]) }
        let classes = ["Adelie", "Gentoo"]
        let good = try write("pid,species,note\n3,Adelie,x\n1,Gentoo,\n2,,late\n3,Adelie,again\n", "good.csv")
        #expect(
            try OutcomeFile(path: good, key: "pid").outcomes(classes: classes, target: "species") == [
                3: .text("Adelie"), 1: .text("Gentoo"),
            ])
        let cases: [(String, String)] = [
            (
                "pid,species\n1,Dodo\n",
                "line 2: 'Dodo' in column 'species' is not one of the model's classes ('Adelie', 'Gentoo')"
            ),
            ("pid,species\n1.5,Adelie\n", "line 2: '1.5' in column 'pid' is not a prediction id"),
            ("pid,species\n1,Adelie\n1,Gentoo\n", "line 3: prediction 1 has two different outcomes"),
            ("id,species\n1,Adelie\n", "no column 'pid' of prediction ids (its columns: id, species)"),
            ("pid,kind\n1,Adelie\n", "no column 'label' of outcomes"),
        ]
        for (i, (text, message)) in cases.enumerated() {
            let path = try write(text, "bad\(i).csv")
            do {
                _ = try OutcomeFile(path: path, key: "pid").outcomes(classes: classes, target: "species")
                Issue.record("expected \(message)")
            } catch {
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
        let regression = try write("id,value\n1,2.5\n2,x\n", "regression.csv")
        #expect(throws: ServingError.self) { try OutcomeFile(path: regression).outcomes(classes: [], target: "mass") }
    }

    /// `monitor LOG --labels FILE` joins the file instead of the log's outcomes; a log written
    /// before outcomes existed (no table) still reads, with no outcomes.
    @Test func labelsFileAndOlderLogs() async throws {
        let bundle = try exportPenguins(to: Self.folder)
        let log = Self.folder + "/labels.sqlite"
        let server = try await startServer(bundle) { $0.logPath = log }
        let rows = try penguinRows("penguins_fresh.csv").prefix(40)
        let answer = try await HTTP.post(
            "/v1/predict", port: server.port, body: "{\"rows\": [\(rows.joined(separator: ","))]}")
        let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
        // One outcome in the log itself.
        #expect(
            try await HTTP.post("/v1/feedback", port: server.port, body: #"{"id": 1, "label": "Gentoo"}"#).status == 200
        )
        await server.shutdown()
        // The file: the predicted class for the first 30 rows, a wrong one for the next 5.
        var csv = "prediction,species\n"
        for (i, p) in predictions.enumerated().prefix(35) {
            let label = p["label"] as? String ?? ""
            csv +=
                "\(((p["id"] as? NSNumber)?.int64Value ?? 0)),\(i < 30 ? label : (label == "Adelie" ? "Gentoo" : "Adelie"))\n"
        }
        let file = try write(csv, "outcomes.csv")
        var options = MonitorOptions()
        options.window = 100
        let joined = try LogMonitor.summary(
            logPath: log, options: options, labels: OutcomeFile(path: file, key: "prediction"))
        let performance = try #require(joined.performance)
        #expect(performance.labelledRows == 35)
        #expect(performance.value == 30.0 / 35.0)
        let fromLog = try #require(try LogMonitor.summary(logPath: log, options: options).performance)
        #expect(fromLog.labelledRows == 1)

        // The same log as an older version wrote it: no outcomes table.
        try dropOutcomes(log)
        let older = try LogMonitor.summary(logPath: log, options: options)
        #expect(older.windowRows == 40)
        #expect(older.performance?.labelledRows == 0)
        #expect(MonitorReport.render(older, source: "log").contains("realised accuracy: no outcomes yet"))

        // An edited log: outcomes as a view (not read), then a table of garbage (read through casts:
        // a label that is a number, a blob, a row for no prediction) — never a crash.
        try edit(
            log,
            "CREATE VIEW outcomes AS SELECT id AS prediction_id, 0 AS time, 'Adelie' AS label, NULL AS value FROM predictions"
        )
        #expect(try LogMonitor.summary(logPath: log, options: options).performance?.labelledRows == 0)
        try edit(
            log,
            """
            DROP VIEW outcomes;
            CREATE TABLE outcomes (prediction_id, time, label, value);
            INSERT INTO outcomes VALUES (1, 'x', 42, 'y'), (2, NULL, x'00ff', NULL), (999, 0, 'Adelie', NULL), ('3', 0, 'Gentoo', 7);
            """)
        let edited = try #require(try LogMonitor.summary(logPath: log, options: options).performance)
        // Rows 1, 2 and 3 carry some text as their label; 999 has no prediction.
        #expect(edited.labelledRows <= 3 && edited.windowRows == 40)
    }
}

/// The feedback parser on mangled bodies: never a crash, only 400, 413 or 422 with details.
@Suite("Feedback bodies, mangled")
struct FeedbackParserTests {
    @Test func mangledBodiesAreRefusedCleanly() {
        let parser = FeedbackRequest(classes: ["Adelie", "Gentoo"], maximumOutcomes: 5)
        let seeds = [
            #"{"id": 1, "label": "Adelie"}"#,
            #"{"outcomes": [{"id": 1, "label": "Adelie"}, {"id": 2, "label": "Gentoo"}]}"#,
            #"{"id": 9007199254740991, "label": "Gentoo"}"#,
        ]
        var generator = SeededGenerator(seed: 29)
        var accepted = 0
        let punctuation = Array("{}[]\",:0-9e.\\".utf8)
        for i in 0..<5_000 {
            var bytes = Array(seeds[i % seeds.count].utf8)
            for _ in 0..<(1 + generator.nextInt(below: 4)) {
                let at = generator.nextInt(below: bytes.count)
                switch generator.nextInt(below: 3) {
                case 0: bytes[at] = UInt8(generator.nextInt(below: 256))
                case 1: bytes.remove(at: at)
                default: bytes.insert(punctuation[generator.nextInt(below: punctuation.count)], at: at)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            do {
                let outcomes = try parser.parse(Data(bytes))
                accepted += 1
                #expect(
                    !outcomes.isEmpty
                        && outcomes.allSatisfy { $0.id >= 1 && ($0.label == "Adelie" || $0.label == "Gentoo") })
            } catch {
                #expect([400, 413, 422].contains(error.status), "\(error)")
                #expect(!error.message.isEmpty && (error.status == 400 || !error.details.isEmpty))
            }
        }
        // Some mutations keep a valid body (a changed digit in an id, say).
        #expect(accepted > 0)
    }
}
