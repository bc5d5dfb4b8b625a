import Bundles
import Dispatch
import Foundation
import HummingbirdCore
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
public import UnixSignals
import Diagnostics

/// How to serve a bundle.
public struct ServeOptions: Sendable {
    public var bundlePath: String
    /// Bundles served beside the first, each model under its name (`/v2/models/NAME/…`,
    /// `/v1/models/NAME/…`).
    public var additionalBundlePaths: [String] = []
    /// A challenger scored in the champion's shadow on every answered row (`--shadow`); one
    /// served bundle only.
    public var shadowBundlePath: String?
    /// Rows queued for the challenger at most; more are dropped for it (and counted).
    public var shadowQueueRows = ServeOptions.defaultShadowQueueRows
    public static let defaultShadowQueueRows = 10_000
    public var host = "127.0.0.1"
    /// 0 picks a free port; `RunningServer.port` says which.
    public var port = 8080
    /// When set, every route but /healthz and /readyz needs `Authorization: Bearer TOKEN`.
    public var token: String?
    /// An SQLite file, or `postgresql://…` for a log that replicas share.
    public var logPath: String?
    public var logRetention = 1_000_000
    /// Rows older than this many seconds leave the log too (`--log-max-age`).
    public var logMaxAge: Double?
    /// This server's name among the replicas writing a shared log (`--replica`; host:pid by default).
    public var replica: String?
    public var maximumBodyBytes = 1 << 20
    /// Most rows in one prediction request (`--max-rows`).
    public var maximumRows = ServeOptions.defaultMaximumRows
    public static let defaultMaximumRows = 10_000
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
    /// Told what each reload did (`RunningServer.reload`, SIGHUP for a folder of bundles).
    public var onReload: (@Sendable (ReloadReport) -> Void)?
    /// The program's version, which `GET /v2` reports (the library cannot know it).
    public var serverVersion = ServeOptions.unspecifiedVersion
    public static let unspecifiedVersion = "unspecified"

    public init(bundlePath: String) {
        self.bundlePath = bundlePath
    }

