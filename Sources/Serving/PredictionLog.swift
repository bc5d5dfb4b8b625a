import Bundles
import Crypto
import Foundation
import GRDB
import Learning
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The prediction log: every scored row's inputs, outputs, latency and time, and every prediction
/// request's status, in an embedded SQLite database (WAL, so it can be read while the server
/// writes). Requests only queue entries; a background thread writes them in batches, so a crash
/// loses at most the batch in memory. The oldest rows go once there are more than `retention`.
/// Requests refused for want of the token go to a table of their own (`rejected`, the last
/// `rejectedRetention`), so however many arrive they never push authorised requests out. The
/// database and its -wal and -shm files are created mode 0600: they hold request data.
///
/// Sensitive columns (marked at export, or `--redact`) are never written in clear: their values
/// become `hmac-sha256:` + 16 hex digits, keyed with a secret kept beside the log in `FILE.key`
/// (mode 0600), so equal values stay countable but cannot be read back or guessed from the log.
///
/// Each prediction's id (`predictions.id`) is given by the server when the row is scored — the
/// answer carries it — and continues the log's sequence, so a restarted server never reuses one.
/// Outcomes that arrive later (`POST /v1/feedback`) go to table `outcomes`, keyed by that id.
/// Each prediction names the model that answered it (`predictions.model`; null in logs written
/// before it existed); with a challenger, its predictions on the same rows go to table `shadow`
/// (see `PredictionLog+Shadow.swift`). One server writes a log at a time.
public final class PredictionLog: Sendable {
    public static let formatVersion = "1"

    public let path: String
    public let retention: Int
    public let redacted: Set<String>
    /// Rows kept in the `rejected` table (requests without the token).
    public static let rejectedRetention = 10_000
    let pool: DatabasePool
    /// The largest prediction id the log had used when it was opened; this server's ids follow it.
    public let lastIDAtOpen: Int64
    private let features: [String]
    private let redactedIndexes: [Int]
    private let key: SymmetricKey
    private let batchSize: Int
    private let flushInterval: Double
    /// More queued entries than this are dropped (and counted) rather than eating memory.
    private let maximumQueued: Int

    private struct Entry: Sendable {
        var time: Double
        var status: Int
        var latencyMilliseconds: Double
        var rows: [ScoredRow]
        /// The id of the model that answered.
        var model: String
    }

    private struct Queue {
        var entries: [Entry] = []
        /// Requests refused for want of the token: (time, status).
        var rejected: [(Double, Int)] = []
        var queuedRows = 0
        var dropped = 0
        var running = true
        /// Write cycles started and finished by the writer, for `waitUntilWritten`.
        var cyclesStarted = 0
        var cyclesFinished = 0
    }

    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let classes: [String]
    /// Called with the number of rows dropped because the writer fell behind.
    private let onDrop: @Sendable (Int) -> Void

