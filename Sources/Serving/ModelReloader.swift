import Bundles
import Foundation
import Synchronization
import Diagnostics

/// What one reload of a folder of bundles did, by model name.
public struct ReloadReport: Sendable, Equatable {
    /// Models served from now on that were not before.
    public var added: [String] = []
    /// Models whose bundle changed (another model id under the name): the new one answers now.
    public var replaced: [String] = []
    /// Models no longer in the folder: taken out (closed once their requests in flight finish).
    public var removed: [String] = []
    public var unchanged: [String] = []
    /// Bundles that could not be served, and why; a model already served under that name stays.
    public var failed: [Failure] = []

    public struct Failure: Sendable, Equatable {
        public var bundle: String
        public var reason: String
    }

    /// `reloaded: 1 added (r), 1 removed (m), 2 unchanged; serving 3 models` and a line per failure.
    public var summary: String {
        var parts: [String] = []
        for (count, names, what) in [
            (added.count, added, "added"), (replaced.count, replaced, "replaced"), (removed.count, removed, "removed"),
        ] where count > 0 {
            parts.append("\(count) \(what) (\(names.joined(separator: ", ")))")
        }
        parts.append("\(unchanged.count) unchanged")
        return
            (["reloaded: " + parts.joined(separator: ", ")] + failed.map { "not served: \($0.bundle): \($0.reason)" })
            .joined(separator: "\n")
    }
}

/// Reloads a server started on a folder of bundles (`workbench serve FOLDER`, then SIGHUP): reads
/// the folder again, opens and checks every bundle in it, and swaps the router's table in one
/// step. A model whose name and model id are unchanged keeps its service (metrics, monitoring
/// window, log); a new name gets a new one; a changed bundle replaces the old service; a name no
/// longer in the folder is taken out. Requests in flight finish on the model they were routed to;
/// models taken out are closed (monitoring evaluated, log flushed) once no request is in them.
/// A bundle that fails its checks is reported and, if its name was served, the old model stays.
final class ModelReloader: Sendable {
    let folder: String
    private let options: ServeOptions
    private let router: ModelRouter
    /// Services taken out and not yet closed.
    private let retiring = Mutex<[ModelService]>([])
    /// One reload at a time.
    private let turn = NSLock()

    /// How long a model taken out may stay busy before it is closed anyway.
    static let drainSeconds = 30.0

    init(folder: String, options: ServeOptions, router: ModelRouter) {
        self.folder = folder
        self.options = options
        self.router = router
    }

    /// Reloads on a thread of its own (SIGHUP arrives on a task that must not block).
    func reloadInBackground() {
        let thread = Thread { [self] in
            let report = reload()
            options.onReload?(report)
        }
        thread.name = "serve-reload"
        thread.start()
    }

    /// Reads the folder and serves what it holds. Blocks while bundles are opened and checked.
    func reload() -> ReloadReport {
        turn.lock()
        defer { turn.unlock() }
        var report = ReloadReport()
        let current = router.services
        let byName = Dictionary(current.map { ($0.bundle.manifest.name, $0) }, uniquingKeysWith: { first, _ in first })
        let paths: [String]
        do { paths = try ServeOptions.bundles(inFolder: folder) } catch {
            report.failed.append(.init(bundle: folder, reason: error.description))
            report.unchanged = current.map(\.bundle.manifest.name)
            return report
        }
        var next: [ModelService] = []
        var seen = Set<String>()
        var unreadable: [String] = []
        for path in paths {
            let bundle: LoadedBundle
            do { bundle = try BundleReader.open(path, trustedKey: options.trustedKey) } catch {
                report.failed.append(.init(bundle: path, reason: String(describing: error)))
                unreadable.append(path)
                continue
            }
            let name = bundle.manifest.name
            guard seen.insert(name).inserted else {
                report.failed.append(
                    .init(bundle: path, reason: "another bundle in the folder is also named '\(name)'"))
                continue
            }
            if let old = byName[name], old.bundle.manifest.modelID == bundle.manifest.modelID {
                next.append(old)
                report.unchanged.append(name)
                continue
            }
            do {
                next.append(
                    try BundleServer.makeService(bundle, options: options, several: true, replacing: byName[name]))
                if byName[name] == nil { report.added.append(name) } else { report.replaced.append(name) }
            } catch {
                report.failed.append(.init(bundle: path, reason: String(describing: error)))
                if let old = byName[name] {
                    next.append(old)
                    report.unchanged.append(name)
                }
            }
        }
        // A bundle that cannot be read at all keeps the model it served, if it served one.
        for path in unreadable {
            guard let old = current.first(where: { $0.bundle.path == path }), !seen.contains(old.bundle.manifest.name)
            else { continue }
            seen.insert(old.bundle.manifest.name)
            next.append(old)
            report.unchanged.append(old.bundle.manifest.name)
        }
        report.removed = current.map(\.bundle.manifest.name).filter { !seen.contains($0) }
        guard !next.isEmpty else {
            // An empty folder takes nothing out: a server with no model answers nothing.
            report.failed.append(
                .init(bundle: folder, reason: "the folder holds no bundle that can be served; the models served stay"))
            report.removed = []
            report.unchanged = current.map(\.bundle.manifest.name)
            for service in next where !current.contains(where: { $0 === service }) { service.close() }
            return report
        }
        do {
            let retired = try router.replace(with: next)
            retire(retired)
        } catch {
            report.failed.append(.init(bundle: folder, reason: error.description))
            for service in next where !current.contains(where: { $0 === service }) { service.close() }
        }
        return report
    }

    /// Closes `services` once no request is in them (at most `drainSeconds` later).
    private func retire(_ services: [ModelService]) {
        guard !services.isEmpty else { return }
        retiring.withLock { $0 += services }
        let thread = Thread { [self] in
            let deadline = Date().addingTimeInterval(Self.drainSeconds)
            while services.contains(where: { $0.inFlight.load(ordering: .sequentiallyConsistent) > 0 }),
                Date() < deadline
            {
                usleep(10_000)
            }
            close(services)
        }
        thread.name = "serve-retire"
        thread.start()
    }

    private func close(_ services: [ModelService]) {
        let mine: [ModelService] = retiring.withLock { list in
            let taken = list.filter { r in services.contains { $0 === r } }
            list.removeAll { r in services.contains { $0 === r } }
            return taken
        }
        for service in mine {
            service.evaluateMonitoring()
            service.close()
        }
    }

    /// At shutdown: closes whatever is still retiring.
    func finish() {
        close(retiring.withLock { $0 })
    }
}
