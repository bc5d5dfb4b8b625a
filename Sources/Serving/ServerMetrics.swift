import Foundation
import Metrics
import Prometheus
import Synchronization

/// The server's Prometheus metrics, recorded through swift-metrics with a factory bound to this
/// server's own registry (no global bootstrap, so several servers can run in one process).
final class ServerMetrics: Sendable {
    static let latencyLabel = "workbench_http_request_duration_seconds"
    static let predictionValueLabel = "workbench_prediction_value"

    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private struct RouteStatus: Hashable {
        var route: String
        var status: Int
    }
    /// The request counters (per route and status) and latency timers (per route), made on first
    /// use: a series appears once something was counted in it.
    private let requestHandles = Mutex<(counters: [RouteStatus: Metrics.Counter], timers: [String: Metrics.Timer])>(
        ([:], [:]))
    private let classCounters: [String: Metrics.Counter]
    private let rowsScored: Metrics.Counter
    private let inputWarnings: Metrics.Counter
    /// Rows the prediction log dropped (its store could not take them in time), and failed writes.
    private let logDropped: Metrics.Counter
    private let logWriteErrors: Metrics.Counter
    /// Rows held for the prediction log's store after a failed write (0 when all are written).
    private let logWaiting: Metrics.Meter
    private let outcomes: Metrics.Counter
    /// Realised performance on the window's labelled rows (`RealisedPerformance`).
    private let realised: Metrics.Meter
    private let realisedLower: Metrics.Meter
    private let realisedUpper: Metrics.Meter
    private let validation: Metrics.Meter
    private let labelledRows: Metrics.Meter
    private let labelledShare: Metrics.Meter
    private let performanceAlert: Metrics.Meter
    private let estimatedAccuracy: Metrics.Meter?
    private let predictionValues: Metrics.Recorder?
    private let featurePSI: [String: Metrics.Meter]
    private let featureAlert: [String: Metrics.Meter]
    private let alertsActive: Metrics.Meter
    private let windowRows: Metrics.Meter
    private let resident: Metrics.Meter
    private let cpu: Metrics.Meter
    private let fds: Metrics.Meter
    private let uptime: Metrics.Meter
    private let startTime: Metrics.Meter
    private let started = Date()
    /// With a challenger (`--shadow`): its rows scored, failed and dropped, how often it agrees
    /// with the champion, and the promotions.
    private struct Shadow: Sendable {
        var scored: Metrics.Counter
        var failed: Metrics.Counter
        var dropped: Metrics.Counter
        var agreement: Metrics.Meter
        var compared: Metrics.Meter
        var promotions: Metrics.Counter
    }
    private let shadow: Shadow?

