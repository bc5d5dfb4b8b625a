public import Diagnostics
/// Why a server, a log or a monitor could not start or run; rendered once, in `description`.
public enum ServingError: Error, Sendable, Equatable, UserFacingError {
    case badReference(String)
    case cannotBind(host: String, port: Int, reason: String)
    case badOption(Diagnostic)
    case log(path: String, reason: String)
    /// A shared log's database failed; the message names the connection (masked) itself.
    case sharedLog(String)
    case notALog(path: String)
    case noServer(Diagnostic)
    case alertCommand(String)
    /// A file of outcomes (`monitor --labels`) that cannot be used.
    case labels(path: String, reason: Diagnostic)

    public var diagnostic: Diagnostic {
        switch self {
        case .badReference(let reason): "the bundle's reference.json cannot be read: \(reason)"
        case .cannotBind(let host, let port, let reason):
            Diagnostic(
                "cannot listen on \(host):\(port): \(reason)",
                remedy: "choose another port with \(setting: "port"), or 0 for any free port")
        case .badOption(let diagnostic): diagnostic
        case .log(let path, let reason): "prediction log \(path): \(reason)"
        case .sharedLog(let message): "prediction log: \(message)"
        case .notALog(let path):
            Diagnostic(
                "\(path) is not a workbench prediction log", remedy: "serve with \(setting: "log", "FILE") to write one"
            )
        case .noServer(let diagnostic): diagnostic
        case .alertCommand(let message): "alert command: \(message)"
        case .labels(let path, let reason): Diagnostic("outcome file \(path): \(reason.message)", remedy: reason.remedy)
        }
    }
}
