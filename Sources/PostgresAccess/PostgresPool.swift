import Foundation
public import Logging
public import NIOCore
import NIOPosix
import NIOSSL
public import PostgresNIO
import Synchronization

/// A PostgreSQL database reached through PostgresNIO's pooled client, with every failure turned
/// into a `PostgresError` that names the connection masked.
///
/// The pool runs in a task of its own from `init` until `close()`. Callers that are not in an
/// async context (the interpreter's commands) use `blocking`, which must never be called from a
/// task on Swift's cooperative pool.
public final class PostgresPool: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    private let running: Task<Void, Never>
    /// Whether a direct connection has shown that the server takes this login.
    private let checked = AcquiredFlag()

    public init(_ location: PostgresLocation, maximumConnections: Int = 4) throws {
        self.location = location
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try Self.tls(for: location))
        configuration.options.connectTimeout = .seconds(location.connectTimeout)
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.additionalStartupParameters = location.startupParameters
        // The pool's own messages (reconnects, keep-alives) would be noise in a REPL; failures
        // reach the caller as errors instead.
        let client = PostgresClient(
            configuration: configuration, eventLoopGroup: Self.eventLoops,
            backgroundLogger: Logger(label: "workbench.postgres") { _ in SwiftLogNoOpLogHandler() })
        self.client = client
        // The pool runs where `blocking` work runs, so blocked cooperative threads cannot stall it either.
        running = Task(executorPreference: BlockingWorkExecutor.shared) { await client.run() }
    }

    deinit { running.cancel() }

    /// The event loops every PostgreSQL connection here runs on: threads of their own (one per
    /// core, as NIO's shared group has), not NIO's shared loops. A server answers requests on
    /// those, and the few places that wait for the database from there (opening the log at start,
    /// the last monitoring pass at stop) would otherwise block the very loop their connection needs.
    public static let eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)

    /// Ends the pool: its connections close, later calls fail.
    public func close() { running.cancel() }

    private static func tls(for location: PostgresLocation) throws -> PostgresClient.Configuration.TLS {
        switch location.sslMode {
        case .disable:
            return .disable
        case .prefer, .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return location.sslMode == .prefer ? .prefer(configuration) : .require(configuration)
        case .verifyFull:
            return .require(.makeClientConfiguration())
        }
    }

    /// Runs `body` on a pooled connection. Waiting for the connection is bounded by
    /// `connect_timeout`; the work itself is not (a long load is legitimate; the server's
    /// `statement_timeout=` bounds statements).
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        // The pool retries a failing connection quietly until the timeout; the first use connects
        // once directly instead, so a wrong password or port is said at once and in its own words.
        if !checked.value.load(ordering: .sequentiallyConsistent) {
            if let failure = await connectDirectly() { throw failure }
            checked.value.store(true, ordering: .sequentiallyConsistent)
        }
        let acquired = AcquiredFlag()
        let seconds = location.connectTimeout
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { [client] in
                    try await client.withConnection { connection in
                        acquired.value.store(true, ordering: .sequentiallyConsistent)
                        return try await body(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(seconds) + .milliseconds(500))
                    if acquired.value.load(ordering: .sequentiallyConsistent) { return nil }
                    // One direct attempt says why the pool has none.
                    throw await self.connectDirectly()
                        ?? PostgresError.timedOut(
                            location: self.location.masked, seconds: seconds, what: "a connection")
                }
                while let result = try await group.next() {
                    if let value = result {
                        group.cancelAll()
                        return value
                    }
                }
                throw PostgresError.connectionLost(location: location.masked, reason: "the work ended without a result")
            }
        } catch {
            throw translate(error)
        }
    }

    /// Runs statements that return no rows worth reading, one after another on one connection.
    public func execute(_ statements: String...) async throws {
        _ = try await withConnection { connection in
            for sql in statements {
                _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.quietLogger).collect()
            }
        }
    }

    /// The settings of a connection made outside the pool (a check, a batch job's held connection).
    func directConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        if location.sslMode == .disable {
            tls = .disable
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if location.sslMode != .verifyFull { configuration.certificateVerification = .none }
            let context = try NIOSSLContext(configuration: configuration)
            tls = location.sslMode == .prefer ? .prefer(context) : .require(context)
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(Int64(location.connectTimeout))
        configuration.options.additionalStartupParameters = location.startupParameters
        return configuration
    }

    /// One connection made directly, outside the pool, and closed: nil when it works, else why
    /// not (refused, wrong password, no TLS, no answer).
    func connectDirectly() async -> (any Error)? {
        do {
            let configuration = try directConfiguration()
            let connection = try await PostgresConnection.connect(
                on: Self.eventLoops.any(), configuration: configuration, id: 0, logger: Self.quietLogger
            ).get()
            try? await connection.close()
            return nil
        } catch {
            return translate(error)
        }
    }

    /// Runs async database work from synchronous code and waits for it. Call it only from a
    /// thread of your own (the REPL's, a command's), never from a task: it blocks its thread.
    public func blocking<T: Sendable>(_ work: @escaping @Sendable (PostgresPool) async throws -> T) throws -> T {
        // With no deadline the wait ends only with the work's result.
        guard let result = run(work, until: .distantFuture) else {
            throw PostgresError.connectionLost(location: location.masked, reason: "the work ended without a result")
        }
        return try result.get()
    }

    /// `blocking` with a bound on the wait: a server that stops answering (stopped, or a network
    /// that drops packets silently) holds a connection open without error, and a caller that must
    /// keep going (a server's log writer) cannot wait for TCP to notice. After `seconds` it throws
    /// `PostgresError.timedOut`; the work itself goes on in the background until the connection
    /// answers or breaks, holding one pooled connection meanwhile.
    public func blocking<T: Sendable>(
        timeout seconds: Double, _ work: @escaping @Sendable (PostgresPool) async throws -> T
    ) throws -> T {
        guard let result = run(work, until: .now() + seconds) else {
            throw PostgresError.timedOut(
                location: location.masked, seconds: max(1, Int(seconds.rounded())), what: "a statement")
        }
        return try result.get()
    }

    /// Starts `work` and waits for its result until `deadline` (nil when it passes first).
    private func run<T: Sendable>(
        _ work: @escaping @Sendable (PostgresPool) async throws -> T, until deadline: DispatchTime
    ) -> Result<T, any Error>? {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        // On a thread of its own, not Swift's cooperative pool: a caller that blocks one of the
        // pool's few threads (a test, a handler) must not starve the work it is waiting for.
        Task(executorPreference: BlockingWorkExecutor.shared) {
            let result: Result<T, any Error>
            do { result = .success(try await work(self)) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: deadline) == .success else { return nil }
        return outcome.withLock { $0 }
    }

    public static let quietLogger = Logger(label: "workbench.postgres.query") { _ in SwiftLogNoOpLogHandler() }

    /// A PostgresNIO or NIO error in the words of `PostgresError`.
    public func translate(_ error: any Error) -> any Error {
        let shown = location.masked
        if error is PostgresError || error is CancellationError || error is any PostgresWorkError { return error }
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo {
                let state = info[.sqlState]
                let message = info[.message] ?? "the server refused"
                // Class 28: invalid authorization (wrong password, unknown user, no pg_hba entry).
                if state?.hasPrefix("28") == true {
                    return PostgresError.authenticationFailed(
                        location: shown, message: message, passwordSource: location.passwordSource)
                }
                return PostgresError.server(location: shown, message: message, sqlState: state, hint: info[.hint])
            }
            switch psql.code {
            case .authMechanismRequiresPassword:
                return PostgresError.authenticationFailed(
                    location: shown, message: "the server asks for a password", passwordSource: nil)
            case .sslUnsupported:
                return PostgresError.tls(location: shown, reason: "the server does not offer TLS")
            case .failedToAddSSLHandler:
                if let underlying = psql.underlying { return describeConnectionFailure(underlying) }
                return PostgresError.tls(location: shown, reason: "the TLS handshake failed")
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
                if let underlying = psql.underlying { return describeConnectionFailure(underlying) }
                return PostgresError.connectionLost(location: shown, reason: psql.code.description)
            default:
                return PostgresError.connectionLost(
                    location: shown, reason: psql.underlying.map { String(describing: $0) } ?? psql.code.description)
            }
        }
        return describeConnectionFailure(error)
    }

    private func describeConnectionFailure(_ error: any Error) -> PostgresError {
        let shown = location.masked
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return .timedOut(location: shown, seconds: location.connectTimeout, what: "a connection")
        }
        let text = String(describing: error)
        if error is NIOSSLError || error is BoringSSLError {
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return .tls(
                    location: shown,
                    reason:
                        "the server's certificate is not trusted here (verify-full checks it against the system's roots and the host name)"
                )
            }
            return .tls(location: shown, reason: "the TLS handshake failed (\(text.prefix(200)))")
        }
        if text.localizedCaseInsensitiveContains("refused") {
            return .unreachable(location: shown, reason: "connection refused")
        }
        if text.localizedCaseInsensitiveContains("resolve") || text.contains("UnknownHost")
            || text.localizedCaseInsensitiveContains("getaddrinfo") || text.localizedCaseInsensitiveContains("NXDOMAIN")
        {
            return .unreachable(location: shown, reason: "the host name does not resolve")
        }
        if text.localizedCaseInsensitiveContains("unreachable") {
            return .unreachable(location: shown, reason: "the network is unreachable")
        }
        return .connectionLost(location: shown, reason: PostgresLocation.mask(text))
    }
}

/// The executor of `blocking`'s work: one thread that runs its jobs in turn. Work that waits on
/// the network suspends, so calls from several threads interleave on it.
final class BlockingWorkExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` is guarded by `condition`.
    static let shared = BlockingWorkExecutor()
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init() {
        let thread = Thread { [self] in run() }
        thread.name = "workbench-postgres"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Set once a pooled connection is in hand, so the connect timeout stands down.
private final class AcquiredFlag: Sendable {
    let value = Atomic<Bool>(false)
}

/// An error of the caller's own, thrown by its work inside `withConnection` (a check that refused,
/// a transaction rolled back on purpose): passed through as it is, never read as a database
/// failure.
public protocol PostgresWorkError: Error {}

/// Quotes an identifier for SQL (`"my ""odd"" name"`).
public func quotedIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// A table name as written (`orders`, `sales.orders`) quoted for SQL, the schema part apart.
func quotedTableName(_ name: String) -> String {
    name.split(separator: ".", maxSplits: 1).map { quotedIdentifier(String($0)) }.joined(separator: ".")
}
