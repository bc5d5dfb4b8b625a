import Foundation
import Synchronization
import Bundles
import Diagnostics

/// The models of one server, by name: a request naming a model (`/v2/models/NAME/…`,
/// `/v1/models/NAME/…`) goes to that model's `ModelService`, with its own token check, limits,
/// metrics, monitoring and prediction log; the server's own routes (`/v2`, `/v2/health/…`,
/// `/healthz`, `/readyz`) are answered for all of them. With one model, the single-model routes
/// (`/v1/predict`, `/metrics`, …) are that model's; with several they say which routes to use,
/// but `/metrics` answers for all of them, each series labelled with its model (`MetricsMerge`).
///
/// The set of models can change while the server runs (`reload`, on SIGHUP for a folder of
/// bundles): each request reads the table once, so it finishes with the model it was routed to,
/// and a model taken out is closed (its log flushed) only once no request is still in it.
public final class ModelRouter: Sendable {
    private struct Table: Sendable {
        /// In the order they were given.
        var services: [ModelService]
        var byName: [String: ModelService]

        init(_ services: [ModelService]) {
            self.services = services
            byName = [:]
            for service in services { byName[service.bundle.manifest.name] = service }
        }
    }

    private let table: Mutex<Table>
    /// Whether one model answers the single-model routes (`/v1/predict`, …) too: for one bundle
    /// given, not for a folder of bundles, whose count can change.
    let singleModelRoutes: Bool
    /// The limits are the server's, the same for every model.
    public let maximumBodyBytes: Int

    /// Refuses two models of the same name: their routes would be the same.
    public init(_ services: [ModelService], singleModelRoutes: Bool = true) throws(ServingError) {
        guard let first = services.first else { throw ServingError.badOption("no bundle to serve") }
        try Self.checkNames(services.map(\.bundle.manifest.name))
        table = Mutex(Table(services))
        self.singleModelRoutes = singleModelRoutes
        maximumBodyBytes = first.maximumBodyBytes
    }

    /// The models served now, in order.
    public var services: [ModelService] { table.withLock { $0.services } }

    /// Serves `services` from now on (names distinct, at least one); returns the services that
    /// were served before and are not any more, for the caller to close once they are idle.
    func replace(with services: [ModelService]) throws(ServingError) -> [ModelService] {
        guard !services.isEmpty else { throw ServingError.badOption("no bundle to serve") }
        try Self.checkNames(services.map(\.bundle.manifest.name))
        let before = table.withLock { t in
            let old = t.services
            t = Table(services)
            return old
        }
        return before.filter { old in !services.contains { $0 === old } }
    }

