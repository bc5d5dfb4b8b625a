import Bundles
import Foundation
import GRDB
import GRDBSQLite
import Learning
import Tabular

/// Reads a prediction log (while a server may be writing it) for `monitor`.
public struct PredictionLogReader: Sendable {
    public var path: String
    public var modelID: String
    /// The bundle the log was written for, as an absolute path.
    public var bundlePath: String
    public var features: [String]
    public var redacted: Set<String>

    /// The last rows of the log: inputs (feature order), outputs, and the requests over the same span.
    public struct Window: Sendable {
        public var inputs: [[JSONScalar]]
        public var outputs: [JSONScalar]
        public var requests: [RequestRecord]
        public var rowsScored: Int
    }

    private let queue: DatabaseQueue

    /// The largest text or blob a log value may hold: a logged row's inputs are a few KiB, so a
    /// bigger value is an edited log, and SQLite refuses it instead of loading it.
    static let maximumValueBytes: Int32 = 1 << 20
    /// The largest monitoring window: a window holds its rows in memory.
    public static let maximumWindow = 100_000

    /// Opens `path` read-only; refuses a file that is not a workbench prediction log. A log is a
    /// file anyone can edit, so nothing in it is trusted: it must be a regular file; its three
    /// tables must be tables (a view could compute forever); every value is read through a cast to
    /// the type expected and no value may exceed `maximumValueBytes`.
    public init(path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ServingError.log(path: path, reason: "no such file") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ServingError.log(path: path, reason: "it is \(FileKind.describe(info.st_mode)), not a prediction log file")
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
                let tables = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'predictions', 'requests')")
                guard tables.count == 3 else { throw ServingError.notALog(path: path) }
                return try Row.fetchAll(db, sql: "SELECT CAST(key AS TEXT), CAST(value AS TEXT) FROM meta").reduce(into: [String: String]()) { meta, row in
                    if let key = row[0] as String?, let value = row[1] as String? { meta[key] = value }
                }
            }
            guard meta["format"] == PredictionLog.formatVersion, let model = meta["model_id"], let bundle = meta["bundle"] else {
                throw ServingError.notALog(path: path)
            }
            modelID = model
            bundlePath = bundle
            features = Self.strings(meta["features"])
            redacted = Set(Self.strings(meta["redacted"]))
        } catch let error as ServingError {
            throw error
        } catch {
            throw ServingError.notALog(path: path)
        }
    }

    /// The last `rows` scored rows and the last `rows` prediction requests.
    public func window(rows limit: Int, features specs: [FeatureSpec]) throws -> Window {
        guard (1...Self.maximumWindow).contains(limit) else {
            throw ServingError.badOption("the monitoring window must be 1 to \(Self.maximumWindow) rows, not \(limit)")
        }
        do {
            return try queue.read { db in
                let total = try Double.fetchOne(db, sql: "SELECT TOTAL(CAST(rows AS INTEGER)) FROM requests WHERE CAST(status AS INTEGER) = 200") ?? 0
                let rows = try Row.fetchAll(db, sql: """
                    SELECT CAST(inputs AS TEXT), CAST(label AS TEXT), CAST(value AS REAL) FROM predictions ORDER BY id DESC LIMIT ?
                    """, arguments: [limit])
                var inputs: [[JSONScalar]] = []
                var outputs: [JSONScalar] = []
                let decoder = JSONDecoder()
                for row in rows.reversed() {
                    let text = (row[0] as String?) ?? ""
                    let object = (try? decoder.decode([String: JSONScalar].self, from: Data(text.utf8))) ?? [:]
                    inputs.append(specs.map { object[$0.name] ?? .null })
                    if let label = row[1] as String? {
                        outputs.append(.text(label))
                    } else if let value = row[2] as Double?, value.isFinite {
                        outputs.append(.number(value))
                    } else {
                        outputs.append(.null)
                    }
                }
                let requests = try Row.fetchAll(db, sql: """
                    SELECT COALESCE(CAST(time AS REAL), 0), COALESCE(CAST(status AS INTEGER), 0),
                           COALESCE(CAST(latency_ms AS REAL), 0), COALESCE(CAST(rows AS INTEGER), 0)
                    FROM requests ORDER BY id DESC LIMIT ?
                    """, arguments: [limit])
                    .reversed().map { r in
                        RequestRecord(time: r[0] as Double, status: r[1] as Int, latencyMilliseconds: r[2] as Double, rows: r[3] as Int)
                    }
                return Window(inputs: inputs, outputs: outputs, requests: requests, rowsScored: total.isFinite ? Int(min(total, 1e15)) : 0)
            }
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
    }

    private static func strings(_ json: String?) -> [String] {
        guard let json, let items = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { return [] }
        return items
    }
}

/// Monitoring from a prediction log: the summary of its last window against the bundle's reference.
public enum LogMonitor {
    /// Summarises `logPath`; the bundle is the one the log names unless `bundlePath` is given.
    public static func summary(logPath: String, bundlePath: String? = nil, trustedKey: String? = nil, options: MonitorOptions) throws -> MonitoringSummary {
        let log = try PredictionLogReader(path: logPath)
        let bundle = try BundleReader.open(bundlePath ?? log.bundlePath, trustedKey: trustedKey)
        guard bundle.manifest.modelID == log.modelID else {
            throw ServingError.log(path: logPath, reason: "it logs model \(log.modelID), but \(bundle.path) holds model \(bundle.manifest.modelID)")
        }
        let reference = try BundleReference.decode(bundle.reference)
        let features = bundle.pipeline.inputs
        let window = try log.window(rows: options.window, features: features)
        return MonitoringSummary.compute(
            model: log.modelID, reference: reference, features: features, classes: bundle.pipeline.target.classes, inputs: window.inputs,
            outputs: window.outputs, requests: window.requests, rowsScored: window.rowsScored, options: options, redacted: log.redacted)
    }
}
