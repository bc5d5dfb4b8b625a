public import Diagnostics
/// A response of the serving API, independent of the HTTP server that writes it.
public struct APIResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: String
    /// Extra headers (e.g. `Allow` on a 405).
    public var headers: [(String, String)] = []

    public init(status: Int, contentType: String = "application/json", body: String, headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    static func json(_ body: String, status: Int = 200) -> APIResponse {
        APIResponse(status: status, body: body)
    }
}

/// A client error: its HTTP status and a JSON body `{"error": ..., "details": [...]}`. Client
/// errors are answers, never crashes: nothing a request holds can turn into a 500.
public struct APIError: Error, Sendable, Equatable {
    public var status: Int
    public var message: String
    public var details: [String]

    public init(_ status: Int, _ message: String, details: [String] = []) {
        self.status = status
        self.message = message
        self.details = details
    }

    /// A diagnostic as HTTP clients read it: the message as `error`, the remedy as the one detail,
    /// settings spelled as the flags the server was started with (`--max-rows`).
    public init(_ status: Int, _ diagnostic: Diagnostic) {
        self.init(
            status, diagnostic.message.spelled(.commandLine),
            details: diagnostic.remedy.map { [$0.spelled(.commandLine)] } ?? [])
    }

    public var response: APIResponse {
        var w = JSONWriter()
        w.raw("{\"error\":")
        w.string(message)
        w.raw(",\"details\":[")
        for (i, d) in details.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(d)
        }
        w.raw("]}")
        return APIResponse(status: status, body: w.text, headers: headers)
    }

    /// The headers an error's status calls for, whatever the body's shape: how to authenticate
    /// after a 401; a 408 closes the connection (the rest of the body is not worth reading).
    var headers: [(String, String)] {
        switch status {
        case 401: [("WWW-Authenticate", "Bearer")]
        case 408: [("Connection", "close")]
        default: []
        }
    }

    static func malformedJSON(_ reason: String) -> APIError {
        APIError(400, "the body is not valid JSON", details: [reason])
    }

    static func tooManyRows(_ limit: Int) -> APIError {
        APIError(
            413,
            Diagnostic(
                "the request has more than \(limit) rows",
                remedy: "send at most \(limit) rows per request (the server's \(setting: "max_rows"))"))
    }

    static func invalidFields(_ details: [String]) -> APIError {
        APIError(422, "the request does not match the model's input schema", details: details)
    }
}
