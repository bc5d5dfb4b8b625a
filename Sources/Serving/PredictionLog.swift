public import Bundles
import Crypto
import Foundation
import GRDB
import Learning
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The prediction log: every scored row's inputs, outputs, latency and time, and every prediction
/// request's status. Requests only queue entries; a background thread writes them in batches to
/// the log's store — an SQLite file (WAL, so it can be read while the server writes; see
/// `SQLitePredictionLogStore`) or a PostgreSQL database that several replicas share (see
/// `PostgresPredictionLogStore`) — so a crash loses at most the batch in memory. The oldest rows
/// go once there are more than `retention`.
///
/// When the store cannot be written (a database that went away, a full disk), the server keeps
/// answering: the writer keeps the rows, at most `maximumQueued`, dropping the oldest beyond that
/// and counting them (`workbench_log_rows_dropped_total`), counts each failed write
/// (`workbench_log_write_errors_total`), and tries again after a pause that doubles up to
/// `maximumBackoff`. A write is given a bounded time, so a server that stops answering cannot
/// hold the writer either.
///
/// Requests refused for want of the token go to a table of their own (`rejected`, the last
/// `rejectedRetention`), so however many arrive they never push authorised requests out.
///
/// Sensitive columns (marked at export, or `--redact`) are never written in clear: their values
/// become `hmac-sha256:` + 16 hex digits, keyed with a secret the store keeps (see its
/// `hashingKey`), so equal values stay countable but cannot be read back or guessed from the log.
///
/// Each prediction's id is given by the server when the row is scored — the answer carries it —
/// from `PredictionIDs`, so a restarted server never reuses one and replicas sharing a log never
/// give the same one. Outcomes that arrive later (`POST /v1/feedback`) go to table `outcomes`,
/// keyed by that id. Each prediction names the model that answered it; with a challenger, its
/// predictions on the same rows go to table `shadow` (see `PredictionLog+Shadow.swift`).
public final class PredictionLog: Sendable {
    public static let formatVersion = "1"

    /// The file, or the database's connection masked.
    public let location: String
    public let retention: Int
    /// Rows older than this many seconds go too (nil: only `retention` bounds the log).
    public let maximumAge: Double?
    public let redacted: Set<String>
    /// Rows kept in the `rejected` table (requests without the token).
    public static let rejectedRetention = 10_000
    /// The longest pause between attempts to write to a store that failed.
    static let maximumBackoff = 5.0
    let store: any PredictionLogStore
    /// The ids this server hands out.
    var ids: PredictionIDs { store.ids }
    /// The inputs and classes of the model the log was opened for: its rows' layout unless an
    /// entry says otherwise (a promoted challenger or a replacement may order its inputs differently).
    private let features: [String]
    private let key: SymmetricKey
    private let batchSize: Int
    private let flushInterval: Double
    /// More rows than this waiting to be written (queued, or kept after a failed write) and the
    /// oldest are dropped, and counted, rather than eating memory.
    private let maximumQueued: Int

    private struct Entry: Sendable {
        var sequence: Int64
        var time: Double
        var status: Int
        var latencyMilliseconds: Double
        var rows: [ScoredRow]
        /// The id of the model that answered.
        var model: String
        /// That model's input names (the order of each row's inputs) and classes.
        var features: [String]
        var classes: [String]
        /// Rows an entry weighs against `maximumQueued` (an error answer, with none, counts as one).
        var weight: Int { max(rows.count, 1) }
    }

    private struct Queue {
        var entries: [Entry] = []
        /// Requests refused for want of the token: (time, status).
        var rejected: [(time: Double, status: Int)] = []
        var queuedRows = 0
        var requestsQueued: Int64 = 0
        var running = true
        /// Write cycles started and finished by the writer, for `waitUntilWritten`.
        var cyclesStarted = 0
        var cyclesFinished = 0
        /// Whether the last write failed and its rows are still waiting.
        var failing = false
        /// Someone waits for the rows (`waitUntilWritten`): the next cycle tries at once, backoff or not.
        var urgent = false
    }

    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let classes: [String]
    /// Called with the number of rows dropped because the store could not take them in time.
    private let onDrop: @Sendable (Int) -> Void
    /// Called once per failed write.
    private let onWriteError: @Sendable () -> Void
    /// Called each cycle with the rows waiting for the store after it (0 once all are written).
    private let onWaiting: @Sendable (Int) -> Void

