public import Bundles
import Foundation
import GRDB
import GRDBSQLite
public import Learning
import Tabular
#if canImport(CDispatch)
// POSIX structs' members (stat, timespec) belong, for MemberImportVisibility, to whichever of
// Linux Foundation's C modules included their header first, which varies from build to build.
import CoreFoundation
import CDispatch
import Diagnostics
#endif

/// Reads a prediction log file (while a server may be writing it) for `monitor`.
public struct PredictionLogReader: PredictionLogSource {
    public var path: String
    public var location: String { path }
    public var modelID: String
    /// The bundle the log was written for, as an absolute path.
    public var bundlePath: String
    public var features: [String]
    public var redacted: Set<String>
    /// The model last scored in the champion's shadow (`serve --shadow`), when one was.
    public var shadowModelID: String?

    public typealias Window = LogWindow

    let queue: DatabaseQueue

    /// The largest text or blob a log value may hold: a logged row's inputs are a few KiB, so a
    /// bigger value is an edited log, and SQLite refuses it instead of loading it.
    static let maximumValueBytes: Int32 = 1 << 20
    /// The largest monitoring window: a window holds its rows in memory.
    public static let maximumWindow = PredictionLogs.maximumWindow

    /// Opens `path` read-only; refuses a file that is not a workbench prediction log. A log is a
    /// file anyone can edit, so nothing in it is trusted: it must be a regular file; its three
    /// tables must be tables (a view could compute forever); every value is read through a cast to
    /// the type expected and no value may exceed `maximumValueBytes`.
    public init(path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ServingError.log(path: path, reason: "no such file") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ServingError.log(
                path: path, reason: "it is \(FileKind.describe(info.st_mode)), not a prediction log file")
        }
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_LENGTH, Self.maximumValueBytes)
            try db.execute(sql: "PRAGMA trusted_schema = OFF")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let meta = try queue.read { db in
                let tables = try String.fetchSet(
                    db,
                    sql:
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'predictions', 'requests')"
                )
                guard tables.count == 3 else { throw ServingError.notALog(path: path) }
                return try Row.fetchAll(db, sql: "SELECT CAST(key AS TEXT), CAST(value AS TEXT) FROM meta").reduce(
                    into: [String: String]()
                ) { meta, row in
                    if let key = row[0] as String?, let value = row[1] as String? { meta[key] = value }
                }
            }
            guard meta["format"] == PredictionLog.formatVersion, let model = meta["model_id"],
                let bundle = meta["bundle"]
            else {
                throw ServingError.notALog(path: path)
            }
            modelID = model
            bundlePath = bundle
            features = Self.strings(meta["features"])
            redacted = Set(Self.strings(meta["redacted"]))
            shadowModelID = meta["shadow_model_id"]
        } catch let error as ServingError {
            throw error
        } catch {
            throw ServingError.notALog(path: path)
        }
    }

    /// The last `rows` scored rows and the last `rows` prediction requests.
    /// - Parameter since: when set, only rows and requests logged at this time (seconds since 1970)
    ///   or later.
    public func window(rows limit: Int, features specs: [FeatureSpec], since: Double? = nil) throws -> Window {
        try PredictionLogs.checkWindow(limit)
        do {
            return try queue.read { db in
                let total =
                    try Double.fetchOne(
                        db, sql: "SELECT TOTAL(CAST(rows AS INTEGER)) FROM requests WHERE CAST(status AS INTEGER) = 200"
                    ) ?? 0
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT CAST(inputs AS TEXT), CAST(label AS TEXT), CAST(value AS REAL) FROM predictions \(Self.recent(since)) ORDER BY id DESC LIMIT ?
                        """, arguments: Self.arguments(since, limit))
                var inputs: [[JSONScalar]] = []
                var outputs: [JSONScalar] = []
                let decoder = JSONDecoder()
                for row in rows.reversed() {
                    inputs.append(PredictionLogs.inputs(row[0], specs, decoder: decoder))
                    outputs.append(PredictionLogs.output(row[1], row[2]))
                }
                let requests = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT COALESCE(CAST(time AS REAL), 0), COALESCE(CAST(status AS INTEGER), 0),
                               COALESCE(CAST(latency_ms AS REAL), 0), COALESCE(CAST(rows AS INTEGER), 0)
                        FROM requests \(Self.recent(since)) ORDER BY id DESC LIMIT ?
                        """, arguments: Self.arguments(since, limit)
                )
                .reversed().map { r in
                    RequestRecord(
                        time: r[0] as Double, status: r[1] as Int, latencyMilliseconds: r[2] as Double,
                        rows: r[3] as Int)
                }
                return Window(
                    inputs: inputs, outputs: outputs, requests: requests,
                    rowsScored: total.isFinite ? Int(min(total, 1e15)) : 0)
            }
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }

    /// A number that changes whenever another connection (the server's writer, a feedback
    /// request) commits to the log: SQLite's `PRAGMA data_version` on this reader's connection.
    public func dataVersion() throws -> Int {
        do { return try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 } } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }

    /// Whether the log has table `outcomes` (logs written before outcomes existed have none).
    public func hasOutcomes() throws -> Bool {
        do {
            return try queue.read { db in
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outcomes')")
                    ?? false
            }
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }

    /// The last `limit` predictions, oldest first, each with its outcome: from `labels` (prediction
    /// id → truth) when given, else from the log's table `outcomes` (none in a log without one),
    /// and, for a classifier, the probability it gave the class it predicted.
    /// - Complexity: O(limit) rows read, each probability object decoded.
    public func labelledWindow(rows limit: Int, labels: [Int64: JSONScalar]? = nil, since: Double? = nil) throws
        -> [LabelledPrediction]
    {
        try PredictionLogs.checkWindow(limit)
        let joined = labels == nil ? try hasOutcomes() : false
        do {
            return try queue.read { db in
                let sql =
                    joined
                    ? """
                    SELECT CAST(p.id AS INTEGER), CAST(p.label AS TEXT), CAST(p.value AS REAL), CAST(p.probabilities AS TEXT),
                           CAST(o.label AS TEXT), CAST(o.value AS REAL), CAST(p.time AS REAL)
                    FROM (SELECT id, label, value, probabilities, time FROM predictions \(Self.recent(since)) ORDER BY id DESC LIMIT ?) p
                    LEFT JOIN outcomes o ON o.prediction_id = p.id ORDER BY p.id
                    """
                    : """
                    SELECT CAST(id AS INTEGER), CAST(label AS TEXT), CAST(value AS REAL), CAST(probabilities AS TEXT), NULL, NULL, CAST(time AS REAL)
                    FROM (SELECT id, label, value, probabilities, time FROM predictions \(Self.recent(since)) ORDER BY id DESC LIMIT ?) ORDER BY id
                    """
                let decoder = JSONDecoder()
                return try Row.fetchAll(db, sql: sql, arguments: Self.arguments(since, limit)).map { row in
                    let id: Int64? = row[0]
                    var item = LabelledPrediction(predicted: .null, id: id)
                    item.time = row[6]
                    item.predicted = PredictionLogs.output(row[1], row[2])
                    if let label = row[1] as String? {
                        item.confidence = PredictionLogs.confidence(row[3], label: label, decoder: decoder)
                    }
                    item.truth =
                        labels.map { labels in id.flatMap { labels[$0] } } ?? PredictionLogs.truth(row[4], row[5])
                    return item
                }
            }
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }

    /// The filter of rows logged since a time (none without one), and the statement's arguments.
    private static func recent(_ since: Double?) -> String { since == nil ? "" : "WHERE CAST(time AS REAL) >= ?" }

    private static func arguments(_ since: Double?, _ limit: Int) -> StatementArguments {
        if let since { return [since, limit] }
        return [limit]
    }

    private static func strings(_ json: String?) -> [String] { PredictionLogs.strings(json) }

    public func replicas() throws -> [ReplicaCount] { [] }
}

/// Monitoring from a prediction log: the summary of its last window against the bundle's reference.
public enum LogMonitor {
    /// Summarises `logPath`; the bundle is the one the log names unless `bundlePath` is given.
    /// Realised performance comes from the log's outcomes, or from `labels` (a CSV of outcomes)
    /// instead when given.
    public static func summary(
        logPath: String, model: String? = nil, bundlePath: String? = nil, trustedKey: String? = nil,
        options: MonitorOptions, labels: OutcomeFile? = nil
    ) throws -> MonitoringSummary {
        try summary(
            log: try PredictionLogs.open(logPath, model: model), bundlePath: bundlePath, trustedKey: trustedKey,
            options: options, labels: labels)
    }

    /// Summarises an opened log (see `summary(logPath:…)`).
    public static func summary(
        log: any PredictionLogSource, bundlePath: String? = nil, trustedKey: String? = nil,
        options: MonitorOptions, labels: OutcomeFile? = nil
    ) throws -> MonitoringSummary {
        let bundle = try BundleReader.open(bundlePath ?? log.bundlePath, trustedKey: trustedKey)
        guard bundle.manifest.modelID == log.modelID else {
            throw ServingError.log(
                path: log.location,
                reason: "it logs model \(log.modelID), but \(bundle.path) holds model \(bundle.manifest.modelID)")
        }
        let reference = try BundleReference.decode(bundle.reference)
        let features = bundle.pipeline.inputs
        let since = options.seconds.map { Date().timeIntervalSince1970 - $0 }
        let window = try log.window(rows: options.window, features: features, since: since)
        let summary = MonitoringSummary.compute(
            model: log.modelID, reference: reference, features: features, classes: bundle.pipeline.target.classes,
            inputs: window.inputs,
            outputs: window.outputs, requests: window.requests, rowsScored: window.rowsScored, options: options,
            redacted: log.redacted)
        let truths = try labels?.outcomes(classes: bundle.pipeline.target.classes, target: bundle.manifest.target)
        let rows = try log.labelledWindow(rows: options.window, labels: truths, since: since)
        return summary.with(performance: performance(rows, bundle: bundle, options: options))
    }

    /// Realised performance over the last `count` consecutive windows, oldest first: of
    /// `options.window` rows each, or with `options.seconds`, of that many seconds each (each still
    /// at most `options.window` rows; at most `PredictionLogReader.maximumWindow` rows in all).
    public static func history(
        logPath: String, model: String? = nil, bundlePath: String? = nil, trustedKey: String? = nil,
        options: MonitorOptions, count: Int, labels: OutcomeFile? = nil
    ) throws -> [PerformanceWindow] {
        try history(
            log: try PredictionLogs.open(logPath, model: model), bundlePath: bundlePath, trustedKey: trustedKey,
            options: options,
            count: count, labels: labels)
    }

    public static func history(
        log: any PredictionLogSource, bundlePath: String? = nil, trustedKey: String? = nil,
        options: MonitorOptions, count: Int, labels: OutcomeFile? = nil
    ) throws -> [PerformanceWindow] {
        let rowsInAll = options.window.multipliedReportingOverflow(by: count)
        guard count >= 1, !rowsInAll.overflow, rowsInAll.partialValue <= PredictionLogReader.maximumWindow else {
            throw ServingError.badOption(
                "\(setting: "windows", "\(count)") of \(options.window) rows is more than the \(PredictionLogReader.maximumWindow) rows monitor reads at once"
            )
        }
        let bundle = try BundleReader.open(bundlePath ?? log.bundlePath, trustedKey: trustedKey)
        guard bundle.manifest.modelID == log.modelID else {
            throw ServingError.log(
                path: log.location,
                reason: "it logs model \(log.modelID), but \(bundle.path) holds model \(bundle.manifest.modelID)")
        }
        let truths = try labels?.outcomes(classes: bundle.pipeline.target.classes, target: bundle.manifest.target)
        if let seconds = options.seconds {
            let now = Date().timeIntervalSince1970
            let rows = try log.labelledWindow(
                rows: rowsInAll.partialValue, labels: truths, since: now - seconds * Double(count))
            return PerformanceWindow.split(rows, seconds: seconds, count: count, now: now, limit: options.window) {
                performance($0, bundle: bundle, options: options)
            }
        }
        let rows = try log.labelledWindow(rows: rowsInAll.partialValue, labels: truths, since: nil)
        return PerformanceWindow.split(rows, size: options.window) { performance($0, bundle: bundle, options: options) }
    }

    private static func performance(_ rows: [LabelledPrediction], bundle: LoadedBundle, options: MonitorOptions)
        -> RealisedPerformance
    {
        RealisedPerformance.compute(
            rows: rows, classification: bundle.pipeline.task == .classification, metrics: bundle.manifest.metrics,
            tolerance: options.tolerance,
            minimumRows: options.minimumRows, calibration: bundle.pipeline.calibration?.method.rawValue,
            classes: bundle.pipeline.target.classes)
    }
}
