import Foundation
public import Diagnostics

/// What went wrong talking to PostgreSQL, with the connection shown masked (never its password)
/// and what to do about it. One line each: these end up in the REPL, in `workbench` messages and
/// in the server's log.
public enum PostgresError: Error, Sendable, Equatable, UserFacingError {
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
    /// A table to write that exists, and replacing it was not asked for.
    case tableExists(location: String, table: String)
    case emptyResult(location: String)
    case emptyTable(location: String, table: String)

    public var diagnostic: Diagnostic {
        switch self {
        case .invalidURL(let url, let reason):
            return "cannot use \(url) as a PostgreSQL connection: \(reason)"
        case .unreachable(let location, let reason):
            return Diagnostic(
                "cannot reach \(location): \(reason)",
                remedy: "check the host and port, and that the server accepts TCP connections")
        case .authenticationFailed(let location, let message, let source):
            let from =
                source.map { " (the password came from \($0))" }
                ?? " (no password was given: put it in PGPASSWORD or ~/.pgpass)"
            return "\(location) refused the login: \(message)\(from)"
        case .tls(let location, let reason):
            return Diagnostic(
                "cannot set up TLS with \(location): \(reason)",
                remedy:
                    "sslmode=require encrypts without checking the certificate, sslmode=disable connects without TLS")
        case .timedOut(let location, let seconds, let what):
            return Diagnostic(
                "\(location) did not answer \(what) within \(seconds) s",
                remedy: "connect_timeout= in the URL allows longer")
        case .server(let location, let message, let sqlState, let hint):
            return Diagnostic(
                "\(location): \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? ""), remedy: hint.map { "\($0)" })
        case .tableExists(let location, let table):
            return Diagnostic(
                "\(location): table '\(table)' already exists",
                remedy: "add \(setting: "overwrite", "yes") to replace it, or name another table")
        case .connectionLost(let location, let reason):
            return "the connection to \(location) was lost: \(reason)"
        case .unsupportedType(let location, let column, let type):
            return Diagnostic(
                "\(location): column '\(column)' has type \(type), which a table here cannot hold",
                remedy: "cast it in a query (\(column)::text or \(column)::float8)")
        case .tooLarge(let location, let estimated, let budget, let rows):
            return Diagnostic(
                "the result from \(location) would take about \(mebibytes(estimated)) MiB (\(rows) rows), over the memory budget of \(mebibytes(budget)) MiB",
                remedy: "select fewer rows or columns, or raise \(setting: "memory")")
        case .noSuchTable(let location, let table, let suggestion):
            return Diagnostic(
                "\(location) has no table '\(table)'", remedy: suggestion.map { "did you mean '\($0)'?" })
        case .emptyResult(let location):
            return "the query on \(location) returned no rows"
        case .emptyTable(let location, let table):
            return "the table '\(table)' on \(location) has no rows"
        }
    }

    /// On one line, the remedy after a semicolon: these also go to the server's log, a line each.
    public var description: String { diagnostic.renderedOnOneLine(.commandLanguage) }
}

private func mebibytes(_ bytes: Int) -> String {
    let value = Double(bytes) / 1_048_576
    return value < 10 ? String(format: "%.1f", value) : String(Int(value.rounded()))
}
