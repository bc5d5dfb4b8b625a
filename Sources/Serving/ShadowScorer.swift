import Foundation
import Synchronization
import Bundles
import Tabular
import Learning

/// Scores the challenger (`serve --shadow`) on the rows the champion answered, off the request
/// path: a request only appends its scored rows to a bounded queue (O(1) under a lock, never a
/// wait), and one thread of its own, in Linux's idle scheduling class, scores them and writes the
/// challenger's predictions to the prediction log (table `shadow`, same prediction ids).
///
/// When the challenger cannot keep up — the queue holds `maximumQueuedRows` — new rows are dropped
/// for it and counted (`workbench_shadow_rows_dropped_total`): the answer never waits. Because the
/// thread only runs on a core nobody else wants, a server whose cores are saturated by answering
/// drops shadow work rather than answer slower.
final class ShadowScorer: Sendable {
    static let defaultMaximumQueuedRows = ServeOptions.defaultShadowQueueRows
    /// The thread's name (at most 15 bytes, Linux's limit).
    static let threadName = "serve-shadow"

    private struct Job: Sendable {
        var rows: [ScoredRow]
        var champion: String
        var challenger: ServedModel
        var inputs: [Int]
        var time: Double
    }

    private struct Queue {
        var jobs: [Job] = []
        var queuedRows = 0
        var running = true
        /// Whether the thread is scoring jobs it took, for `waitUntilIdle`.
        var busy = false
    }

    /// Agreement so far between the two models (either way round: agreement is symmetric).
    struct Tally: Sendable, Equatable {
        var compared = 0
        var agreed = 0
        var absoluteDifference = 0.0
        var scored = 0
        var failed = 0
        var dropped = 0
    }

    private let queue = Mutex(Queue())
    private let tally = Mutex(Tally())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let log: PredictionLog?
    /// Whether the last write of challenger predictions failed.
    private let logFailing = Atomic<Bool>(false)
    private let metrics: ServerMetrics
    let maximumQueuedRows: Int

    init(log: PredictionLog?, metrics: ServerMetrics, maximumQueuedRows: Int = ShadowScorer.defaultMaximumQueuedRows) {
        self.log = log
        self.metrics = metrics
        self.maximumQueuedRows = max(1, maximumQueuedRows)
        let thread = Thread { [self] in
            if let comm = fopen("/proc/thread-self/comm", "w") {
                fputs(Self.threadName, comm)
                fclose(comm)
            }
            MonitorService.runWhenIdle()
            loop()
        }
        thread.name = Self.threadName
        thread.start()
    }

    /// Queues the champion's scored rows (ids set) for the challenger, or drops them (counted) when
    /// the queue is full. O(1) amortised; never blocks on the challenger.
    /// - Parameter inputs: for each challenger input, its index among the champion's.
    func submit(_ rows: [ScoredRow], champion: String, challenger: ServedModel, inputs: [Int]) {
        guard !rows.isEmpty else { return }
        let accepted: Bool = queue.withLock { q in
            guard q.running, q.queuedRows + rows.count <= maximumQueuedRows else { return false }
            q.jobs.append(
                Job(
                    rows: rows, champion: champion, challenger: challenger, inputs: inputs,
                    time: Date().timeIntervalSince1970))
            q.queuedRows += rows.count
            return true
        }
        if accepted {
            wake.signal()
        } else {
            tally.withLock { $0.dropped += rows.count }
            metrics.shadowDropped(rows.count)
        }
    }

    /// The counts so far.
    var counts: Tally { tally.withLock { $0 } }

    /// Waits (up to `timeout` seconds) until every queued row is scored and written. Blocks: never
    /// call it on an event loop.
    @discardableResult
    func waitUntilIdle(timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while queue.withLock({ $0.running && ($0.queuedRows > 0 || $0.busy) }) {
            if Date() >= deadline { return false }
            usleep(1_000)
        }
        return true
    }

