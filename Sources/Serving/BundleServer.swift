import Bundles
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals

/// How to serve a bundle.
public struct ServeOptions: Sendable {
    public var bundlePath: String
    public var host = "127.0.0.1"
    /// 0 picks a free port; `RunningServer.port` says which.
    public var port = 8080
    /// When set, every route but /healthz and /readyz needs `Authorization: Bearer TOKEN`.
    public var token: String?
    public var logPath: String?
    public var logRetention = 1_000_000
    public var maximumBodyBytes = 1 << 20
    /// Slow-client protection. A connection that completes no request part for this long is
    /// closed: a client trickling its headers, or an idle keep-alive connection.
    public var idleTimeout: Duration = .seconds(30)
    /// The whole body must arrive within this long after the headers, or the answer is 408: a
    /// client trickling its body a byte at a time cannot hold a connection.
    public var readTimeout: Duration = .seconds(10)
    /// Connections served at once; more wait in the listen backlog until one closes.
    public var maximumConnections = 512
    /// Refuse the bundle unless its Ed25519 signature verifies with this public key.
    public var trustedKey: String?
    public var redact: [String] = []
    public var alertCommand: AlertCommand?
    public var monitor = MonitorOptions()
    /// How often drift is re-evaluated for gauges and alerts.
    public var monitorInterval: Duration = .seconds(1)
    /// Hummingbird's own log lines go to stderr at this level and above (nil: none).
    public var serverLogLevel: Logger.Level? = .warning

    public init(bundlePath: String) {
        self.bundlePath = bundlePath
    }

    /// Reads a token file: its first line, trimmed; refuses an empty one.
    public static func token(fromFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ServingError.badOption("cannot read token file \(path)") }
        let token = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw ServingError.badOption("token file \(path) is empty") }
        return token
    }

    /// `1MiB`, `512KiB`, `2MB`, `1000` (bytes).
    public static func byteCount(_ text: String) throws -> Int {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("kB", 1_000), ("B", 1)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            if let n = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), n > 0 { return Int(n * Double(factor)) }
            throw ServingError.badOption("'\(text)' is not a size (like 1MiB, 512KiB or 100000)")
        }
        guard let n = Int(trimmed), n > 0 else { throw ServingError.badOption("'\(text)' is not a size (like 1MiB, 512KiB or 100000)") }
        return n
    }

    /// Whether `host` is a loopback address.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// A server running in this process: its address, its service and how to stop it.
public final class RunningServer: Sendable {
    public let host: String
    public let port: Int
    public let service: ModelService
    /// Things the operator should know (binding beyond loopback without a token).
    public let warnings: [String]
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(host: String, port: Int, service: ModelService, warnings: [String], group: ServiceGroup, task: Task<Void, any Error>) {
        self.host = host
        self.port = port
        self.service = service
        self.warnings = warnings
        self.group = group
        self.task = task
    }

    public var url: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Stops accepting connections, lets in-flight requests finish, then flushes the log.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Waits until the server stops (after a signal or `shutdown`).
    public func waitUntilStopped() async throws {
        try await task.value
    }
}