    /// Reads a token file: its first line, trimmed; refuses an empty one.
    public static func token(fromFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServingError.badOption("cannot read token file \(path)")
        }
        let token =
            String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map {
                $0.trimmingCharacters(in: .whitespaces)
            } ?? ""
        guard !token.isEmpty else { throw ServingError.badOption("token file \(path) is empty") }
        return token
    }

    /// The ranges every option must be in; `validate` and the command line say them.
    public static let ports = 0...65_535
    /// Bodies are held in memory whole, so at most 1 GiB.
    public static let bodyBytes = 1...(1 << 30)
    public static let rows = 1...1_000_000
    public static let connections = 1...100_000
    /// Below a second the timeouts would cut off ordinary clients (they are checked four times
    /// per timeout, at most once a second).
    public static let timeoutSeconds = 1.0...86_400.0
    public static let retentionRows = 1...1_000_000_000
    /// A minute to ten years.
    public static let maximumAgeSeconds = 60.0...(3_650.0 * 86_400)

    /// `90s`, `45m`, `12h`, `30d` or a number of seconds. Never traps, whatever the text.
    public static func duration(_ text: String) throws(ServingError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400)]
        let unit = units.first { trimmed.hasSuffix($0.0) }
        let number = Double(unit.map { String(trimmed.dropLast($0.0.count)) } ?? trimmed)
        guard let number, number.isFinite, number >= 0 else {
            throw ServingError.badOption(
                "cannot read '\(text)' as a duration: write a number of seconds, or one with s, m, h or d (e.g. 30d)")
        }
        return number * (unit?.1 ?? 1)
    }
    public static let windowRows = 1...10_000_000

    /// `1MiB`, `512KiB`, `2MB`, `1000` (bytes), within `bodyBytes`. Never traps, whatever the text.
    public static func byteCount(_ text: String) throws(ServingError) -> Int {
        let units: [(String, Double)] = [
            ("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1_024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3),
            ("kB", 1e3), ("B", 1),
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let notASize = ServingError.badOption("'\(text)' is not a size (like 1MiB, 512KiB or 100000)")
        var bytes: Double?
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let n = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)) else {
                throw notASize
            }
            bytes = n * factor
            break
        }
        if bytes == nil {
            guard let n = Double(trimmed) else { throw notASize }
            bytes = n
        }
        // Compared as a double before any conversion: Int(1e300) would trap.
        guard let bytes, bytes.isFinite, bytes >= Double(bodyBytes.lowerBound), bytes <= Double(bodyBytes.upperBound)
        else {
            throw ServingError.badOption(
                "\(setting: "max_body", "'\(text)'") is out of range: it must be between 1 byte and 1GiB")
        }
        return Int(bytes.rounded(.down))
    }

    /// Checks every option against its range, naming the option and the range.
    public func validate() throws(ServingError) {
        func check<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ option: String, _ unit: String)
            throws(ServingError)
        {
            guard range.contains(value) else {
                throw ServingError.badOption(
                    "\(setting: option, "\(value)") is out of range: it must be between \(range.lowerBound) and \(range.upperBound)\(unit)"
                )
            }
        }
        try check(port, Self.ports, "port", " (0: any free port)")
        try check(maximumBodyBytes, Self.bodyBytes, "max_body", " bytes")
        try check(maximumRows, Self.rows, "max_rows", " rows")
        try check(maximumConnections, Self.connections, "max_connections", "")
        try check(Self.seconds(idleTimeout), Self.timeoutSeconds, "idle_timeout", " seconds")
        try check(Self.seconds(readTimeout), Self.timeoutSeconds, "read_timeout", " seconds")
        try check(logRetention, Self.retentionRows, "log_retention", " rows")
        if let logMaxAge { try check(logMaxAge, Self.maximumAgeSeconds, "log_max_age", " seconds") }
        if let replica,
            replica.isEmpty || replica.count > 200
                || replica.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            throw ServingError.badOption("\(setting: "replica") must be 1 to 200 characters without control characters")
        }
        try check(monitor.window, Self.windowRows, "window", " rows")
        try check(shadowQueueRows, Self.rows, "shadow_queue", " rows")
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The prediction log of one model: `logPath` itself for a single model; with several, one
    /// log each, the model's name before the extension (`log.sqlite` → `log-NAME.sqlite`).
    /// A shared (PostgreSQL) log keeps every model's rows apart by name: one location serves all.
    public static func logPath(_ path: String, model: String, models: Int) -> String {
        guard models > 1, !PredictionLogLocation.isShared(path) else { return path }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let file = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // The extension is after the last dot, but a leading dot (.log) starts the name.
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return folder + file + "-" + model }
        return folder + file[..<dot] + "-" + model + file[dot...]
    }

    /// Whether `path` is a folder of bundles (a model repository) rather than a bundle: a folder
    /// without a manifest of its own.
    public static func isBundleFolder(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
            && !FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(BundleFile.manifest))
    }

    /// The bundles in a folder of bundles, by name: each sub-folder with a manifest and each
    /// `.zip`; hidden entries (a bundle being copied in as `.name`, editors' files) are skipped.
    public static func bundles(inFolder path: String) throws(ServingError) -> [String] {
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw ServingError.badOption("cannot read the folder of bundles \(path): \(error.localizedDescription)")
        }
        return entries.sorted().filter { !$0.hasPrefix(".") }.map { (path as NSString).appendingPathComponent($0) }
            .filter { entry in
                entry.hasSuffix(".zip")
                    || FileManager.default.fileExists(
                        atPath: (entry as NSString).appendingPathComponent(BundleFile.manifest))
            }
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
    /// The first model's service (the only one, unless several bundles are served).
    public let service: ModelService
    /// Every model's service, in the order given.
    public var services: [ModelService] { router.services }
    let router: ModelRouter
    /// Things the operator should know (binding beyond loopback without a token).
    public let warnings: [String]
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let reloader: ModelReloader?

    init(
        host: String, port: Int, router: ModelRouter, warnings: [String], group: ServiceGroup,
        task: Task<Void, any Error>, reloader: ModelReloader?
    ) {
        self.host = host
        self.port = port
        self.router = router
        self.service = router.services[0]
        self.warnings = warnings
        self.group = group
        self.task = task
        self.reloader = reloader
    }

    /// Reads the folder of bundles again and serves what it holds now (see `ModelReloader`);
    /// what SIGHUP does. Blocks while the bundles are opened and checked: call it off the event
    /// loops. Nil when the server was not started on a folder of bundles.
    public func reload() -> ReloadReport? { reloader?.reload() }

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
        try options.validate()
        let folder =
            options.additionalBundlePaths.isEmpty && ServeOptions.isBundleFolder(options.bundlePath)
            ? options.bundlePath : nil
        let paths =
            try folder.map { try ServeOptions.bundles(inFolder: $0) }
            ?? ([options.bundlePath] + options.additionalBundlePaths)
        if let folder, paths.isEmpty {
            throw ServingError.badOption(
                Diagnostic(
                    "\(folder) holds no bundle (a folder with a manifest.json, or a .zip)",
                    remedy: "export models into it (export m to \"\(folder)/NAME\"), then start the server again")
            )
        }
        if folder != nil, options.shadowBundlePath != nil {
            throw ServingError.badOption(
                Diagnostic(
                    "\(setting: "shadow") works with one served bundle, not a folder of bundles",
                    remedy: "serve the champion's bundle itself with \(setting: "shadow")")
            )
        }
        if options.shadowBundlePath != nil, !options.additionalBundlePaths.isEmpty {
            throw ServingError.badOption(
                Diagnostic(
                    "\(setting: "shadow") works with one served bundle, not \(paths.count): the challenger is scored beside the one champion",
                    remedy: "serve the other models from another server")
            )
        }
        let bundles = try paths.map { try BundleReader.open($0, trustedKey: options.trustedKey) }
        let shadowBundle = try options.shadowBundlePath.map {
            try BundleReader.open($0, trustedKey: options.trustedKey)
        }
        if let shadowBundle, shadowBundle.manifest.modelID == bundles.first?.manifest.modelID {
            throw ServingError.badOption(
                Diagnostic(
                    "\(setting: "shadow", shadowBundle.path) holds the same model as the champion (model id \(shadowBundle.manifest.modelID)): there is nothing to compare",
                    remedy: "give the challenger another bundle")
            )
        }
        // Before any log is opened for writing.
        try ModelRouter.checkNames(bundles.map(\.manifest.name))
        var services: [ModelService] = []
        let router: ModelRouter
        // A folder's models can come and go: each is under its name from the start, one or many.
        let several = folder != nil || bundles.count > 1
        do {
            for bundle in bundles {
                services.append(try makeService(bundle, options: options, several: several, shadowBundle: shadowBundle))
            }
            router = try ModelRouter(services, singleModelRoutes: folder == nil)
        } catch {
            for service in services { service.close() }
            throw error
        }
        var warnings: [String] = []
        if !options.isLoopback && options.token == nil {
            warnings.append(
                "warning: listening on \(options.host) without a token: anyone who can reach this machine can use the model (add --token-file)"
            )
        }
        var logger = Logger(label: "workbench.serve") { label -> any LogHandler in
            options.serverLogLevel == nil ? SwiftLogNoOpLogHandler() : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = options.serverLogLevel ?? .critical

        let (bound, continuation) = AsyncStream.makeStream(of: Result<Int, ServingError>.self)
        // One core's worth of threads fewer than the machine has, so large batches never take every
        // core from the event loops.
        let workers = NIOThreadPool(numberOfThreads: max(1, System.coreCount - 1))
        workers.start()
        let registry = ConnectionRegistry(maximum: options.maximumConnections)
        let connection = ServingChannel(
            router: router, idleTimeout: options.idleTimeout, readTimeout: options.readTimeout,
            registry: registry, workers: workers)
        let app = connection.server(
            configuration: ServerConfiguration(
                address: .hostname(options.host, port: options.port), serverName: nil, reuseAddress: true,
                // One over the limit: the registry then sees the newcomer, and closes the longest-idle
                // connection to serve it (or holds it while every connection is busy).
                availableConnectionsDelegate: MaximumAvailableConnections(
                    options.maximumConnections + 1, logger: logger)),
            onServerRunning: { channel in
                continuation.yield(.success(channel.localAddress?.port ?? options.port))
            },
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger)
        let monitor = ServiceGroupConfiguration.ServiceConfiguration(
            service: MonitorService(router: router, interval: options.monitorInterval),
            successTerminationBehavior: .gracefullyShutdownGroup)
        let reloader = folder.map { ModelReloader(folder: $0, options: options, router: router) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [monitor, .init(service: app)],
                gracefulShutdownSignals: signals,
                logger: logger))
        let host = options.host, port = options.port
        // SIGHUP reloads a folder of bundles (only when the CLI asked for signals: not in the REPL).
        let hangups: Task<Void, Never>? = reloader.flatMap { reloader in
            signals.isEmpty
                ? nil
                : Task {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) { reloader.reloadInBackground() }
                }
        }
        let task = Task {
            defer {
                hangups?.cancel()
                reloader?.finish()
                for service in router.services {
                    service.evaluateMonitoring()
                    service.close()
                }
                workers.shutdownGracefully { _ in }
            }
            do {
                try await group.run()
                continuation.yield(
                    .failure(.cannotBind(host: host, port: port, reason: "the server stopped before it was listening")))
            } catch {
                continuation.yield(.failure(.cannotBind(host: host, port: port, reason: describe(error))))
                throw error
            }
        }
        for await result in bound {
            switch result {
            case .success(let port):
                return RunningServer(
                    host: options.host, port: port, router: router, warnings: warnings, group: group, task: task,
                    reloader: reloader)
            case .failure(let error):
                _ = try? await task.value
                throw error
            }
        }
        throw ServingError.cannotBind(host: host, port: port, reason: "the server did not start")
    }

    /// One model's service, as `start` and reloads make it.
    static func makeService(
        _ bundle: LoadedBundle, options: ServeOptions, several: Bool, shadowBundle: LoadedBundle? = nil,
        replacing previous: ModelService? = nil
    ) throws -> ModelService {
        try ModelService(
            bundle: bundle, token: options.token, maximumBodyBytes: options.maximumBodyBytes,
            maximumRows: options.maximumRows,
            logPath: options.logPath.map {
                ServeOptions.logPath($0, model: bundle.manifest.name, models: several ? 2 : 1)
            },
            redact: options.redact, alertCommand: options.alertCommand, monitorOptions: options.monitor,
            logRetention: options.logRetention,
            logMaxAge: options.logMaxAge, serverVersion: options.serverVersion, shadowBundle: shadowBundle,
            shadowQueueRows: options.shadowQueueRows, replica: options.replica, perModelRoutes: several,
            reusingLogOf: previous)
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
        if text.contains("Address already in use") || text.contains("EADDRINUSE") {
            return "the address is already in use"
        }
        return text
    }
}