    /// Opens (or creates) the log at `location` for `bundle` and starts its writer thread:
    /// `postgresql://…` names a database shared by replicas, anything else an SQLite file.
    /// - Parameters:
    ///   - shadowBundle: the challenger scored beside `bundle` (`--shadow`): the log is then also
    ///     accepted when it was written with the two models' roles the other way round.
    ///   - servedName: the name the model is served under, which a shared log keeps its rows by
    ///     (replicas of one model share it); the bundle's name when nil.
    ///   - replica: this server's name among the replicas writing a shared log.
    public convenience init(
        location: String, bundle: LoadedBundle, redact: Set<String>, retention: Int = 1_000_000,
        maximumAge: Double? = nil,
        batchSize: Int = 512, flushInterval: Double = 0.1, maximumQueued: Int = 200_000,
        shadowBundle: LoadedBundle? = nil,
        servedName: String? = nil, replica: String? = nil,
        idBlockSize: Int64 = PostgresPredictionLogStore.defaultBlockSize,
        onDrop: @escaping @Sendable (Int) -> Void = { _ in }, onWriteError: @escaping @Sendable () -> Void = {},
        onWaiting: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws {
        let sensitive = Set(bundle.manifest.inputs.filter(\.sensitive).map(\.name)).union(redact)
        let description = LogDescription(
            bundle: bundle, shadowBundle: shadowBundle, redacted: sensitive.sorted(),
            servedName: servedName ?? bundle.manifest.name)
        let store: any PredictionLogStore
        if PredictionLogLocation.isShared(location) {
            store = try PostgresPredictionLogStore(
                url: location, description: description, retention: max(retention, 1),
                maximumAge: maximumAge, replica: replica ?? PostgresPredictionLogStore.defaultReplica,
                blockSize: idBlockSize)
        } else {
            store = try SQLitePredictionLogStore(
                path: location, description: description, retention: max(retention, 1), maximumAge: maximumAge)
        }
        self.init(
            store: store, bundle: bundle, redacted: sensitive, retention: retention, maximumAge: maximumAge,
            batchSize: batchSize,
            flushInterval: flushInterval, maximumQueued: maximumQueued, onDrop: onDrop, onWriteError: onWriteError,
            onWaiting: onWaiting)
    }

    /// A log over a store already opened (the tests' stores that fail on demand).
    init(
        store: any PredictionLogStore, bundle: LoadedBundle, redacted sensitive: Set<String>,
        retention: Int = 1_000_000, maximumAge: Double? = nil,
        batchSize: Int = 512, flushInterval: Double = 0.1, maximumQueued: Int = 200_000,
        onDrop: @escaping @Sendable (Int) -> Void = { _ in }, onWriteError: @escaping @Sendable () -> Void = {},
        onWaiting: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.store = store
        location = store.location
        self.retention = max(retention, 1)
        self.maximumAge = maximumAge
        self.batchSize = batchSize
        self.flushInterval = flushInterval
        self.maximumQueued = max(maximumQueued, 1)
        self.onDrop = onDrop
        self.onWriteError = onWriteError
        self.onWaiting = onWaiting
        let features = bundle.pipeline.inputs.map(\.name)
        self.features = features
        classes = bundle.pipeline.target.classes
        redacted = sensitive
        key = SymmetricKey(data: store.hashingKey)
        let thread = Thread { [self] in writerLoop() }
        thread.name = "workbench-prediction-log"
        thread.start()
    }

    /// Queues one answered prediction request and its scored rows. O(1) amortised; never touches
    /// the store. Beyond `maximumQueued` rows waiting, the oldest go (and are counted).
    /// - Parameters:
    ///   - features: the answering model's input names, in the order of each row's inputs (the
    ///     log's model's when nil); `classes` likewise.
    func append(
        time: Double, status: Int, latencyMilliseconds: Double, rows: [ScoredRow], model: String,
        features: [String]? = nil,
        classes: [String]? = nil
    ) {
        let dropped: Int = queue.withLock { q in
            guard q.running else { return 0 }
            q.requestsQueued += 1
            let entry = Entry(
                sequence: q.requestsQueued, time: time, status: status, latencyMilliseconds: latencyMilliseconds,
                rows: rows, model: model,
                features: features ?? self.features, classes: classes ?? self.classes)
            q.entries.append(entry)
            q.queuedRows += entry.weight
            if q.entries.count == batchSize { wake.signal() }
            guard q.queuedRows > maximumQueued else { return 0 }
            // Only while the writer is held up: drop a tenth at once, so this stays O(1) amortised.
            return Self.dropOldest(&q.entries, queuedRows: &q.queuedRows, keeping: maximumQueued - maximumQueued / 10)
        }
        if dropped > 0 { onDrop(dropped) }
    }

    /// Removes the oldest entries until at most `keeping` rows remain; returns the rows removed.
    private static func dropOldest(_ entries: inout [Entry], queuedRows: inout Int, keeping: Int) -> Int {
        var cut = 0, weight = 0, rows = 0
        while cut < entries.count, queuedRows - weight > keeping {
            weight += entries[cut].weight
            rows += entries[cut].rows.count
            cut += 1
        }
        entries.removeFirst(cut)
        queuedRows -= weight
        return rows
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
    /// the caller: never call it on an event loop. Returns whether it was written in time (false
    /// too when the store is failing: the rows wait for the next attempt).
    @discardableResult
    func waitUntilWritten(timeout: Double = 5) -> Bool {
        // The next cycle to start takes everything queued by now.
        let target = queue.withLock { q -> Int? in
            guard q.running else { return nil }
            q.urgent = true
            return q.cyclesStarted + 1
        }
        guard let target else { return true }
        wake.signal()
        let deadline = Date().addingTimeInterval(timeout)
        while queue.withLock({ $0.cyclesFinished < target && $0.running }) {
            if Date() >= deadline { return false }
            usleep(1_000)
        }
        return !queue.withLock { $0.failing }
    }

    /// Writes what is queued (one last attempt) and stops the writer. Idempotent.
    public func close() {
        let wasRunning = queue.withLock { q in
            let r = q.running
            q.running = false
            return r
        }
        guard wasRunning else { return }
        wake.signal()
        finished.wait()
        store.close()
    }

    /// The writer: each cycle takes what is queued, adds it to the rows a failed write left, and
    /// writes them all in one transaction — or, after a failure, waits out the backoff first.
    private func writerLoop() {
        var waiting: [Entry] = []
        var waitingRows = 0
        var backoff = 0.0
        var nextAttempt = 0.0
        var failures = 0
        while true {
            _ = wake.wait(timeout: .now() + flushInterval)
            let (entries, rejected, running, cycle, urgent) = queue.withLock { q in
                let e = q.entries, r = q.rejected, u = q.urgent
                q.entries.removeAll(keepingCapacity: true)
                q.rejected.removeAll(keepingCapacity: true)
                q.queuedRows = 0
                q.cyclesStarted += 1
                q.urgent = false
                return (e, r, q.running, q.cyclesStarted, u)
            }
            waiting += entries
            waitingRows += entries.reduce(0) { $0 + $1.weight }
            if waitingRows > maximumQueued {
                let dropped = Self.dropOldest(&waiting, queuedRows: &waitingRows, keeping: maximumQueued)
                if dropped > 0 { onDrop(dropped) }
            }
            if store.ids.wantsBlock { try? store.replenishIDs() }
            let now = Date().timeIntervalSince1970
            if (!waiting.isEmpty || !rejected.isEmpty) && (now >= nextAttempt || !running || urgent) {
                do {
                    try store.write(encode(waiting), rejected: rejected)
                    if failures > 0 {
                        warn("written again after \(failures) failed attempt\(failures == 1 ? "" : "s")")
                    }
                    waiting.removeAll(keepingCapacity: true)
                    waitingRows = 0
                    backoff = 0
                    failures = 0
                } catch {
                    onWriteError()
                    failures += 1
                    // Said once per outage, not once per attempt.
                    if failures == 1 { warn("\(error); keeping up to \(maximumQueued) rows and trying again") }
                    backoff = backoff == 0 ? flushInterval * 2 : min(backoff * 2, Self.maximumBackoff)
                    nextAttempt = Date().timeIntervalSince1970 + backoff
                    if !running, waitingRows > 0 {
                        warn("\(waitingRows) rows not logged: the log could not be written before the server stopped")
                    }
                }
            }
            queue.withLock { q in
                q.cyclesFinished = cycle
                q.failing = failures > 0
            }
            onWaiting(waiting.reduce(0) { $0 + $1.rows.count })
            if !running { break }
        }
        finished.signal()
    }

    private func warn(_ text: String) {
        FileHandle.standardError.write(Data("warning: prediction log \(location): \(text)\n".utf8))
    }

    /// The entries as the store writes them: inputs and probabilities encoded, sensitive values
    /// hashed, rows without an id (none could be given) left out.
    private func encode(_ entries: [Entry]) -> [LoggedRequest] {
        entries.map { entry in
            LoggedRequest(
                sequence: entry.sequence, time: entry.time, status: entry.status,
                latencyMilliseconds: entry.latencyMilliseconds, model: entry.model,
                rows: entry.rows.compactMap { row in
                    row.id.map { id in
                        LoggedRow(
                            id: id, inputs: inputsJSON(row.inputs, features: entry.features), label: row.label,
                            value: row.value,
                            probabilities: row.probabilities.map { probabilitiesJSON($0, classes: entry.classes) },
                            warnings: Self.jsonArray(row.warnings))
                    }
                },
                rowCount: entry.rows.count)
        }
    }

    /// The inputs as a JSON object keyed by feature name, sensitive values replaced by keyed hashes.
    private func inputsJSON(_ inputs: [JSONScalar], features: [String]) -> String {
        var w = JSONWriter()
        w.raw("{")
        for (i, name) in features.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(name)
            w.raw(":")
            let value = i < inputs.count ? inputs[i] : .null
            if redacted.contains(name), value != .null {
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

    private func probabilitiesJSON(_ p: [Double], classes: [String]) -> String {
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

    static func jsonArray(_ items: [String]) -> String {
        "[" + items.map(JSONWriter.quoted).joined(separator: ",") + "]"
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