    /// Opens (or creates) the log at `path` for `bundle` and starts its writer thread.
    /// - Parameter shadowBundle: the challenger scored beside `bundle` (`--shadow`): the log is
    ///   then also accepted when it was written with the two models' roles the other way round.
    public init(path: String, bundle: LoadedBundle, redact: Set<String>, retention: Int = 1_000_000, batchSize: Int = 512,
                flushInterval: Double = 0.1, maximumQueued: Int = 200_000, shadowBundle: LoadedBundle? = nil,
                onDrop: @escaping @Sendable (Int) -> Void = { _ in }) throws {
        self.path = path
        self.retention = max(retention, 1)
        self.batchSize = batchSize
        self.flushInterval = flushInterval
        self.maximumQueued = maximumQueued
        self.onDrop = onDrop
        let features = bundle.pipeline.inputs.map(\.name)
        self.features = features
        classes = bundle.pipeline.target.classes
        let sensitive = Set(bundle.manifest.inputs.filter(\.sensitive).map(\.name)).union(redact)
        redacted = sensitive
        redactedIndexes = features.indices.filter { sensitive.contains(features[$0]) }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        key = try Self.loadKey(path + ".key")
        try Self.createPrivately(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS requests (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, status INTEGER NOT NULL,
                        latency_ms REAL NOT NULL, rows INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS predictions (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, request_id INTEGER NOT NULL, time REAL NOT NULL,
                        latency_ms REAL NOT NULL, inputs TEXT NOT NULL, label TEXT, value REAL, probabilities TEXT,
                        warnings TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS rejected (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, status INTEGER NOT NULL);
                    """)
                try Self.createOutcomesTable(db)
                try Self.migrateForShadow(db)
                var meta: [String: String] = [
                    "format": Self.formatVersion,
                    "model_id": bundle.manifest.modelID,
                    "bundle": Self.absolute(bundle.path),
                    "features": Self.jsonArray(features),
                    "redacted": Self.jsonArray(sensitive.sorted()),
                ]
                // The model last scored in the champion's shadow, so monitor names it before (or
                // without) any of its predictions in table shadow.
                if let shadowBundle { meta["shadow_model_id"] = shadowBundle.manifest.modelID }
                if let existing = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'model_id'"), existing != bundle.manifest.modelID,
                   existing != shadowBundle?.manifest.modelID {
                    throw ServingError.log(path: path, reason: "it logs model \(existing), not \(bundle.manifest.modelID)")
                }
                for (k, v) in meta { try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [k, v]) }
            }
            // AUTOINCREMENT's counter, which never goes back even when retention deleted every row.
            lastIDAtOpen = try pool.read { db in
                max(try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'predictions'") ?? 0,
                    try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM predictions") ?? 0)
            }
        } catch let error as ServingError {
            throw error
        } catch {
            throw ServingError.log(path: path, reason: String(describing: error))
        }
        let thread = Thread { [self] in writerLoop() }
        thread.name = "workbench-prediction-log"
        thread.start()
    }

    /// Queues one answered prediction request and its scored rows. O(1); never touches the disk.
    func append(time: Double, status: Int, latencyMilliseconds: Double, rows: [ScoredRow], model: String) {
        let dropped: Int = queue.withLock { q in
            guard q.running else { return 0 }
            // An error answer carries no rows but still takes memory: it counts as one.
            let weight = max(rows.count, 1)
            guard q.queuedRows + weight <= maximumQueued else {
                q.dropped += rows.count
                return rows.count
            }
            q.entries.append(Entry(time: time, status: status, latencyMilliseconds: latencyMilliseconds, rows: rows, model: model))
            q.queuedRows += weight
            if q.entries.count == batchSize { wake.signal() }
            return 0
        }
        if dropped > 0 { onDrop(dropped) }
    }

    /// Queues one request refused for want of the token. Only the last `rejectedRetention` are
    /// kept, in memory as on disk. O(1) amortised; never touches the disk.
    func appendRejected(time: Double, status: Int) {
        queue.withLock { q in
            guard q.running else { return }
            if q.rejected.count >= Self.rejectedRetention { q.rejected.removeFirst(q.rejected.count / 2) }
            q.rejected.append((time, status))
        }
    }

    /// Waits (up to `timeout` seconds) until everything queued before the call is written. Blocks
    /// the caller: never call it on an event loop. Returns whether it was written in time.
    @discardableResult
    func waitUntilWritten(timeout: Double = 5) -> Bool {
        // The next cycle to start takes everything queued by now.
        let target = queue.withLock { q in q.running ? q.cyclesStarted + 1 : nil }
        guard let target else { return true }
        wake.signal()
        let deadline = Date().addingTimeInterval(timeout)
        while queue.withLock({ $0.cyclesFinished < target && $0.running }) {
            if Date() >= deadline { return false }
            usleep(1_000)
        }
        return true
    }

    /// Writes what is queued and stops the writer. Idempotent.
    public func close() {
        let wasRunning = queue.withLock { q in
            let r = q.running
            q.running = false
            return r
        }
        guard wasRunning else { return }
        wake.signal()
        finished.wait()
    }

    private func writerLoop() {
        while true {
            _ = wake.wait(timeout: .now() + flushInterval)
            let (entries, rejected, running, cycle) = queue.withLock { q in
                let e = q.entries, r = q.rejected
                q.entries.removeAll(keepingCapacity: true)
                q.rejected.removeAll(keepingCapacity: true)
                q.queuedRows = 0
                q.cyclesStarted += 1
                return (e, r, q.running, q.cyclesStarted)
            }
            if !entries.isEmpty || !rejected.isEmpty { write(entries, rejected: rejected) }
            queue.withLock { $0.cyclesFinished = cycle }
            if !running { break }
        }
        finished.signal()
    }

    private func write(_ entries: [Entry], rejected: [(Double, Int)]) {
        do {
            try pool.write { db in
                if !rejected.isEmpty {
                    let statement = try db.makeStatement(sql: "INSERT INTO rejected (time, status) VALUES (?, ?)")
                    for (time, status) in rejected { try statement.execute(arguments: [time, status]) }
                    try db.execute(sql: "DELETE FROM rejected WHERE id <= (SELECT MAX(id) FROM rejected) - ?", arguments: [Self.rejectedRetention])
                }
                guard !entries.isEmpty else { return }
                let request = try db.makeStatement(sql: "INSERT INTO requests (time, status, latency_ms, rows) VALUES (?, ?, ?, ?)")
                let prediction = try db.makeStatement(sql: """
                    INSERT INTO predictions (id, request_id, time, latency_ms, inputs, label, value, probabilities, warnings, model)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for entry in entries {
                    try request.execute(arguments: [entry.time, entry.status, entry.latencyMilliseconds, entry.rows.count])
                    let requestID = db.lastInsertedRowID
                    for row in entry.rows {
                        try prediction.execute(arguments: [
                            row.id, requestID, entry.time, entry.latencyMilliseconds, inputsJSON(row.inputs), row.label, row.value,
                            row.probabilities.map(probabilitiesJSON), Self.jsonArray(row.warnings), entry.model,
                        ])
                    }
                }
                try db.execute(sql: "DELETE FROM predictions WHERE id <= (SELECT MAX(id) FROM predictions) - ?", arguments: [retention])
                try db.execute(sql: "DELETE FROM outcomes WHERE prediction_id <= (SELECT MAX(id) FROM predictions) - ?", arguments: [retention])
                try db.execute(sql: "DELETE FROM requests WHERE id <= (SELECT MAX(id) FROM requests) - ?", arguments: [retention])
            }
        } catch {
            FileHandle.standardError.write(Data("warning: prediction log \(path): \(error); \(entries.count) requests not logged\n".utf8))
        }
    }

    /// The inputs as a JSON object keyed by feature name, sensitive values replaced by keyed hashes.
    private func inputsJSON(_ inputs: [JSONScalar]) -> String {
        var w = JSONWriter()
        w.raw("{")
        for (i, name) in features.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(name)
            w.raw(":")
            let value = i < inputs.count ? inputs[i] : .null
            if redactedIndexes.contains(i), value != .null {
                w.string(hash(value))
                continue
            }
            switch value {
            case .number(let d): w.number(d)
            case .text(let s): w.string(s)
            case .null: w.raw("null")
            }
        }
        w.raw("}")
        return w.text
    }

