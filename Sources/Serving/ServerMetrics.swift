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
    private let requestHandles = Mutex<(counters: [RouteStatus: Metrics.Counter], timers: [String: Metrics.Timer])>(([:], [:]))
    private let classCounters: [String: Metrics.Counter]
    private let rowsScored: Metrics.Counter
    private let inputWarnings: Metrics.Counter
    private let logDropped: Metrics.Counter
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

    init(classes: [String], features: [String], predictionBuckets: [Double]) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.latencyLabel] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        if !predictionBuckets.isEmpty { factory.valueHistogramBuckets[Self.predictionValueLabel] = predictionBuckets }
        self.factory = factory
        var counters: [String: Metrics.Counter] = [:]
        for c in classes { counters[c] = Metrics.Counter(label: "workbench_predictions_total", dimensions: [("class", c)], factory: factory) }
        classCounters = counters
        rowsScored = Metrics.Counter(label: "workbench_rows_scored_total", factory: factory)
        inputWarnings = Metrics.Counter(label: "workbench_input_warnings_total", factory: factory)
        logDropped = Metrics.Counter(label: "workbench_prediction_log_dropped_total", factory: factory)
        outcomes = Metrics.Counter(label: "workbench_outcomes_recorded_total", factory: factory)
        let metric = [("metric", classes.isEmpty ? "rmse" : "accuracy")]
        realised = Metrics.Meter(label: "workbench_realised_metric", dimensions: metric, factory: factory)
        realisedLower = Metrics.Meter(label: "workbench_realised_metric_lower", dimensions: metric, factory: factory)
        realisedUpper = Metrics.Meter(label: "workbench_realised_metric_upper", dimensions: metric, factory: factory)
        validation = Metrics.Meter(label: "workbench_validation_metric", dimensions: metric, factory: factory)
        labelledRows = Metrics.Meter(label: "workbench_labelled_rows", factory: factory)
        labelledShare = Metrics.Meter(label: "workbench_labelled_share", factory: factory)
        performanceAlert = Metrics.Meter(label: "workbench_performance_alert", factory: factory)
        estimatedAccuracy = classes.isEmpty ? nil : Metrics.Meter(label: "workbench_estimated_accuracy", factory: factory)
        predictionValues = classes.isEmpty ? Metrics.Recorder(label: Self.predictionValueLabel, factory: factory) : nil
        var psi: [String: Metrics.Meter] = [:]
        var alert: [String: Metrics.Meter] = [:]
        for f in features {
            psi[f] = Metrics.Meter(label: "workbench_feature_psi", dimensions: [("feature", f)], factory: factory)
            alert[f] = Metrics.Meter(label: "workbench_feature_drift_alert", dimensions: [("feature", f)], factory: factory)
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
    }

    /// One answered request: its route (a fixed set, so unknown paths cannot blow up the label
    /// space), status and time to answer.
    func request(route: String, status: Int, nanoseconds: Int64) {
        let key = RouteStatus(route: route, status: status)
        let (counter, timer) = requestHandles.withLock { cache in
            let counter: Metrics.Counter
            if let c = cache.counters[key] {
                counter = c
            } else {
                counter = Metrics.Counter(label: "workbench_http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
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
