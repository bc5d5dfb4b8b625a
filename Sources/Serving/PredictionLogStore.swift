import Bundles
import Foundation
import Synchronization

/// One answered request as the log's writer hands it to a store: its rows already encoded.
struct LoggedRequest: Sendable {
    /// The request's place in this server's sequence: with the writer's key, it names the request
    /// in a shared log, so a batch written twice (a write that timed out, then committed) counts it once.
    var sequence: Int64
    var time: Double
    var status: Int
    var latencyMilliseconds: Double
    /// The model that answered.
    var model: String
    var rows: [LoggedRow]
    /// Rows the request scored, logged or not (rows without an id are not logged).
    var rowCount: Int
}

/// One scored row, encoded for the log: inputs and probabilities as JSON objects, sensitive
/// values already replaced by their keyed hashes.
struct LoggedRow: Sendable {
    var id: Int64
    var inputs: String
    var label: String?
    var value: Double?
    var probabilities: String?
    var warnings: String
}

/// Where a prediction log keeps its rows: an SQLite file beside one server, or a PostgreSQL
/// database shared by any number of replicas. The log's writer (`PredictionLog`) owns the queue,
/// the batching and the retries; a store only writes and reads, and throws when it cannot.
protocol PredictionLogStore: Sendable {
    /// The file, or the connection masked: for messages.
    var location: String { get }
    /// The ids this server hands out (see `PredictionIDs`).
    var ids: PredictionIDs { get }
    /// Writes the requests and their rows, and the refused requests, in one transaction, then
    /// applies the retention.
    func write(_ requests: [LoggedRequest], rejected: [(time: Double, status: Int)]) throws
    /// Gets more ids when `ids` asks for them (a shared log hands out blocks). Called by the
    /// writer's thread only.
    func replenishIDs() throws
    /// The ids among `ids` that no prediction in the log has, in the order given.
    func missing(_ ids: [Int64]) throws -> [Int64]
    /// Stores outcomes all together or not at all (see `PredictionLog.store`); ids already checked
    /// to name predictions, but checked again in the same transaction as the insert.
    func insert(_ outcomes: [Outcome], time: Double) throws -> OutcomeStorage
    func writeShadow(_ rows: [ShadowRow]) throws
    /// The log's model is `champion` from now on (a promotion, or a reload that replaced the
    /// model), and `challenger` the one in its shadow when there is one.
    func recordPromotion(champion: LoadedBundle, challenger: LoadedBundle?) throws
    /// The key that hashes sensitive values, shared by every writer of the log.
    var hashingKey: [UInt8] { get }
    func close()
}

/// The prediction ids a server hands out, one atomic step per request. A log of one server (SQLite)
/// continues its own sequence without end. A log shared by replicas gives each a block of ids at
/// a time from a database sequence, so no two replicas ever give the same id; the next block is
/// asked for when half of the current one is used, so a database that is away for a while does
/// not stop the ids. Should both run out before the database is back, rows are answered without
/// an id (and not logged) rather than risk an id another replica gave.
final class PredictionIDs: Sendable {
    private struct State {
        var next: Int64
        var end: Int64
        var spare: ClosedRange<Int64>?
        /// Every block this server took, to tell its own ids from other replicas'.
        var owned: [ClosedRange<Int64>]
        var exhausted = 0
    }

    private let state: Mutex<State>
    /// The size of a block (0: one unbounded sequence).
    let blockSize: Int64

    /// A sequence that continues after `last`.
    init(after last: Int64) {
        state = Mutex(State(next: last + 1, end: .max, owned: [(last + 1)...Int64.max]))
        blockSize = 0
    }

    /// A server's first block of a shared log.
    init(block: ClosedRange<Int64>) {
        state = Mutex(State(next: block.lowerBound, end: block.upperBound, owned: [block]))
        blockSize = Int64(block.count)
    }

    /// The first of `count` consecutive ids, or nil when the blocks are used up.
    func take(_ count: Int) -> Int64? {
        let n = Int64(max(count, 0))
        return state.withLock { s in
            if s.end - s.next + 1 < n, let spare = s.spare, Int64(spare.count) >= n {
                s.next = spare.lowerBound
                s.end = spare.upperBound
                s.spare = nil
            }
            guard s.end - s.next + 1 >= n else {
                s.exhausted += count
                return nil
            }
            let first = s.next
            s.next += n
            return first
        }
    }

    /// Whether a block should be asked for now: the current one is half used and none is spare.
    var wantsBlock: Bool {
        guard blockSize > 0 else { return false }
        return state.withLock { s in s.spare == nil && s.end - s.next + 1 < blockSize / 2 }
    }

    func add(block: ClosedRange<Int64>) {
        state.withLock { s in
            s.spare = block
            s.owned.append(block)
        }
    }

    /// Whether this server gave (or may yet give) `id`.
    func owns(_ id: Int64) -> Bool {
        state.withLock { s in s.owned.contains { $0.contains(id) } }
    }

    /// The ids last given: the last one handed out (0 before any).
    var lastGiven: Int64 { state.withLock { $0.next - 1 } }
}
