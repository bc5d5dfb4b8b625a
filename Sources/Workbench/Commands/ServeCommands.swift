import Bundles
import CommandLanguage
import Foundation
import PostgresAccess
import Serving
import Learning
import Tabular

extension CommandTable {
    /// `serve MODEL|"BUNDLE" [port=8080] [host=127.0.0.1] [log="FILE"] [window=1000]`.
    static let serve = CommandSpec(
        "serve", topic: "deploy",
        summary: "serve a model or bundle over HTTP in the background of the session",
        discussion: """
            The server runs while the session goes on, so you can call it with curl from another \
            terminal: POST /v1/predict with one row as JSON (or {"rows": [...]}), POST /v1/feedback \
            with the outcomes of answered predictions by id (with log=), GET /v1/model, \
            /v1/openapi.yaml, /v1/drift (monitoring), /healthz, /readyz and /metrics (Prometheus). A \
            session model is exported to a temporary bundle first, so it is served exactly as \
            `workbench serve` would serve its bundle. It listens on loopback; port=0 picks a free \
            port. `servers` lists what runs, `stop N` stops one; all stop when the session ends. In \
            a replay whose recorded port is taken by now, the server listens on a free one instead, and \
            a replay of its own stops it at the end.
            """,
        positionals: [PositionalSpec(.model, .binding)],
        options: [
            ServeOption.port.spec,
            OptionSpec("host", .text, default: ServeOption.defaults.host, help: "address to listen on"),
            OptionSpec(
                "log", .path,
                help:
                    "append every scored row to this prediction log: an SQLite file, or postgresql://… shared by replicas"
            ),
            ServeOption.window.spec,
        ],
        examples: ["serve m", "serve m port=8081 log=\"predictions.sqlite\"", "serve \"bundles/penguins\" port=0"],
        reopen: .actsOutside,
        run: { context in
            let (name, bundlePath) = try bundleToServe(context)
            var options = ServeOptions(bundlePath: bundlePath)
            options.serverVersion = workbenchVersion
            options.port = context.invocation[ServeOption.port]
            options.host = context.invocation.word("host") ?? ServeOption.defaults.host
            options.logPath = context.invocation.word("log").map {
                PredictionLogLocation.isShared($0) ? $0 : context.session.resolveForWriting(path: $0)
            }
            options.monitor.window = context.invocation[ServeOption.window]
            options.serverLogLevel = nil
            let opened = options
            let server: RunningServer
            do {
                server = try waitFor { try await BundleServer.start(opened) }
            } catch ServingError.cannotBind where context.session.isReplaying && opened.port != 0 {
                // The recorded port is taken by now: a replay listens on a free one instead (its
                // address is volatile), where a live session reports the clash.
                var freePort = opened
                freePort.port = 0
                let elsewhere = freePort
                server = try waitFor { try await BundleServer.start(elsewhere) }
            }
            let entry = context.session.servers.add(
                name: name, bundlePath: bundlePath, logPath: options.logPath, server: server)
            for w in server.warnings { context.print(w) }
            context.print(
                "server \(entry.number): serving \(name) at \(Output.volatile(server.url)) (model id \(server.service.bundle.manifest.modelID))"
            )
            context.print(
                "try: curl -s \(Output.volatile(server.url))/v1/predict -H 'Content-Type: application/json' -d '\(exampleRow(server.service.bundle))'"
            )
            context.print(
                "'servers' lists running servers, 'stop \(entry.number)' stops this one, 'monitor \(name)' shows its traffic and drift"
            )
        })

    /// `servers`.
    static let servers = CommandSpec(
        "servers", topic: "deploy",
        summary: "list the servers running in this session",
        examples: ["servers"],
        reopen: .shows,
        run: { context in
            let entries = context.session.servers.all
            guard !entries.isEmpty else {
                context.print("no server running; start one with: serve MODEL")
                return
            }
            var table = TextTable(headers: ["N", "serving", "url", "rows scored", "log"])
            for e in entries {
                let traffic = e.server.service.monitoringSummary().traffic
                table.add([
                    String(e.number), e.name, Output.volatile(e.server.url),
                    Output.volatile(String(traffic.rowsScored)),
                    e.logPath.map { Output.volatile(PostgresLocation.mask($0)) } ?? "-",
                ])
            }
            context.print(table.render(width: context.environment.width))
        })

    /// `stop N`.
    static let stop = CommandSpec(
        "stop", topic: "deploy",
        summary: "stop server N gracefully (requests in flight finish, its log is flushed)",
        positionals: [PositionalSpec(.n, .integer(1...Int.max))],
        examples: ["stop 1"],
        reopen: .actsOutside,
        run: { context in
            guard case .number(let value, _, let range)? = context.invocation.positionals[.n],
                let n = Int(exactly: value)
            else {
                throw LanguageError.semantic(
                    "stop takes a server number", at: context.invocation.range(of: .n), hint: "'servers' lists them")
            }
            guard let entry = context.session.servers.remove(n) else {
                let numbers = context.session.servers.all.map { String($0.number) }
                throw LanguageError.semantic(
                    "there is no server \(n)", at: range,
                    hint: numbers.isEmpty ? "no server is running" : "running: " + numbers.joined(separator: ", "))
            }
            waitFor { await entry.server.shutdown() }
            context.print(
                "stopped server \(n) (\(entry.name))"
                    + (entry.logPath.map { "; log flushed to \(Output.volatile(PostgresLocation.mask($0)))" } ?? ""))
        })