    init(classes: [String], features: [String], predictionBuckets: [Double], shadow withShadow: Bool = false) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.latencyLabel] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(5),
        ]
        if !predictionBuckets.isEmpty { factory.valueHistogramBuckets[Self.predictionValueLabel] = predictionBuckets }
        self.factory = factory
        var counters: [String: Metrics.Counter] = [:]
        for c in classes {
            counters[c] = Metrics.Counter(
                label: "workbench_predictions_total", dimensions: [("class", c)], factory: factory)
        }
        classCounters = counters
        rowsScored = Metrics.Counter(label: "workbench_rows_scored_total", factory: factory)
        inputWarnings = Metrics.Counter(label: "workbench_input_warnings_total", factory: factory)
        logDropped = Metrics.Counter(label: "workbench_log_rows_dropped_total", factory: factory)
        logWriteErrors = Metrics.Counter(label: "workbench_log_write_errors_total", factory: factory)
        logWaiting = Metrics.Meter(label: "workbench_log_rows_waiting", factory: factory)
        outcomes = Metrics.Counter(label: "workbench_outcomes_recorded_total", factory: factory)
        let metric = [("metric", classes.isEmpty ? "rmse" : "accuracy")]
        realised = Metrics.Meter(label: "workbench_realised_metric", dimensions: metric, factory: factory)
        realisedLower = Metrics.Meter(label: "workbench_realised_metric_lower", dimensions: metric, factory: factory)
        realisedUpper = Metrics.Meter(label: "workbench_realised_metric_upper", dimensions: metric, factory: factory)
        validation = Metrics.Meter(label: "workbench_validation_metric", dimensions: metric, factory: factory)
        labelledRows = Metrics.Meter(label: "workbench_labelled_rows", factory: factory)
        labelledShare = Metrics.Meter(label: "workbench_labelled_share", factory: factory)
        performanceAlert = Metrics.Meter(label: "workbench_performance_alert", factory: factory)
        estimatedAccuracy =
            classes.isEmpty ? nil : Metrics.Meter(label: "workbench_estimated_accuracy", factory: factory)
        predictionValues = classes.isEmpty ? Metrics.Recorder(label: Self.predictionValueLabel, factory: factory) : nil
        var psi: [String: Metrics.Meter] = [:]
        var alert: [String: Metrics.Meter] = [:]
        for f in features {
            psi[f] = Metrics.Meter(label: "workbench_feature_psi", dimensions: [("feature", f)], factory: factory)
            alert[f] = Metrics.Meter(
                label: "workbench_feature_drift_alert", dimensions: [("feature", f)], factory: factory)
        }
        featurePSI = psi
        featureAlert = alert
        alertsActive = Metrics.Meter(label: "workbench_drift_alerts_active", factory: factory)
        windowRows = Metrics.Meter(label: "workbench_monitoring_window_rows", factory: factory)
        resident = Metrics.Meter(label: "process_resident_memory_bytes", factory: factory)
        cpu = Metrics.Meter(label: "process_cpu_seconds_total", factory: factory)
        fds = Metrics.Meter(label: "process_open_fds", factory: factory)
        uptime = Metrics.Meter(label: "process_uptime_seconds", factory: factory)
        startTime = Metrics.Meter(label: "process_start_time_seconds", factory: factory)
        startTime.set(started.timeIntervalSince1970)
        shadow =
            !withShadow
            ? nil
            : Shadow(
                scored: Metrics.Counter(label: "workbench_shadow_rows_scored_total", factory: factory),
                failed: Metrics.Counter(label: "workbench_shadow_rows_failed_total", factory: factory),
                dropped: Metrics.Counter(label: "workbench_shadow_rows_dropped_total", factory: factory),
                // Classification: the share of rows where the two models give the same label;
                // regression: the mean absolute difference of their values.
                agreement: Metrics.Meter(
                    label: classes.isEmpty ? "workbench_shadow_mean_absolute_difference" : "workbench_shadow_agreement",
                    factory: factory),
                compared: Metrics.Meter(label: "workbench_shadow_rows_compared", factory: factory),
                promotions: Metrics.Counter(label: "workbench_promotions_total", factory: factory))
        if let s = self.shadow {
            // Present from the start, so a dashboard sees 0 rather than no series.
            s.scored.increment(by: 0)
            s.failed.increment(by: 0)
            s.dropped.increment(by: 0)
            s.promotions.increment(by: 0)
            s.agreement.set(Double.nan)
            s.compared.set(0)
        }
    }

    /// Rows the challenger scored (or failed to) in one batch, and the agreement so far.
    func shadowScored(scored: Int, failed: Int, tally: ShadowScorer.Tally) {
        guard let shadow else { return }
        if scored > 0 { shadow.scored.increment(by: scored) }
        if failed > 0 { shadow.failed.increment(by: failed) }
        shadow.compared.set(tally.compared)
        guard tally.compared > 0 else { return }
        let classification = classCounters.isEmpty == false
        shadow.agreement.set(
            classification
                ? Double(tally.agreed) / Double(tally.compared) : tally.absoluteDifference / Double(tally.compared))
    }

    /// Rows dropped for the challenger because its queue was full.
    func shadowDropped(_ count: Int) { shadow?.dropped.increment(by: count) }

    func promoted() { shadow?.promotions.increment() }

    /// One answered request: its route (a fixed set, so unknown paths cannot blow up the label
    /// space), status and time to answer.
    func request(route: String, status: Int, nanoseconds: Int64) {
        let key = RouteStatus(route: route, status: status)
        let (counter, timer) = requestHandles.withLock { cache in
            let counter: Metrics.Counter
            if let c = cache.counters[key] {
                counter = c
            } else {
                counter = Metrics.Counter(
                    label: "workbench_http_requests_total", dimensions: [("route", route), ("status", String(status))],
                    factory: factory)
                cache.counters[key] = counter
            }
            let timer: Metrics.Timer
            if let t = cache.timers[route] {
                timer = t
            } else {
                timer = Metrics.Timer(label: Self.latencyLabel, dimensions: [("route", route)], factory: factory)
                cache.timers[route] = timer
            }
            return (counter, timer)
        }
        counter.increment()
        timer.recordNanoseconds(nanoseconds)
    }

    func scored(_ rows: [ScoredRow]) {
        rowsScored.increment(by: rows.count)
        for row in rows {
            if let label = row.label { classCounters[label]?.increment() }
            if let value = row.value { predictionValues?.record(value) }
            if !row.warnings.isEmpty { inputWarnings.increment(by: row.warnings.count) }
        }
    }

    func logDropped(_ count: Int) { logDropped.increment(by: count) }

    func logWriteFailed() { logWriteErrors.increment() }

    func logWaiting(_ rows: Int) { logWaiting.set(rows) }

    /// Outcomes newly stored by `POST /v1/feedback`.
    func outcomesRecorded(_ count: Int) { outcomes.increment(by: count) }

    /// Drift gauges from the latest monitoring summary.
    func monitoring(_ summary: MonitoringSummary) {
        windowRows.set(summary.windowRows)
        for f in summary.features {
            if let psi = f.psi { featurePSI[f.name]?.set(psi) }
            featureAlert[f.name]?.set(f.drifted ? 1 : 0)
        }
        alertsActive.set(summary.alerts.count)
    }

    /// Realised-performance gauges from the latest window; NaN where there is no figure.
    func performance(_ p: RealisedPerformance) {
        realised.set(p.value ?? Double.nan)
        realisedLower.set(p.lower ?? Double.nan)
        realisedUpper.set(p.upper ?? Double.nan)
        validation.set(p.validation ?? Double.nan)
        labelledRows.set(p.labelledRows)
        labelledShare.set(p.labelledShare)
        performanceAlert.set(p.breached ? 1 : 0)
        estimatedAccuracy?.set(p.estimated?.window ?? Double.nan)
    }

    /// The Prometheus text exposition, with the process figures read now.
    func exposition() -> String {
        let r = ProcessResources.current()
        resident.set(r.residentBytes)
        cpu.set(r.cpuSeconds)
        fds.set(r.openFileDescriptors)
        uptime.set(Date().timeIntervalSince(started))
        return registry.emitToString()
    }
}
