import Foundation
import Tabular

/// The truth that became known for one served prediction: its class (classification) or its
/// value (regression), named by the prediction's id.
public struct Outcome: Sendable, Equatable {
    public var id: Int64
    public var label: String?
    public var value: Double?

    public init(id: Int64, label: String? = nil, value: Double? = nil) {
        self.id = id
        self.label = label
        self.value = value
    }

    /// The outcome as a client sends it: `label "Adelie"` or `value 3.5`.
    var described: String {
        if let label { return "label " + JSONWriter.quoted(label) }
        return "value " + (value.map(formatNumber) ?? "null")
    }
}

/// What storing outcomes did: all were stored (or already stored alike), or none was.
enum OutcomeStorage: Sendable, Equatable {
    /// `recorded` new outcomes; `unchanged` that were already recorded with the same truth.
    case stored(recorded: Int, unchanged: Int)
    /// Ids with no prediction in the log (never served, or older than the log's retention).
    case unknown([Int64])
    /// Ids that already have another outcome: what was sent and what is stored.
    case conflicting([(sent: Outcome, stored: Outcome)])

    static func == (a: OutcomeStorage, b: OutcomeStorage) -> Bool {
        switch (a, b) {
        case (.stored(let r1, let u1), .stored(let r2, let u2)): r1 == r2 && u1 == u2
        case (.unknown(let x), .unknown(let y)): x == y
        case (.conflicting(let x), .conflicting(let y)):
            x.map(\.sent) == y.map(\.sent) && x.map(\.stored) == y.map(\.stored)
        default: false
        }
    }
}

extension PredictionLog {
    /// Stores `outcomes` (ids distinct) all together or not at all: refused when an id names no
    /// prediction in the log or already has a different outcome; an outcome sent again alike is
    /// counted as unchanged (so a client may retry). Checked and written in one transaction, so
    /// concurrent requests for one id cannot both win — on any replica of a shared log. Blocks on
    /// the store (and, for predictions that may still be queued, on the writers): call it off the
    /// event loops.
    func store(_ outcomes: [Outcome], time: Double = Date().timeIntervalSince1970) throws -> OutcomeStorage {
        let ids = outcomes.map(\.id)
        var missing = try store.missing(ids)
        // Predictions answered moments ago may still be in this server's queue…
        if missing.contains(where: { self.ids.owns($0) }) {
            waitUntilWritten()
            missing = try store.missing(ids)
        }
        // …or in another replica's, written within its next flush.
        if !missing.isEmpty, missing.contains(where: { !self.ids.owns($0) }), PredictionLogLocation.isShared(location) {
            usleep(useconds_t(Self.replicaFlushWait * 1_000_000))
        }
        return try store.insert(outcomes, time: time)
    }

    /// How long an outcome for an id another replica gave waits for that replica's writer.
    static let replicaFlushWait = 0.5
}