    /// Scores what is queued, then stops the thread. Idempotent.
    func close() {
        let wasRunning = queue.withLock { q in
            let r = q.running
            q.running = false
            return r
        }
        guard wasRunning else { return }
        wake.signal()
        finished.wait()
    }

    private func loop() {
        while true {
            wake.wait()
            while true {
                let (jobs, running) = queue.withLock { q in
                    let jobs = q.jobs
                    q.jobs.removeAll(keepingCapacity: true)
                    q.queuedRows = 0
                    q.busy = !jobs.isEmpty
                    return (jobs, q.running)
                }
                if jobs.isEmpty {
                    if !running {
                        finished.signal()
                        return
                    }
                    break
                }
                process(jobs)
                queue.withLock { $0.busy = false }
            }
        }
    }

    /// Scores the jobs' rows with their challengers, tallies agreement, logs the predictions.
    private func process(_ jobs: [Job]) {
        var logged: [ShadowRow] = []
        var local = Tally()
        for job in jobs {
            let challenger = job.challenger
            let inputs = job.rows.map { row in job.inputs.map { $0 < row.inputs.count ? row.inputs[$0] : .null } }
            let outputs = Self.score(inputs, with: challenger)
            let classes = challenger.bundle.pipeline.target.classes
            for (row, output) in zip(job.rows, outputs) {
                var shadow = ShadowRow(
                    predictionID: row.id ?? 0, model: challenger.modelID, answeredBy: job.champion, time: job.time)
                switch output {
                case .success(let scored):
                    local.scored += 1
                    shadow.label = scored.label
                    shadow.value = scored.value
                    shadow.probabilities = scored.probabilities.map { Self.probabilitiesJSON($0, classes: classes) }
                    if let a = row.label, let b = scored.label {
                        local.compared += 1
                        if a == b { local.agreed += 1 }
                    } else if let a = row.value, let b = scored.value {
                        local.compared += 1
                        local.absoluteDifference += abs(a - b)
                    }
                case .failure(let error):
                    local.failed += 1
                    shadow.error = error.message + (error.details.first.map { ": " + $0 } ?? "")
                }
                if row.id != nil { logged.append(shadow) }
            }
        }
        let total = tally.withLock { t in
            t.compared += local.compared
            t.agreed += local.agreed
            t.absoluteDifference += local.absoluteDifference
            t.scored += local.scored
            t.failed += local.failed
            return t
        }
        metrics.shadowScored(scored: local.scored, failed: local.failed, tally: total)
        if let log {
            do {
                try log.writeShadow(logged)
                if logFailing.exchange(false, ordering: .relaxed) {
                    FileHandle.standardError.write(
                        Data("warning: prediction log \(log.location): challenger predictions written again\n".utf8))
                }
            } catch {
                metrics.logWriteFailed()
                // Said once per outage, not once per batch.
                if !logFailing.exchange(true, ordering: .relaxed) {
                    FileHandle.standardError.write(
                        Data(
                            "warning: prediction log \(log.location): \(error); challenger predictions are not logged until it can be written again\n"
                                .utf8))
                }
            }
        }
    }

    /// The challenger's prediction for each row: scored together, or, when the batch is refused
    /// (a row whose output is not finite), one at a time so only the bad rows fail.
    private static func score(_ rows: [[JSONScalar]], with model: ServedModel) -> [Result<ScoredRow, APIError>] {
        do throws(APIError) {
            return try model.scorer.score(rows).map { .success($0) }
        } catch {
            guard rows.count > 1 else { return [.failure(error)] }
        }
        return rows.map { row in
            do throws(APIError) {
                let scored = try model.scorer.score([row])
                return scored.first.map { .success($0) }
                    ?? .failure(APIError(500, "internal error: no prediction for a row"))
            } catch {
                return .failure(error)
            }
        }
    }

    private static func probabilitiesJSON(_ p: [Double], classes: [String]) -> String {
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
}
