/// Why a server, a log or a monitor could not start or run; rendered once, in `description`.
public enum ServingError: Error, Sendable, Equatable, CustomStringConvertible {
    case badReference(String)
    case cannotBind(host: String, port: Int, reason: String)
    case badOption(String)
    case log(path: String, reason: String)
    /// A shared log's database failed; the message names the connection (masked) itself.
    case sharedLog(String)
    case notALog(path: String)
    case noServer(String)
    case alertCommand(String)
    /// A file of outcomes (`monitor --labels`) that cannot be used.
    case labels(path: String, reason: String)

    public var description: String {
        switch self {
        case .badReference(let reason): "the bundle's reference.json cannot be read: \(reason)"
        case .cannotBind(let host, let port, let reason):
            "cannot listen on \(host):\(port): \(reason)\nhint: choose another port with --port (or port=), or 0 for any free port"
        case .badOption(let message): message
        case .log(let path, let reason): "prediction log \(path): \(reason)"
        case .sharedLog(let message): "prediction log: \(message)"
        case .notALog(let path): "\(path) is not a workbench prediction log\nhint: serve with --log FILE to write one"
        case .noServer(let message): message
        case .alertCommand(let message): "alert command: \(message)"
        case .labels(let path, let reason): "outcome file \(path): \(reason)"
        }
    }
}
