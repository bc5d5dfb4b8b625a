import Bundles
import Foundation
import Learning
import Synchronization

/// The live monitoring window of a running server: the last `window` scored rows (in memory
/// only, so sensitive values never reach disk here), the last requests, and which features are
/// in breach. Summaries are computed off the request path and cached until new rows arrive.
final class LiveMonitor: Sendable {
    let model: String
    let reference: BundleReference
    let features: [FeatureSpec]
    let classes: [String]
    let options: MonitorOptions

    private struct State {
        var inputs: [[JSONScalar]] = []
        var outputs: [JSONScalar] = []
        var next = 0
        var requests: [RequestRecord] = []
        var nextRequest = 0
        var rowsScored = 0
        var version = 0
        var cached: (version: Int, summary: MonitoringSummary)?
        /// The cached summary as `/v1/drift` answers it (encoding ten thousand features is not free).
        var cachedJSON: (version: Int, json: String)?
        var breaches = BreachTracker()
        /// Summaries computed so far (the cache's misses).
        var computations = 0
    }

    private let state = Mutex(State())

    init(model: String, reference: BundleReference, features: [FeatureSpec], classes: [String], options: MonitorOptions)
    {
        self.model = model
        self.reference = reference
        self.features = features
        self.classes = classes
        self.options = options
    }

    /// Adds one answered prediction request and its scored rows (none for an error) to the
    /// window (oldest fall out), under one lock. O(rows).
    func record(_ rows: [ScoredRow], request: RequestRecord) {
        let capacity = max(options.window, 1)
        state.withLock { s in
            if s.requests.count < capacity {
                s.requests.append(request)
            } else {
                s.requests[s.nextRequest] = request
                s.nextRequest = (s.nextRequest + 1) % capacity
            }
            for row in rows {
                let output: JSONScalar = row.label.map(JSONScalar.text) ?? row.value.map(JSONScalar.number) ?? .null
                if s.inputs.count < capacity {
                    s.inputs.append(row.inputs)
                    s.outputs.append(output)
                } else {
                    s.inputs[s.next] = row.inputs
                    s.outputs[s.next] = output
                    s.next = (s.next + 1) % capacity
                }
            }
            s.rowsScored += rows.count
            s.version += 1
        }
    }

    /// The current summary (recomputed only when something was recorded since the last one).
    func summary() -> MonitoringSummary {
        // Only references are taken under the lock (the arrays are copied on write), so requests
        // never wait for this copy; the window is put in order outside it.
        let snapshot:
            (
                version: Int, inputs: [[JSONScalar]], outputs: [JSONScalar], next: Int, requests: [RequestRecord],
                nextRequest: Int, rowsScored: Int
            )? = state.withLock { s in
                if let cached = s.cached, cached.version == s.version { return nil }
                return (s.version, s.inputs, s.outputs, s.next, s.requests, s.nextRequest, s.rowsScored)
            }
        guard let snapshot else {
            return state.withLock { $0.cached?.summary } ?? emptySummary()
        }
        let version = snapshot.version, rowsScored = snapshot.rowsScored
        let inputs = Array(snapshot.inputs[snapshot.next...] + snapshot.inputs[..<snapshot.next])
        let outputs = Array(snapshot.outputs[snapshot.next...] + snapshot.outputs[..<snapshot.next])
        let requests = Array(snapshot.requests[snapshot.nextRequest...] + snapshot.requests[..<snapshot.nextRequest])
        let summary = MonitoringSummary.compute(
            model: model, reference: reference, features: features, classes: classes, inputs: inputs,
            outputs: outputs, requests: requests, rowsScored: rowsScored, options: options)
        state.withLock { s in
            s.computations += 1
            if (s.cached?.version ?? -1) < version { s.cached = (version, summary) }
        }
        return summary
    }

    /// Summaries computed since the server started.
    var computations: Int { state.withLock { $0.computations } }

    /// The current summary as JSON, computed and encoded once per state of the window: again only
    /// after new rows or requests arrive (which is also when the window moves).
    func summaryJSON() -> String {
        if let json = state.withLock({ s in s.cachedJSON.flatMap { $0.version == s.version ? $0.json : nil } }) {
            return json
        }
        let version = state.withLock { $0.version }
        let summary = summary()
        let json = ModelService.encode(summary)
        state.withLock { s in
            // Only if nothing arrived meanwhile (`summary` may then describe a newer window).
            if s.version == version, s.cached?.version == version { s.cachedJSON = (version, json) }
        }
        return json
    }

    /// Alerts that start now (see `BreachTracker`).
    func newAlerts(in summary: MonitoringSummary) -> [MonitoringSummary.Alert] {
        state.withLock { s in s.breaches.starting(in: summary, rowsScored: s.rowsScored, window: options.window) }
    }

    private func emptySummary() -> MonitoringSummary {
        MonitoringSummary.compute(
            model: model, reference: reference, features: features, classes: classes, inputs: [], outputs: [],
            requests: [], rowsScored: 0, options: options)
    }
}

/// Which features are in breach, so an alert fires when a breach starts: a feature newly in
/// breach whose alert did not fire within the last window of rows (a feature flapping around its
/// threshold alerts once per window).
public struct BreachTracker: Sendable {
    private var breached: Set<String> = []
    /// The scored-row count when each feature's alert last fired.
    private var lastFired: [String: Int] = [:]

    public init() {}

    public mutating func starting(in summary: MonitoringSummary, rowsScored: Int, window: Int) -> [MonitoringSummary
        .Alert]
    {
        // While collecting, breaches are unknown rather than over.
        guard summary.status != "collecting" else { return [] }
        var fresh: [MonitoringSummary.Alert] = []
        for alert in summary.alerts where !breached.contains(alert.feature) {
            if let last = lastFired[alert.feature], rowsScored - last < window { continue }
            lastFired[alert.feature] = rowsScored
            fresh.append(alert)
        }
        breached = Set(summary.alerts.map(\.feature))
        return fresh
    }
}