    /// `monitor MODEL|"BUNDLE"|"LOG" [window=N]`.
    static let monitor = CommandSpec(
        "monitor", topic: "deploy",
        summary:
            "traffic, errors, latency, predictions, drift and realised performance of a served model, with an ALERT line per breach",
        discussion: """
            For a model or bundle served in this session, the live window of its server; for a \
            prediction log ("FILE" written with log= or --log), its last rows against the bundle the \
            log names. Latency p50 / p95 / p99, the error rate, each class's share against training, \
            and drift by validate's rule, the same code (see 'help drift'): KS / chi-square on every \
            feature and on the predictions against cross-validation's out-of-fold predictions (bundles \
            exported before they carried them: shown, not tested), Holm-adjusted together, drift at \
            adjusted p ≤ 0.025 with a shift of at least 0.1; PSI beside each. Each drifted feature gets \
            an ALERT line with its figures. With outcomes in the log (POST /v1/feedback), the realised \
            accuracy (Wilson's 95% interval) or RMSE and MAE (seeded bootstrap) on the labelled rows, \
            beside the bundle's validation figure, with an ALERT when the interval lies wholly below it \
            minus 0.05 (RMSE: above it plus 10%); for a classifier, the accuracy expected from its \
            probabilities (CBPE), saying whether they are calibrated. window= applies to a log; a live \
            server keeps the window it was started with (serve ... window=N).
            """,
        positionals: [PositionalSpec(.source, .binding)],
        options: [
            MonitorOption.window.spec,
            OptionSpec("model", .text, help: "the served model to read, in a PostgreSQL log several models share"),
        ],
        examples: ["monitor m", "monitor \"predictions.sqlite\" window=200"],
        reopen: .shows,
        run: { context in
            let window = context.invocation[MonitorOption.window]
            let expression = context.invocation.positionals[.source]
            var options = MonitorOptions()
            options.window = window
            if case .string(let written, _)? = expression {
                let shared = PredictionLogLocation.isShared(written)
                let resolved = shared ? written : context.session.resolve(path: written)
                if let entry = context.session.servers.all.first(where: { $0.bundlePath == resolved }) {
                    context.print(
                        MonitorReport.render(entry.server.service.monitoringSummary(), source: "server \(entry.number)")
                    )
                    return
                }
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: resolved, isDirectory: &isFolder),
                    isFolder.boolValue || resolved.hasSuffix(".zip")
                {
                    throw CommandError(
                        "\(written) is a bundle that is not served in this session",
                        hint: "serve it first (serve \"\(written)\"), or monitor its prediction log: monitor \"FILE\"")
                }
                let log = try PredictionLogs.open(resolved, model: context.invocation.word("model"))
                let summary = try LogMonitor.summary(log: log, options: options)
                var text = MonitorReport.render(summary, source: shared ? log.location : written)
                let replicas = try log.replicas()
                if !replicas.isEmpty { text += "\n" + MonitorReport.replicas(replicas) }
                // A log written by `serve --shadow`: the champion against its challenger.
                if let comparison = try LogMonitor.comparison(log: log, options: options) {
                    text += "\n" + comparison.lines.joined(separator: "\n")
                }
                context.print(text)
                return
            }
            let (name, _) = try context.model(.source)
            guard let entry = context.session.servers.all.last(where: { $0.name == name }) else {
                throw CommandError("\(name) is not served in this session", hint: "start it with: serve \(name)")
            }
            context.print(
                MonitorReport.render(entry.server.service.monitoringSummary(), source: "server \(entry.number)"))
        })

    /// The bundle a `serve` names: a quoted path as is, a session model exported to a temporary bundle.
    private static func bundleToServe(_ context: CommandContext) throws -> (name: String, path: String) {
        if case .string(let written, _)? = context.invocation.positionals[.model] {
            return (baseName(of: written), context.session.resolve(path: written))
        }
        let (name, model) = try context.model(.model)
        if let bundle = model.bundlePath { return (name, context.session.resolve(path: bundle)) }
        let folder = NSTemporaryDirectory() + "workbench-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let contents = try bundleContents(
            name: name, model: model, sensitive: [], precision: ExportOption.onnxPrecision.defaultValue,
            context: context)
        _ = try BundleWriter.write(contents, to: folder + "/" + name, overwrite: false, signingKey: nil)
        return (name, folder + "/" + name)
    }

    /// One row of the bundle's example, for the curl hint.
    private static func exampleRow(_ bundle: LoadedBundle) -> String {
        var w = "{"
        for (i, f) in bundle.pipeline.inputs.enumerated() {
            if i > 0 { w += ", " }
            w += "\"\(f.name)\": "
            switch f.kind {
            case .number: w += f.median.isFinite ? formatNumberPlain(f.median) : "null"
            case .text: w += (f.date?.example ?? f.mostFrequentLevel.map { f.levels[$0] }).map { "\"\($0)\"" } ?? "null"
            }
        }
        return w + "}"
    }

    private static func formatNumberPlain(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

private enum ServeOption {
    /// What `serve` does with an option left out: the server's own defaults.
    static let defaults = ServeOptions(bundlePath: "")
    static let port: Option<Int> = .integer(
        "port", ServeOptions.ports, default: defaults.port, help: "port to listen on (0: any free port)")
    static let window: Option<Int> = .integer(
        "window", ServeOptions.windowRows, default: defaults.monitor.window, help: "monitoring window in rows")
}

private enum MonitorOption {
    static let window: Option<Int> = .integer(
        "window", 1...PredictionLogReader.maximumWindow, default: MonitorOptions().window,
        help: "most recent rows to compare with training")
}