    /// Two models of one name would share their routes (and their log).
    static func checkNames(_ names: [String]) throws(ServingError) {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw ServingError.badOption(
                Diagnostic(
                    "two bundles are both named '\(name)': each model is served under its name (/v2/models/NAME)",
                    remedy: "serve them from separate servers, or export one under another name")
            )
        }
    }

    private func names(_ services: [ModelService]) -> String {
        services.map { "'\($0.bundle.manifest.name)'" }.joined(separator: ", ")
    }

    /// Where a request goes: a model's service and the path it knows the route by, or nil for a
    /// route the router answers itself.
    private func target(_ rawPath: String) -> (service: ModelService, path: String)? {
        let table = table.withLock { $0 }
        let services = table.services, byName = table.byName
        let single = singleModelRoutes && services.count == 1
        let path = ModelService.routePath(rawPath)
        let modelsV1 = path.hasPrefix("/v1/models/")
        // One model on the single-model routes answers every other path itself, its /v2 model
        // routes under any name (its own 404 names it): no lookup on the way to every request.
        if single && !modelsV1 { return (services[0], rawPath) }
        if modelsV1 {
            let rest = path.dropFirst("/v1/models/".count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            let name = percentDecoded(rest[..<slash])
            guard let service = byName[name] else { return nil }
            let route = String(rest[slash...])
            return (service, route == "/metrics" ? "/metrics" : "/v1" + route)
        }
        if path.hasPrefix("/v2/models/") {
            let rest = path.dropFirst("/v2/models/".count)
            let name = percentDecoded(rest.prefix { $0 != "/" })
            guard let service = byName[name] else { return nil }
            return (service, rawPath)
        }
        if path == "/v2" || path == "/v2/" || path.hasPrefix("/v2/health/") || path == "/healthz" {
            return (services[0], rawPath)
        }
        return nil
    }

    public func wantsBody(method: String, path: String, authorization: String?, contentType: String?) -> Bool {
        guard let (service, route) = target(path) else { return false }
        return service.wantsBody(method: method, path: route, authorization: authorization, contentType: contentType)
    }

    /// Whether answering may take long (see `ModelService.answersOffLoop`).
    public func answersOffLoop(path: String) -> Bool {
        guard let (_, route) = target(path) else { return ModelService.routePath(path) == "/metrics" }
        return ModelService.answersOffLoop(path: route)
    }

    /// Answers one request whose body (when `wantsBody` said so) has been read.
    public func handle(
        method: String, path: String, authorization: String?, contentType: String? = nil, body: IncomingBody?,
        start: ContinuousClock.Instant = .now
    ) -> APIResponse {
        if let (service, route) = target(path) {
            service.inFlight.add(1, ordering: .sequentiallyConsistent)
            defer { service.inFlight.subtract(1, ordering: .sequentiallyConsistent) }
            return service.handle(
                method: method, path: route, authorization: authorization, contentType: contentType, body: body,
                start: start)
        }
        let services = self.services
        let names = names(services)
        let route = ModelService.routePath(path)
        // Past here the answer names the models: not without the token (the probe excepted).
        if route != "/readyz", !services[0].authorized(authorization) {
            let refused = APIError(
                401, "missing or wrong bearer token", details: ["send the header Authorization: Bearer TOKEN"])
            return route.hasPrefix("/v2/") ? refused.openInferenceResponse : refused.response
        }
        if route.hasPrefix("/v2/") {
            let name = route.dropFirst("/v2/models/".count).prefix { $0 != "/" }
            return APIError(404, "no model '\(name)' on this server", details: ["it serves \(names)"])
                .openInferenceResponse
        }
        if route == "/readyz" && method == "GET" {
            var w = JSONWriter()
            w.raw("{\"status\":\"ready\",\"models\":[")
            for (i, s) in services.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{\"name\":")
                w.string(s.bundle.manifest.name)
                w.raw(",\"model\":")
                w.string(s.bundle.manifest.modelID)
                w.raw(",\"verified\":true,\"signed\":\(s.bundle.signatureChecked)}")
            }
            w.raw("]}")
            return .json(w.text)
        }
        if route == "/metrics" && method == "GET" {
            let text = MetricsMerge.merge(services.map { ($0.bundle.manifest.name, $0.metricsText()) })
            return APIResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: text)
        }
        if route.hasPrefix("/v1/models/") {
            let name = route.dropFirst("/v1/models/".count).prefix { $0 != "/" }
            return APIError(
                404, "no model '\(name)' on this server",
                details: [
                    "it serves \(names): /v1/models/NAME/predict, /feedback, /model, /drift, /openapi.yaml, /metrics"
                ]
            ).response
        }
        return APIError(
            404,
            services.count == 1
                ? "this server serves its models by name (now \(names)), so \(route) does not say which"
                : "this server serves several models (\(names)), so \(route) does not say which",
            details: [
                "per model: /v1/models/NAME/predict, /v1/models/NAME/feedback, /v1/models/NAME/model, /v1/models/NAME/drift, /v1/models/NAME/openapi.yaml, /v1/models/NAME/metrics, and /v2/models/NAME/…"
            ]
        ).response
    }
}
