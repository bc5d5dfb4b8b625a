public import Bundles
import Crypto
public import Foundation
import Learning
import Synchronization
import Diagnostics

/// What a request body turned out to be when the server read it.
public enum IncomingBody: Sendable {
    case bytes(Data)
    /// Over the size limit (declared or counted while reading).
    case tooLarge
    case unreadable(String)
    /// The body did not arrive within the read timeout.
    case timedOut(Duration)
}

/// The serving API as plain request → response functions over a loaded bundle: routing, the
/// token check, validation, scoring, metrics, monitoring and the prediction log. The HTTP server
/// only adapts requests to `handle` and writes its answers back.
public final class ModelService: Sendable {
    /// Routes and the methods they accept.
    static let routes: [String: String] = [
        "/v1/predict": "POST", "/v1/feedback": "POST", "/v1/model": "GET", "/v1/openapi.yaml": "GET",
        "/v1/drift": "GET",
        "/healthz": "GET", "/readyz": "GET", "/metrics": "GET",
    ]
    /// Routes that answer without the token (probes of orchestrators carry none).
    static let open: Set<String> = ["/healthz", "/readyz"]

    public let maximumBodyBytes: Int
    /// Most rows one request may carry (`--max-rows`); more is a 413 naming the limit.
    public let maximumRows: Int
    /// The model that answers and, with `--shadow`, the challenger scored beside it. A request
    /// reads them once (`currentRoles`), so a promotion never splits one request between models.
    private let roles: Mutex<ModelRoles>
    /// Scores the challenger off the request path (nil without one).
    let shadow: ShadowScorer?
    let metrics: ServerMetrics
    let log: PredictionLog?
    /// The same log read back, for realised performance (nil without a log).
    let logReader: (any PredictionLogSource)?
    /// The latest realised performance, from the log, recomputed with the monitoring summary when
    /// the log changed (its `dataVersion`).
    private let performance = Mutex<(version: Int, result: RealisedPerformance)?>(nil)
    let alertCommand: AlertCommand?
    /// The server's own version, for `GET /v2`.
    let serverVersion: String
    /// The prediction ids this server gives: the log's (continuing its sequence, or blocks of a
    /// shared log's), from 1 without a log.
    private let ids: PredictionIDs
    let tokenDigest: [UInt8]?
    /// Requests being answered now (counted by the router), so a model taken out of a reloaded
    /// server is closed only once it is idle.
    let inFlight = Atomic<Int>(0)
    /// The location of the log (`--log`, per model), when there is one.
    let logPath: String?
    /// Set when a replacing service took this one's log over: closing this one leaves it open.
    let logHandedOver = Atomic<Bool>(false)