/// Re-evaluates drift every `interval` (gauges, alerts) until the server shuts down, on a thread
/// of its own (`serve-monitor`) that runs only when the cores have nothing else to do. Not on the
/// event loops, where tasks run (see `runTasksOnEventLoops`): the drift tests take milliseconds,
/// which every connection of that loop would wait out.
struct MonitorService: Service {
    /// The monitor thread's name (at most 15 bytes, Linux's limit, or it is not set).
    static let threadName = "serve-monitor"

    /// Every model the router serves at each pass (the set can change on reload).
    let router: ModelRouter
    let interval: Duration

    func run() async throws {
        let stop = DispatchSemaphore(value: 0)
        let router = router, interval = interval
        let thread = Thread {
            // Named for the OS too (top, perf, /proc), which Foundation's `name` does not do here
            // (and Glibc's module exports no pthread_setname_np).
            if let comm = fopen("/proc/thread-self/comm", "w") {
                fputs(Self.threadName, comm)
                fclose(comm)
            }
            Self.runWhenIdle()
            repeat {
                for service in router.services { service.evaluateMonitoring() }
            } while stop.wait(
                timeout: .now()
                    + .nanoseconds(
                        Int(
                            interval.components.seconds * 1_000_000_000 + interval.components.attoseconds
                                / 1_000_000_000))) == .timedOut
        }
        thread.name = Self.threadName
        thread.start()
        try? await gracefulShutdown()
        stop.signal()
    }

    /// Puts the calling thread in Linux's SCHED_IDLE class: it runs on a core nobody else wants
    /// and gives the core up as soon as another thread wakes there. A nice value is not enough:
    /// at nice 10 a summary (4–9 ms of drift tests) still held a core for a whole scheduler tick
    /// once picked, and a client thread woken on that core waited 4–5 ms — every second, in the
    /// slowest 1 % of requests. Under a load that keeps both cores busy the thread still gets a
    /// small share, so the summary lags rather than stops. Falls back to nice 10 where the class
    /// is unavailable.
    static func runWhenIdle() {
        #if os(Linux)
        var parameters = sched_param()
        // SCHED_IDLE (5 in <linux/sched.h>; Glibc's module does not export the name). 0 names the
        // calling thread.
        if sched_setscheduler(0, 5, &parameters) == 0 { return }
        // Linux keeps a nice value per thread; 0 names the calling one.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }
}