    private func probabilitiesJSON(_ p: [Double]) -> String {
        var w = JSONWriter()
        w.raw("{")
        for (c, v) in p.enumerated() {
            if c > 0 { w.raw(",") }
            w.string(c < classes.count ? classes[c] : String(c))
            w.raw(":")
            w.number(v)
        }
        w.raw("}")
        return w.text
    }

    private func hash(_ value: JSONScalar) -> String {
        let text: String
        switch value {
        case .number(let d): text = formatNumberForHash(d)
        case .text(let s): text = s
        case .null: text = ""
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)
        return "hmac-sha256:" + mac.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    private func formatNumberForHash(_ d: Double) -> String { JSONWriter.number(d) }

    /// The log's hashing key: read from `path`, or made (32 random bytes, mode 0600) on first use.
    private static func loadKey(_ path: String) throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw ServingError.log(path: path, reason: "the key file is not 32 bytes") }
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        let temporary = path + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ServingError.log(path: path, reason: "cannot write the key file")
        }
        return key
    }

    /// Creates an empty database file with mode 0600 when there is none, before SQLite opens it:
    /// SQLite gives its -wal and -shm files the database file's mode.
    private static func createPrivately(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            Glibc.close(fd)
        } else if errno != EEXIST {
            throw ServingError.log(path: path, reason: String(cString: strerror(errno)))
        }
    }

    static func jsonArray(_ items: [String]) -> String {
        "[" + items.map(JSONWriter.quoted).joined(separator: ",") + "]"
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