    /// - Parameter shadowBundle: a challenger scored on every answered row off the request path
    ///   (`--shadow`); refused unless it takes the champion's inputs for the same task and classes.
    public init(
        bundle: LoadedBundle, token: String?, maximumBodyBytes: Int, maximumRows: Int = ServeOptions.defaultMaximumRows,
        logPath: String?, redact: [String], alertCommand: AlertCommand?, monitorOptions: MonitorOptions,
        logRetention: Int = 1_000_000, logMaxAge: Double? = nil,
        serverVersion: String = ServeOptions.unspecifiedVersion,
        shadowBundle: LoadedBundle? = nil, shadowQueueRows: Int = ServeOptions.defaultShadowQueueRows,
        replica: String? = nil,
        perModelRoutes: Bool = false, reusingLogOf previous: ModelService? = nil
    ) throws {
        self.serverVersion = serverVersion
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumRows = max(maximumRows, 1)
        let pipeline = bundle.pipeline
        let features = pipeline.inputs
        let unknown = redact.filter { name in !features.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw ServingError.badOption(
                Diagnostic(
                    "\(setting: "redact") names column\(unknown.count == 1 ? "" : "s") the model does not take: \(unknown.joined(separator: ", "))",
                    remedy: "the model's inputs: \(features.map(\.name).joined(separator: ", "))")
            )
        }
        if let shadowBundle, let problem = ModelRoles.incompatibility(champion: bundle, challenger: shadowBundle) {
            throw ServingError.badOption(
                Diagnostic(
                    "\(setting: "shadow"): \(problem)",
                    remedy:
                        "a challenger must take the champion's inputs (any order) and predict the same target: train it on the same columns"
                )
            )
        }
        let champion = try ServedModel(
            bundle: bundle, servedName: bundle.manifest.name, redact: redact, maximumRows: maximumRows,
            monitorOptions: monitorOptions,
            perModelRoutes: perModelRoutes)
        let challenger = try shadowBundle.map {
            try ServedModel(
                bundle: $0, servedName: bundle.manifest.name, redact: redact, maximumRows: maximumRows,
                monitorOptions: monitorOptions,
                perModelRoutes: perModelRoutes)
        }
        roles = Mutex(ModelRoles(champion: champion, challenger: challenger))
        let reference = try BundleReference.decode(bundle.reference)
        let buckets = reference.predictions.features.first?.numeric?.edges ?? []
        let metrics = ServerMetrics(
            classes: pipeline.target.classes, features: features.map(\.name), predictionBuckets: buckets,
            shadow: shadowBundle != nil)
        self.metrics = metrics
        if let previous, let inherited = previous.log, logPath == previous.logPath {
            // A reload that replaced the model: the log goes on (one writer per file, ids
            // continuing), now recording the new model (taken over at the end, once nothing can fail).
            log = inherited
        } else {
            log = try logPath.map {
                try PredictionLog(
                    location: $0, bundle: bundle, redact: Set(redact), retention: logRetention, maximumAge: logMaxAge,
                    shadowBundle: shadowBundle, replica: replica, onDrop: { metrics.logDropped($0) },
                    onWriteError: { metrics.logWriteFailed() },
                    onWaiting: { metrics.logWaiting($0) })
            }
        }
        self.logPath = logPath
        do {
            logReader = try logPath.map {
                try PredictionLogs.open($0, model: PredictionLogLocation.isShared($0) ? bundle.manifest.name : nil)
            }
        } catch {
            // An inherited log stays with the service it came from.
            if previous?.log !== log { log?.close() }
            throw error
        }
        shadow =
            shadowBundle == nil ? nil : ShadowScorer(log: log, metrics: metrics, maximumQueuedRows: shadowQueueRows)
        ids = log?.ids ?? PredictionIDs(after: 0)
        self.alertCommand = alertCommand
        tokenDigest = token.map { Array(SHA256.hash(data: Data($0.utf8))) }
        if let previous, let log, previous.log === log {
            try log.recordPromotion(champion: bundle, challenger: nil)
            previous.logHandedOver.store(true, ordering: .sequentiallyConsistent)
        }
    }

    /// The model answering now and its challenger, read in one step.
    var currentRoles: ModelRoles { roles.withLock { $0 } }

    /// The bundle of the model answering now (the champion).
    public var bundle: LoadedBundle { currentRoles.champion.bundle }

    /// The challenger's bundle, scored in the champion's shadow (nil without `--shadow`).
    public var challengerBundle: LoadedBundle? { currentRoles.challenger?.bundle }

    /// The answering model's drift monitor.
    var monitor: LiveMonitor { currentRoles.champion.monitor }

    /// Swaps champion and challenger in one step: requests that read the roles before it finish
    /// on the model they started with, later ones are answered by the new champion. Returns the
    /// roles as they were and as they are, or nil when there is no challenger.
    func swapRoles() -> (before: ModelRoles, after: ModelRoles)? {
        let swapped: (ModelRoles, ModelRoles)? = roles.withLock { r in
            guard let next = r.swapped else { return nil }
            let before = r
            r = next
            return (before, next)
        }
        guard let swapped else { return nil }
        // The realised performance cached for the old champion is not the new one's.
        performance.withLock { $0 = nil }
        return swapped
    }

    /// Answers one request. Never throws: every failure is an answer with its status.
    /// - Parameters:
    ///   - path: the request target (a query string is ignored).
    ///   - body: reads the body, within `maximumBodyBytes`; called only for routes that take one.
    public func handle(
        method: String, path rawPath: String, authorization: String?, contentType: String?,
        body: @Sendable () async -> IncomingBody
    ) async -> APIResponse {
        let start = ContinuousClock.now
        let incoming =
            wantsBody(method: method, path: rawPath, authorization: authorization, contentType: contentType)
            ? await body() : nil
        return handle(
            method: method, path: rawPath, authorization: authorization, contentType: contentType, body: incoming,
            start: start)
    }