/// Serves a bundle over HTTP with Hummingbird.
public enum BundleServer {
    /// Opens and checks the bundle, starts listening and returns once the port is bound.
    /// - Parameter signals: signals that shut the server down gracefully (the CLI passes SIGINT
    ///   and SIGTERM; the REPL none, as Ctrl-C there means something else).
    public static func start(_ options: ServeOptions, signals: [UnixSignal] = []) async throws -> RunningServer {
        let bundle = try BundleReader.open(options.bundlePath, trustedKey: options.trustedKey)
        let service = try ModelService(
            bundle: bundle, token: options.token, maximumBodyBytes: options.maximumBodyBytes, logPath: options.logPath,
            redact: options.redact, alertCommand: options.alertCommand, monitorOptions: options.monitor, logRetention: options.logRetention)
        var warnings: [String] = []
        if !options.isLoopback && options.token == nil {
            warnings.append("warning: listening on \(options.host) without a token: anyone who can reach this machine can use the model (add --token-file)")
        }
        var logger = Logger(label: "workbench.serve") { label -> any LogHandler in
            options.serverLogLevel == nil ? SwiftLogNoOpLogHandler() : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = options.serverLogLevel ?? .critical

        let (bound, continuation) = AsyncStream.makeStream(of: Result<Int, ServingError>.self)
        let deadlines = BodyReadDeadlines(timeout: options.readTimeout)
        let responder = CallbackResponder<ServingRequestContext> { request, context in
            await respond(to: request, service: service, deadlines: deadlines, channel: context.channel)
        }
        let idle = options.idleTimeout.components
        let app = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000))),
            configuration: ApplicationConfiguration(
                address: .hostname(options.host, port: options.port), serverName: nil, reuseAddress: true,
                availableConnectionsDelegate: MaximumAvailableConnections(options.maximumConnections, logger: logger)),
            onServerRunning: { channel in
                continuation.yield(.success(channel.localAddress?.port ?? options.port))
            },
            logger: logger)
        let monitor = MonitorService(service: service, interval: options.monitorInterval)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: monitor, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: DeadlineSweeper(deadlines: deadlines), successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: app),
            ],
            gracefulShutdownSignals: signals,
            logger: logger))
        let host = options.host, port = options.port
        let task = Task {
            defer {
                service.evaluateMonitoring()
                service.close()
            }
            do {
                try await group.run()
                continuation.yield(.failure(.cannotBind(host: host, port: port, reason: "the server stopped before it was listening")))
            } catch {
                continuation.yield(.failure(.cannotBind(host: host, port: port, reason: describe(error))))
                throw error
            }
        }
        for await result in bound {
            switch result {
            case .success(let port):
                return RunningServer(host: options.host, port: port, service: service, warnings: warnings, group: group, task: task)
            case .failure(let error):
                _ = try? await task.value
                throw error
            }
        }
        throw ServingError.cannotBind(host: host, port: port, reason: "the server did not start")
    }

    /// Collects the body before its read deadline. The deadline is kept in `deadlines`, which one
    /// sweeper task checks (a timer per request cost a cross-thread wake-up of the event loop);
    /// when it passes, the sweeper closes the connection's read side, which ends the body stream,
    /// and the flag tells that end apart from a client that simply stopped.
    static func readBody(_ body: RequestBody, limit: Int, deadlines: BodyReadDeadlines, channel: any Channel) async -> IncomingBody {
        let (id, flag) = deadlines.begin(channel)
        defer { deadlines.end(id) }
        do {
            let buffer = try await body.collect(upTo: limit)
            if flag.fired.load(ordering: .relaxed) { return .timedOut(deadlines.timeout) }
            return .bytes(Data(buffer.readableBytesView))
        } catch is NIOTooManyBytesError {
            return .tooLarge
        } catch {
            return flag.fired.load(ordering: .relaxed) ? .timedOut(deadlines.timeout) : .unreadable(String(describing: error))
        }
    }

    /// Makes Swift concurrency run its tasks on the server's event-loop threads, so a request is
    /// not handed between two thread pools (fewer context switches on a small machine). Works only
    /// before the process starts its first task; returns whether it took effect.
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    private static func describe(_ error: any Error) -> String {
        if let e = error as? IOError { return e.description }
        let text = String(describing: error)
        if text.contains("Address already in use") || text.contains("EADDRINUSE") { return "the address is already in use" }
        return text
    }

    /// Adapts a Hummingbird request to `ModelService.handle` and its answer back.
    static func respond(to request: Request, service: ModelService, deadlines: BodyReadDeadlines, channel: any Channel) async -> Response {
        let limit = service.maximumBodyBytes
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        let answer = await service.handle(method: request.method.rawValue, path: request.uri.path,
                                          authorization: request.headers[.authorization]) { () -> IncomingBody in
            if let declared, declared > limit { return .tooLarge }
            return await readBody(request.body, limit: limit, deadlines: deadlines, channel: channel)
        }
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        for (name, value) in answer.headers {
            switch name {
            case "Allow": headers[.allow] = value
            case "WWW-Authenticate": headers[.wwwAuthenticate] = value
            case "Connection": headers[.connection] = value
            default: break
            }
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }
}

/// Read deadlines of the request bodies being read, checked by one sweeper.
final class BodyReadDeadlines: Sendable {
    private struct Pending {
        var deadline: ContinuousClock.Instant
        var channel: any Channel
        var flag: TimeoutFlag
    }

    let timeout: Duration
    private let pending = Mutex<[Int: Pending]>([:])
    private let nextID = Atomic<Int>(0)

    init(timeout: Duration) { self.timeout = timeout }

    /// How often the sweeper looks: a quarter of the timeout, at most a second.
    var sweepInterval: Duration { min(.seconds(1), timeout / 4) }

    func begin(_ channel: any Channel) -> (Int, TimeoutFlag) {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let flag = TimeoutFlag()
        let deadline = ContinuousClock.now + timeout
        pending.withLock { $0[id] = Pending(deadline: deadline, channel: channel, flag: flag) }
        return (id, flag)
    }

    func end(_ id: Int) { pending.withLock { _ = $0.removeValue(forKey: id) } }

    /// Closes the read side of every connection whose body is past its deadline.
    func sweep() {
        let now = ContinuousClock.now
        let expired: [Pending] = pending.withLock { pending in
            let late = pending.filter { $0.value.deadline <= now }
            for id in late.keys { pending.removeValue(forKey: id) }
            return Array(late.values)
        }
        for late in expired {
            late.flag.fired.store(true, ordering: .relaxed)
            // A client too slow to send its body gets its 408, then the connection: closing the read
            // side ends the request, so the server does not wait out the rest of the trickle.
            late.channel.close(mode: .input).whenFailure { _ in late.channel.close(promise: nil) }
        }
    }
}

/// Sweeps body read deadlines until the server shuts down.
struct DeadlineSweeper: Service {
    let deadlines: BodyReadDeadlines

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: deadlines.sweepInterval)
                deadlines.sweep()
            }
        }
    }
}

/// Set when a request's read timeout fires.
final class TimeoutFlag: Sendable {
    let fired = Atomic<Bool>(false)
}

/// Hummingbird's basic context plus the connection, so a slow client's connection can be closed.
struct ServingRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Re-evaluates drift every `interval` (gauges, alerts) until the server shuts down.
struct MonitorService: Service {
    let service: ModelService
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                service.evaluateMonitoring()
                try? await Task.sleep(for: interval)
            }
        }
    }
}
