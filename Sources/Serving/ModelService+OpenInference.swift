import Foundation

extension ModelService {
    /// Answers a `/v2` request of the Open Inference Protocol with the same token, limits,
    /// scoring, metrics, monitoring and prediction log as `/v1`. Errors take the protocol's body,
    /// `{"error": "..."}`; a request the model cannot take is a 400 (the protocol's status for a
    /// failed inference), as is a tensor that does not fit the model.
    func openInference(
        _ route: OpenInferenceRoute, roles: ModelRoles, path: String, method: String, authorization: String?,
        contentType: String?, body: IncomingBody?,
        start: ContinuousClock.Instant
    ) -> APIResponse {
        let error: APIError
        if route == .unknown {
            error = APIError(
                404, "no route \(path) in the Open Inference Protocol",
                details: ["its routes: " + OpenInferenceRoute.described.joined(separator: ", ")])
        } else if method != route.method {
            error = APIError(
                405, "\(route.label) accepts \(route.method) only", details: ["method \(method) is not allowed"])
            return error.openInferenceResponse.with(header: ("Allow", route.method))
        } else if !route.isOpen, !authorized(authorization) {
            error = APIError(
                401, "missing or wrong bearer token", details: ["send the header Authorization: Bearer TOKEN"])
        } else {
            do throws(APIError) {
                return try answer(route, roles: roles, contentType: contentType, body: body, start: start)
            } catch let refused {
                error = refused.status == 422 ? APIError(400, refused.message, details: refused.details) : refused
            }
        }
        return error.openInferenceResponse
    }

    private func answer(
        _ route: OpenInferenceRoute, roles: ModelRoles, contentType: String?, body: IncomingBody?,
        start: ContinuousClock.Instant
    ) throws(APIError) -> APIResponse {
        let openInference = roles.champion.openInference
        switch route {
        case .live, .ready:
            // The model is loaded and verified before the server listens: live is ready.
            return APIResponse(status: 200, contentType: "text/plain; charset=utf-8", body: "")
        case .serverMetadata:
            return .json(OpenInferenceModel.serverMetadata(version: serverVersion))
        case .modelMetadata(let model, let version):
            if let missing = openInference.check(model: model, version: version) { throw missing }
            return .json(openInference.metadataJSON)
        case .modelReady(let model, let version):
            if let missing = openInference.check(model: model, version: version) { throw missing }
            return APIResponse(status: 200, contentType: "text/plain; charset=utf-8", body: "")
        case .infer(let model, let version):
            if let missing = openInference.check(model: model, version: version) { throw missing }
            guard Self.isJSONOrUnsaid(contentType) else {
                throw APIError(
                    415, "the body must be JSON (Content-Type: application/json, or none)",
                    details: ["Content-Type was '\(contentType ?? "")'"])
            }
            let model = openInference
            return .json(
                try score(
                    body ?? .bytes(Data()), roles: roles, start: start,
                    parse: { (data: Data) throws(APIError) in try model.request(data) },
                    rows: \.rows, answer: { request, scored in model.responseBody(scored, request: request) }))
        case .unknown:
            throw APIError(404, "no such route")
        }
    }
}