    /// Whether the request's body will be read: a JSON POST to /v1/predict or /v1/feedback, or to a /v2 infer route
    /// with the token (when one is set). Other requests are answered without it, so a client
    /// without the token cannot make the server read a large body.
    public func wantsBody(method: String, path rawPath: String, authorization: String?, contentType: String?) -> Bool {
        guard method == "POST", authorized(authorization) else { return false }
        let path = Self.routePath(rawPath)
        if path == "/v1/predict" || path == "/v1/feedback" { return Self.isJSON(contentType) }
        guard case .infer? = OpenInferenceRoute(path: path) else { return false }
        return Self.isJSONOrUnsaid(contentType)
    }

    /// A /v2 infer body may also come without a Content-Type: the protocol's own clients
    /// (tritonclient) send none. A type a browser form can send cross-site is still refused.
    static func isJSONOrUnsaid(_ contentType: String?) -> Bool {
        contentType == nil || isJSON(contentType)
    }

    /// `application/json`, with or without parameters (`; charset=utf-8`), in any case. Anything
    /// else is refused: a browser may POST text/plain or a form cross-site without asking first
    /// (no CORS preflight), but not JSON, so this keeps other web pages from using a local server.
    /// The media type is compared as ASCII, case-insensitively, between optional spaces and tabs
    /// (HTTP's white space), without Foundation: this runs on every request.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        if contentType == "application/json" { return true }
        var type = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }[...]
        while let first = type.first, first == 0x20 || first == 0x09 { type = type.dropFirst() }
        while let last = type.last, last == 0x20 || last == 0x09 { type = type.dropLast() }
        let expected = "application/json".utf8
        return type.count == expected.count
            && zip(type, expected).allSatisfy { a, b in
                // ASCII letters differ from their capitals in bit 0x20 only.
                a == b || (a | 0x20 == b && b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
            }
    }

    /// Answers one request whose body (when `wantsBody` said so) has been read: the synchronous
    /// core, called on the server's event loop.
    /// - Parameter start: when the request arrived, for its latency.
    public func handle(
        method: String, path rawPath: String, authorization: String?, contentType: String? = nil, body: IncomingBody?,
        start: ContinuousClock.Instant = .now
    ) -> APIResponse {
        let path = Self.routePath(rawPath)
        let response: APIResponse
        let route: String
        // Read once: the whole request is answered by the model that was champion when it arrived.
        let roles = currentRoles
        // The prediction route, the one that matters for speed, without hashing the path.
        let predicting = path == "/v1/predict"
        if !predicting, let v2 = OpenInferenceRoute(path: path) {
            route = v2.label
            response = openInference(
                v2, roles: roles, path: path, method: method, authorization: authorization, contentType: contentType,
                body: body, start: start)
        } else if path == Self.promoteRoute {
            route = path
            response = promote(method: method, authorization: authorization)
        } else if let allowed = predicting ? "POST" : Self.routes[path] {
            route = path
            if method != allowed {
                response = APIError(
                    405, "\(path) accepts \(allowed) only", details: ["method \(method) is not allowed"]
                ).response.with(header: ("Allow", allowed))
            } else if predicting || !Self.open.contains(path), !authorized(authorization) {
                response =
                    APIError(
                        401, "missing or wrong bearer token", details: ["send the header Authorization: Bearer TOKEN"]
                    ).response
            } else if predicting || path == "/v1/feedback", !Self.isJSON(contentType) {
                response =
                    APIError(
                        415, "the body must be JSON (Content-Type: application/json)",
                        details: ["Content-Type was \(contentType.map { "'\($0)'" } ?? "not sent")"]
                    ).response
            } else {
                switch path {
                case "/v1/predict":
                    response = predict(body: body ?? .bytes(Data()), roles: roles, start: start)
                case "/v1/feedback": response = feedback(body: body ?? .bytes(Data()))
                case "/v1/model": response = .json(roles.champion.manifestJSON)
                case "/v1/openapi.yaml":
                    response = APIResponse(status: 200, contentType: "application/yaml", body: roles.champion.openAPI)
                case "/v1/drift": response = .json(driftJSON())
                case "/healthz": response = .json("{\"status\":\"alive\"}")
                case "/readyz":
                    response = .json(
                        "{\"status\":\"ready\",\"model\":\(JSONWriter.quoted(bundle.manifest.modelID)),\"verified\":true,\"signed\":\(bundle.signatureChecked)}"
                    )
                default:
                    response = APIResponse(
                        status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metricsText())
                }
            }
        } else {
            route = "unknown"
            response =
                APIError(
                    404, "no route \(path)",
                    details: [
                        "routes: " + Self.routes.keys.sorted().joined(separator: ", ")
                            + ", /v2 (the Open Inference Protocol)"
                    ]
                ).response
        }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        metrics.request(route: route, status: response.status, nanoseconds: nanoseconds)
        let scoring = route == "/v1/predict" || route == OpenInferenceRoute.inferLabel
        if scoring, response.status == 401 {
            // Apart from the audit trail and the monitoring window: requests without the token
            // must never push authorised ones out of either.
            log?.appendRejected(time: Date().timeIntervalSince1970, status: response.status)
        } else if scoring, response.status != 200 {
            record(status: response.status, nanoseconds: nanoseconds, rows: [], model: roles.champion)
        }
        return response
    }

    /// Whether answering may take long: a drift summary (milliseconds to seconds for a wide
    /// model), or outcomes checked against and written to the prediction log (SQLite, on disk).
    /// The server answers these off its event loops.
    static func answersOffLoop(path: String) -> Bool {
        let route = routePath(path)
        return route == "/v1/drift" || route == "/metrics" || route == "/v1/feedback" || route == promoteRoute
    }

    /// The path without its query string.
    static func routePath(_ rawPath: String) -> String {
        guard let question = rawPath.utf8.firstIndex(of: UInt8(ascii: "?")) else { return rawPath }
        return String(rawPath[..<question])
    }

    private func predict(body: IncomingBody, roles: ModelRoles, start: ContinuousClock.Instant) -> APIResponse {
        let model = roles.champion
        do {
            return .json(
                try score(
                    body, roles: roles, start: start,
                    parse: { (data: Data) throws(APIError) in try model.rows.parse(data) }, rows: { $0 },
                    answer: { _, scored in model.scorer.responseBody(scored) }))
        } catch {
            return error.response
        }
    }

    /// The scoring path every prediction route shares: the body within its limits, parsed by the
    /// route into rows of the model's inputs, scored, counted in the metrics, the monitoring window
    /// and the prediction log; returns the route's answer to the scored rows. With a challenger,
    /// the scored rows are queued for it (never waited for: see `ShadowScorer`).
    func score<Request>(
        _ body: IncomingBody, roles: ModelRoles, start: ContinuousClock.Instant,
        parse: (Data) throws(APIError) -> Request,
        rows: (Request) -> [[JSONScalar]], answer: (Request, [ScoredRow]) -> String
    ) throws(APIError) -> String {
        let data = try bodyData(body, unit: "rows")
        let request = try parse(data)
        var scored = try roles.champion.scorer.score(rows(request))
        // Ids for the rows, in order: one step per request. None when a shared log's blocks ran out
        // while its database was away: answered, but not logged (and counted as dropped).
        if let first = ids.take(scored.count) {
            for r in scored.indices { scored[r].id = first + Int64(r) }
        } else if log != nil {
            metrics.logDropped(scored.count)
        }
        let text = answer(request, scored)
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        metrics.scored(scored)
        record(status: 200, nanoseconds: nanoseconds, rows: scored, model: roles.champion)
        if let shadow, let challenger = roles.challenger {
            shadow.submit(
                scored, champion: roles.champion.modelID, challenger: challenger, inputs: roles.challengerInputs)
        }
        return text
    }

    /// The bytes of a body that arrived whole, or the error its reading ended in.
    func bodyData(_ body: IncomingBody, unit: String) throws(APIError) -> Data {
        switch body {
        case .bytes(let d): return d
        case .tooLarge:
            throw APIError(
                413, "the body is larger than \(maximumBodyBytes) bytes", details: ["send fewer \(unit) per request"])
        case .unreadable(let reason):
            throw APIError(400, "the body could not be read", details: [reason])
        case .timedOut(let limit):
            throw APIError(
                408, "the body did not arrive within \(limit)", details: ["send the whole request body at once"])
        }
    }

    private func record(status: Int, nanoseconds: Int64, rows: [ScoredRow], model: ServedModel) {
        let time = Date().timeIntervalSince1970
        let milliseconds = Double(nanoseconds) / 1_000_000
        model.monitor.record(
            rows,
            request: RequestRecord(time: time, status: status, latencyMilliseconds: milliseconds, rows: rows.count))
        log?.append(
            time: time, status: status, latencyMilliseconds: milliseconds, rows: rows, model: model.modelID,
            features: model.featureNames, classes: model.bundle.pipeline.target.classes)
    }

    /// Constant-time comparison of SHA-256 digests: the time taken depends on neither the token's
    /// length nor on how many leading bytes match.
    func authorized(_ header: String?) -> Bool {
        guard let expected = tokenDigest else { return true }
        let presented: String
        if let header, header.count > 7, header.prefix(7).lowercased() == "bearer " {
            presented = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else {
            presented = ""
        }
        let digest = Array(SHA256.hash(data: Data(presented.utf8)))
        var difference: UInt8 = 0
        for i in 0..<expected.count { difference |= expected[i] ^ digest[i] }
        return difference == 0 && header != nil
    }

    // MARK: monitoring

    /// Recomputes the monitoring summary, updates the drift gauges and runs the alert command for
    /// breaches that start now. Called periodically off the request path.
    @discardableResult
    public func evaluateMonitoring() -> MonitoringSummary {
        let summary = monitor.summary().with(performance: evaluatePerformance())
        metrics.monitoring(summary)
        let fresh = monitor.newAlerts(in: summary)
        if let alertCommand {
            for alert in fresh { alertCommand.run(json: summary.alertJSON(alert)) }
        }
        return summary
    }

    /// The live monitoring summary, with the latest realised performance.
    public func monitoringSummary() -> MonitoringSummary {
        monitor.summary().with(performance: performance.withLock { $0?.result })
    }

    /// `/v1/drift`: the cached summary's JSON, with the latest realised performance (from the
    /// periodic evaluation) added as `performance` when the server keeps a log. The performance
    /// alone is encoded per request; the summary's JSON stays cached as it was.
    func driftJSON() -> String {
        let json = monitor.summaryJSON()
        guard let performance = performance.withLock({ $0?.result }), json.hasSuffix("}") else { return json }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(performance) else { return json }
        // Its `breached` says whether it alerts; `status` and `alerts` stay the drift summary's.
        return String(json.dropLast()) + ",\"performance\":" + String(decoding: data, as: UTF8.self) + "}"
    }

    /// Realised performance over the log's last window of predictions and their outcomes; nil
    /// without a log (or when it cannot be read now). Sets the gauges.
    func evaluatePerformance() -> RealisedPerformance? {
        guard let logReader, let version = try? logReader.dataVersion() else { return nil }
        // Nothing committed since: the same figures (reading and decoding the window is not free).
        if let cached = performance.withLock({ $0 }), cached.version == version { return cached.result }
        guard
            let rows = try? logReader.labelledWindow(
                rows: min(monitor.options.window, PredictionLogReader.maximumWindow))
        else { return nil }
        let pipeline = bundle.pipeline
        let result = RealisedPerformance.compute(
            rows: rows, classification: pipeline.task == .classification, metrics: bundle.manifest.metrics,
            tolerance: monitor.options.tolerance, minimumRows: monitor.options.minimumRows,
            calibration: pipeline.calibration?.method.rawValue, classes: pipeline.target.classes)
        performance.withLock { $0 = (version, result) }
        metrics.performance(result)
        return result
    }

    func metricsText() -> String {
        metrics.monitoring(monitor.summary())
        return metrics.exposition()
    }

    /// Stops the challenger's scorer (after scoring what is queued), then the log writer after
    /// writing what is queued.
    public func close() {
        shadow?.close()
        if !logHandedOver.load(ordering: .sequentiallyConsistent) { log?.close() }
    }

    // MARK: JSON

    static func encode(_ summary: MonitoringSummary) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(summary)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The manifest without what a public endpoint should not show: the categories and ranges of
    /// sensitive columns (marked at export or named by `--redact`), and the machine the resource
    /// profile was measured on.
    static func publicManifest(_ bundle: LoadedBundle, hiding sensitive: Set<String>) -> String {
        var m = bundle.manifest
        m.inputs = m.inputs.map { c in
            guard c.sensitive || sensitive.contains(c.name) else { return c }
            var c = c
            c.categories = nil
            c.minimum = nil
            c.maximum = nil
            return c
        }
        m.resources?.machine = ""
        return (try? ModelCoding.encoder().encode(m)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension APIResponse {
    func with(header: (String, String)) -> APIResponse {
        var r = self
        r.headers.append(header)
        return r
    }
}
