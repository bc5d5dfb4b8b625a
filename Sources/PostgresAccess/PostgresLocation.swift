public import Foundation

/// Where a PostgreSQL database is, from a connection string as libpq reads it:
/// `postgresql://user[:password]@host[:port]/database[?sslmode=…&connect_timeout=…&…]`
/// (`postgres://` too). What the URL leaves out comes from the environment as libpq's does:
/// `PGUSER`, `PGHOST`, `PGPORT`, `PGDATABASE`, and the password from the URL, else `PGPASSWORD`,
/// else the password file (`PGPASSFILE` or `~/.pgpass`).
///
/// The password is never part of `description`: every message, transcript and log shows `masked`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// libpq's sslmode, the subset that matters to a client: whether to try TLS, insist on it, and
    /// check the server's certificate.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain otherwise; the certificate is not checked (libpq's default).
        case prefer
        /// TLS or nothing; the certificate is not checked.
        case require
        /// TLS with the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// Seconds to wait for a connection (libpq's `connect_timeout`; 10 when not given).
    public var connectTimeout: Int
    /// Parameters of the URL that are not connection settings (for example `table=` or `query=`
    /// on `workbench predict`'s `--input` and `--output`), in the order written.
    public var extraParameters: [(name: String, value: String)]
    /// Where the password came from, for an error that has to say so ("from ~/.pgpass").
    public var passwordSource: String?

    /// The connection settings libpq knows, passed through to the server's startup packet.
    static let serverParameters: Set<String> = ["application_name", "statement_timeout", "options"]
    static let connectionParameters: Set<String> = ["sslmode", "connect_timeout"]

    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
    }

    public init(
        parsing text: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = NSHomeDirectory()
    ) throws {
        guard Self.isPostgresURL(text) else {
            throw PostgresError.invalidURL(Self.mask(text), reason: "it does not start with postgresql://")
        }
        // URLComponents wants a scheme it can treat generically; both spellings parse the same.
        // Parameters are often typed with spaces (`?query=select * from t`): encode what a URL
        // cannot hold as written, keeping the separators.
        var written = text
        if URLComponents(string: text) == nil, let question = text.firstIndex(of: "?") {
            let parameters = text[text.index(after: question)...]
            written =
                String(text[...question])
                + (parameters.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? String(parameters))
        }
        guard let components = URLComponents(string: written) else {
            throw PostgresError.invalidURL(
                Self.mask(text),
                reason: "it is not a well-formed URL (percent-encode special characters in the user name and password)")
        }
        let shown = Self.mask(text)
        user =
            components.user.flatMap { $0.removingPercentEncoding ?? $0 }.flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["PGUSER"] ?? Self.loginName(environment)
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGHOST"] ?? "localhost"
        if let p = components.port {
            port = p
        } else if let p = environment["PGPORT"] {
            guard let value = Int(p), (1...65_535).contains(value) else {
                throw PostgresError.invalidURL(shown, reason: "PGPORT is '\(p)', not a port number")
            }
            port = value
        } else {
            port = 5432
        }
        guard (1...65_535).contains(port) else {
            throw PostgresError.invalidURL(shown, reason: "port \(port) is out of range")
        }
        let path =
            components.percentEncodedPath.hasPrefix("/")
            ? String(components.percentEncodedPath.dropFirst()) : components.percentEncodedPath
        database = (path.removingPercentEncoding ?? path).nonEmpty ?? environment["PGDATABASE"] ?? user
        sslMode = .prefer
        connectTimeout = 10
        extraParameters = []
        var seen = Set<String>()
        for item in components.queryItems ?? [] {
            guard seen.insert(item.name).inserted else {
                throw PostgresError.invalidURL(shown, reason: "'\(item.name)' is given twice")
            }
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw PostgresError.invalidURL(
                        shown,
                        reason: "sslmode='\(value)' is not one of "
                            + SSLMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                sslMode = mode
            case "connect_timeout":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw PostgresError.invalidURL(
                        shown, reason: "connect_timeout='\(value)' is not a number of seconds from 1 to 3600")
                }
                connectTimeout = seconds
            case "user": user = value
            case "password": password = value
            case "host": host = value
            case "port":
                guard let p = Int(value), (1...65_535).contains(p) else {
                    throw PostgresError.invalidURL(shown, reason: "port='\(value)' is not a port number")
                }
                port = p
            case "dbname": database = value
            default: extraParameters.append((item.name, value))
            }
        }
        if let p = components.password {
            password = p.removingPercentEncoding ?? p
            passwordSource = "the URL"
        }
        if password != nil, passwordSource == nil { passwordSource = "the URL" }
        if password == nil, let p = environment["PGPASSWORD"] {
            password = p
            passwordSource = "PGPASSWORD"
        }
        if password == nil {
            let file = environment["PGPASSFILE"] ?? homeDirectory + "/.pgpass"
            if let p = PasswordFile.password(in: file, host: host, port: port, database: database, user: user) {
                password = p
                passwordSource = file
            }
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.user == b.user && a.password == b.password && a.host == b.host && a.port == b.port && a.database == b.database
            && a.sslMode == b.sslMode && a.connectTimeout == b.connectTimeout
            && a.extraParameters.map(\.name) == b.extraParameters.map(\.name)
            && a.extraParameters.map(\.value) == b.extraParameters.map(\.value)
    }

    /// The value of an extra parameter (`table`, `query`, …).
    public func parameter(_ name: String) -> String? {
        extraParameters.first { $0.name == name }?.value
    }

    /// The connection without its password and extra parameters: what messages show.
    public var masked: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(hostPart):\(port)/\(database)"
    }

    public var description: String { masked }

    /// Server settings to send at start-up (`application_name`, `statement_timeout`, `options`).
    var startupParameters: [(String, String)] {
        extraParameters.filter { Self.serverParameters.contains($0.name) }.map { ($0.name, $0.value) }
    }

    /// `text` with the password of every PostgreSQL URL in it left out, for lines that are shown,
    /// recorded or logged: `load "postgresql://ana:secret@db/x"` → `load "postgresql://ana@db/x"`,
    /// and a `password=` parameter likewise. Left out rather than starred, so a recorded line still
    /// connects when replayed, with the password from PGPASSWORD or ~/.pgpass.
    public static func mask(_ text: String) -> String {
        guard text.range(of: "postgres", options: .caseInsensitive) != nil else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "://") {
            let schemeLength = rest[..<start.lowerBound].reversed().prefix { $0.isLetter }.count
            let scheme = rest[rest.index(start.lowerBound, offsetBy: -schemeLength)..<start.lowerBound].lowercased()
            result += rest[..<start.upperBound]
            rest = rest[start.upperBound...]
            guard scheme == "postgresql" || scheme == "postgres" else { continue }
            // The URL ends at a quote or white space; its authority at the first '/' or '?', the
            // password between the first ':' and the last '@' of the authority.
            let urlEnd = rest.firstIndex { "\"' \t\n".contains($0) } ?? rest.endIndex
            let url = rest[..<urlEnd]
            let authorityEnd = url.firstIndex { "/?".contains($0) } ?? url.endIndex
            let authority = url[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result += authority[..<colon] + authority[at...]
            } else {
                result += authority
            }
            var tail = String(url[authorityEnd...])
            if let question = tail.firstIndex(of: "?") {
                let parameters = tail[tail.index(after: question)...].split(
                    separator: "&", omittingEmptySubsequences: false
                )
                .filter { !$0.hasPrefix("password=") }
                tail = String(tail[..<question]) + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
            }
            result += tail
            rest = rest[urlEnd...]
        }
        return result + rest
    }

    /// `text` with each character of a URL's password replaced by `*`, for an echo whose columns
    /// must stay where they were (the caret under an error).
    public static func starPasswords(in text: String) -> String {
        let masked = mask(text)
        guard masked != text else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "://") {
            result += rest[..<start.upperBound]
            rest = rest[start.upperBound...]
            let authorityEnd = rest.firstIndex { "/?\"' \t\n".contains($0) } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                result +=
                    authority[...colon]
                    + String(repeating: "*", count: authority.distance(from: authority.index(after: colon), to: at))
                    + authority[at...]
            } else {
                result += authority
            }
            rest = rest[authorityEnd...]
        }
        result += rest
        // A password= parameter, starred the same way.
        while let range = result.range(of: "password=") {
            let end = result[range.upperBound...].firstIndex { "&\"' \t\n".contains($0) } ?? result.endIndex
            let stars = String(repeating: "*", count: result.distance(from: range.upperBound, to: end))
            result.replaceSubrange(range.lowerBound..<end, with: "passw0rd=".map { _ in "*" } + stars)
        }
        return result
    }

    private static func loginName(_ environment: [String: String]) -> String {
        if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
        return ProcessInfo.processInfo.userName.nonEmpty ?? "postgres"
    }
}

/// libpq's password file: lines `host:port:database:user:password`, `*` matching anything, `\:`
/// and `\\` escapes, `#` comments; the first matching line wins. Like libpq, a file that others
/// can read is ignored.
enum PasswordFile {
    static func password(in path: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.type] as? FileAttributeType) == .typeRegular,
            let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
            (attributes[.size] as? Int ?? 0) < 1 << 20,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return nil }
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("#") { continue }
            let fields = split(line)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) {
                return fields[4]
            }
        }
        return nil
    }

    /// The fields of one line, unescaping `\:` and `\\`.
    static func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for c in line {
            if escaped {
                current.append(c)
                escaped = false
                continue
            }
            if c == "\\" {
                escaped = true
                continue
            }
            if c == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        fields.append(current)
        return fields
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
