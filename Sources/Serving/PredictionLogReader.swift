import Bundles
import Foundation
import GRDB
import Learning

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

    /// Opens `path` read-only; refuses a file that is not a workbench prediction log.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw ServingError.log(path: path, reason: "no such file") }
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let meta = try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT key, value FROM meta").reduce(into: [String: String]()) { meta, row in
                    let key: String = row["key"]
                    let value: String = row["value"]
                    meta[key] = value
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
        do {
            return try queue.read { db in
                let total = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(rows), 0) FROM requests WHERE status = 200") ?? 0
                let rows = try Row.fetchAll(db, sql: "SELECT request_id, inputs, label, value FROM predictions ORDER BY id DESC LIMIT ?", arguments: [limit])
                var inputs: [[JSONScalar]] = []
                var outputs: [JSONScalar] = []
                let decoder = JSONDecoder()
                for row in rows.reversed() {
                    let text: String = row["inputs"]
                    let object = (try? decoder.decode([String: JSONScalar].self, from: Data(text.utf8))) ?? [:]
                    inputs.append(specs.map { object[$0.name] ?? .null })
                    if let label: String = row["label"] { outputs.append(.text(label)) } else if let value: Double = row["value"] { outputs.append(.number(value)) } else { outputs.append(.null) }
                }
                let requests = try Row.fetchAll(db, sql: "SELECT time, status, latency_ms, rows FROM requests ORDER BY id DESC LIMIT ?", arguments: [limit])
                    .reversed().map { r in RequestRecord(time: r["time"], status: r["status"], latencyMilliseconds: r["latency_ms"], rows: r["rows"]) }
                return Window(inputs: inputs, outputs: outputs, requests: requests, rowsScored: total)
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
        let features = bundle.pipeline.preprocessor.features
        let window = try log.window(rows: options.window, features: features)
        return MonitoringSummary.compute(
            model: log.modelID, reference: reference, features: features, classes: bundle.pipeline.target.classes, inputs: window.inputs,
            outputs: window.outputs, requests: window.requests, rowsScored: window.rowsScored, options: options, redacted: log.redacted)
    }
}
