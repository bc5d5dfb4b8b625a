import Foundation

/// What went wrong talking to PostgreSQL, with the connection shown masked (never its password)
/// and what to do about it. One line each: these end up in the REPL, in `workbench` messages and
/// in the server's log.
public enum PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    /// No answer at the host and port (refused, unreachable, no such host).
    case unreachable(location: String, reason: String)
    /// The server refused the user or the password.
    case authenticationFailed(location: String, message: String, passwordSource: String?)
    /// The server's TLS could not be set up as sslmode asked.
    case tls(location: String, reason: String)
    /// No connection or answer within the time allowed.
    case timedOut(location: String, seconds: Int, what: String)
    /// The server rejected a statement: its message, SQLSTATE and hint.
    case server(location: String, message: String, sqlState: String?, hint: String?)
    /// The connection broke while working.
    case connectionLost(location: String, reason: String)
    /// A column of a type the column store cannot hold.
    case unsupportedType(location: String, column: String, type: String)
    /// A result larger than the memory budget allows.
    case tooLarge(location: String, estimatedBytes: Int, budgetBytes: Int, estimatedRows: Int)
    case noSuchTable(location: String, table: String, suggestion: String?)
    case emptyResult(location: String)
    case emptyTable(location: String, table: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "cannot use \(url) as a PostgreSQL connection: \(reason)"
        case .unreachable(let location, let reason):
            return
                "cannot reach \(location): \(reason); check the host and port, and that the server accepts TCP connections"
        case .authenticationFailed(let location, let message, let source):
            let from =
                source.map { " (the password came from \($0))" }
                ?? " (no password was given: put it in PGPASSWORD or ~/.pgpass)"
            return "\(location) refused the login: \(message)\(from)"
        case .tls(let location, let reason):
            return
                "cannot set up TLS with \(location): \(reason); sslmode=require encrypts without checking the certificate, sslmode=disable connects without TLS"
        case .timedOut(let location, let seconds, let what):
            return "\(location) did not answer \(what) within \(seconds) s; connect_timeout= in the URL allows longer"
        case .server(let location, let message, let sqlState, let hint):
            return "\(location): \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
                + (hint.map { "; \($0)" } ?? "")
        case .connectionLost(let location, let reason):
            return "the connection to \(location) was lost: \(reason)"
        case .unsupportedType(let location, let column, let type):
            return
                "\(location): column '\(column)' has type \(type), which a table here cannot hold; cast it in a query (\(column)::text or \(column)::float8)"
        case .tooLarge(let location, let estimated, let budget, let rows):
            return
                "the result from \(location) would take about \(mebibytes(estimated)) MiB (\(rows) rows), over the memory budget of \(mebibytes(budget)) MiB; select fewer rows or columns, or raise memory="
        case .noSuchTable(let location, let table, let suggestion):
            return "\(location) has no table '\(table)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .emptyResult(let location):
            return "the query on \(location) returned no rows"
        case .emptyTable(let location, let table):
            return "the table '\(table)' on \(location) has no rows"
        }
    }
}

private func mebibytes(_ bytes: Int) -> String {
    let value = Double(bytes) / 1_048_576
    return value < 10 ? String(format: "%.1f", value) : String(Int(value.rounded()))
}
