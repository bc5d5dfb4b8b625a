import ArgumentParser
import Foundation
import PostgresAccess
import Serving
import Workbench
import Synchronization
import Bundles
import UnixSignals
import Diagnostics

/// Serve a bundle over HTTP until SIGINT or SIGTERM.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Serve a bundle over HTTP: POST /v1/predict, POST /v1/feedback, GET /v1/model, /v1/openapi.yaml, /v1/drift, /healthz, /readyz, /metrics, and the Open Inference Protocol (KServe V2) under /v2.",
        discussion: """
            Binds to loopback unless told otherwise. SIGINT or SIGTERM stop it gracefully: requests in flight finish and the prediction log is flushed. \
            Several bundles are served side by side, each model under its name: /v2/models/NAME/..., /v1/models/NAME/predict (and /model, /drift, \
            /openapi.yaml, /metrics), each with its own metrics, monitoring and prediction log (--log log.sqlite writes log-NAME.sqlite per model).
            --log postgresql://USER@HOST/DB keeps the log in PostgreSQL instead, where any number of replicas of the server write at once \
            (each under --replica, by default HOST:PID) and `workbench monitor postgresql://USER@HOST/DB` reads them together; the password comes \
            from PGPASSWORD or ~/.pgpass, never the command line. While the database is away the server keeps answering, holds up to 200000 \
            rows, then drops the oldest, and counts both in /metrics (workbench_log_rows_dropped_total, workbench_log_write_errors_total).
            A folder of bundles (a folder without a manifest.json of its own: each sub-folder with one, and each .zip, is a bundle) serves \
            every model in it under its name; `kill -HUP PID` reads the folder again: new bundles are served, bundles taken out stop being \
            served once their requests in flight finish, a changed bundle replaces its model, and one that fails its checks is reported \
            while the model it would replace keeps answering.
            With --shadow CHALLENGER the bundle (the champion) answers every request and the challenger is scored on the same rows off the \
            request path, both logged under the same prediction id; `workbench monitor LOG` compares them and `workbench promote` swaps them.
            """)

    @Argument(
        help:
            "The bundle folder or .zip; several are served side by side, each under its model's name. A folder of bundles serves every bundle in it, and SIGHUP reloads it."
    )
    var bundles: [String]

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(
        name: .long, help: "File whose first line is the bearer token every route but /healthz and /readyz requires.")
    var tokenFile: String?

    @Option(
        name: .long,
        help:
            "Append every scored row to this prediction log: an SQLite file, or postgresql://… for one log that replicas share."
    )
    var log: String?

    @Option(name: .long, help: "Keep at most this many rows in the prediction log (oldest go first).")
    var logRetention: Int = 1_000_000

    @Option(
        name: .long,
        help:
            "Also remove rows older than this from the prediction log: seconds, or 90m, 12h, 30d (a minute to ten years)."
    )
    var logMaxAge: String?

    @Option(name: .long, help: "This server's name among the replicas writing one PostgreSQL log (default: HOST:PID).")
    var replica: String?

    @Option(name: .long, help: "Largest request body, e.g. 1MiB, 512KiB or a byte count (at most 1GiB).")
    var maxBody: String = "1MiB"

    @Option(name: .long, help: "Most rows in one prediction request (1 to 1000000); more get 413.")
    var maxRows: Int = ServeOptions.defaultMaximumRows

    @Option(
        name: .long,
        help:
            "Seconds (1 to 86400) a connection may go without completing a request part (slow headers, idle keep-alive) before it is closed."
    )
    var idleTimeout: Double = 30

    @Option(
        name: .long,
        help:
            "Seconds (1 to 86400) a request body may take to arrive after its headers; slower bodies get 408 and the connection is closed."
    )
    var readTimeout: Double = 10

    @Option(
        name: .long,
        help:
            "Connections served at once (1 to 100000). At the limit a new client takes the place of the longest-idle keep-alive connection; while all are busy it waits."
    )
    var maxConnections: Int = 512

    @Option(
        name: .long,
        help: "Refuse the bundle (and a --shadow challenger) unless it is signed by this Ed25519 public key.")
    var trust: String?

    @Option(
        name: .long,
        help:
            "Comma-separated columns never written in clear to the log (in addition to those marked sensitive at export)."
    )
    var redact: String?

    @Option(name: .long, help: "Run this command (no shell; alert as JSON on stdin) when a drift breach starts.")
    var alertCommand: String?

    @Option(name: .long, help: "Monitoring window: the most recent rows compared with the training data.")
    var window: Int = 1_000

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A challenger bundle scored on every answered row off the request path (never delaying the answer), logged beside the champion's prediction; it must take the same inputs for the same target.",
            valueName: "CHALLENGER"))
    var shadow: String?

    @Option(
        name: .long,
        help:
            "Rows queued for the challenger at most (1 to 1000000); when it falls behind, more are dropped for it and counted."
    )
    var shadowQueue: Int = ServeOptions.defaultShadowQueueRows

    /// Out-of-range options are usage errors (exit 64, with the usage), caught before anything
    /// starts; the message names the option and its range.
    func validate() throws {
        guard !bundles.isEmpty else { throw ValidationError("say which bundle to serve") }
        do { _ = try rangedOptions() } catch { throw ValidationError(shellText(error)) }
    }

    /// The options whose values have ranges, checked (timeouts as numbers, before they become
    /// durations: converting 1e300 seconds would trap).
    private func rangedOptions() throws(ServingError) -> ServeOptions {
        var options = ServeOptions(bundlePath: bundles.first ?? "")
        options.additionalBundlePaths = Array(bundles.dropFirst())
        options.serverVersion = workbenchVersion
        options.host = host
        options.port = port
        options.logRetention = logRetention
        options.logMaxAge = try logMaxAge.map(ServeOptions.duration)
        options.replica = replica
        options.maximumBodyBytes = try ServeOptions.byteCount(maxBody)
        options.maximumRows = maxRows
        for (name, seconds) in [("--idle-timeout", idleTimeout), ("--read-timeout", readTimeout)]
        where !ServeOptions.timeoutSeconds.contains(seconds) {
            throw ServingError.badOption("\(name) \(seconds) is out of range: it must be between 1 and 86400 seconds")
        }
        options.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        options.readTimeout = .milliseconds(Int64(readTimeout * 1000))
        options.maximumConnections = maxConnections
        options.monitor.window = window
        options.shadowBundlePath = shadow
        options.shadowQueueRows = shadowQueue
        try options.validate()
        return options
    }

    func run() throws {
        do {
            var options = try rangedOptions()
            options.token = try tokenFile.map(ServeOptions.token(fromFile:))
            options.logPath = log
            options.trustedKey = trust
            options.redact =
                redact.map {
                    $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                } ?? []
            options.alertCommand = try alertCommand.map(AlertCommand.init(commandLine:))
            options.onReload = { report in
                say(report.summary)
                if !report.failed.isEmpty {
                    FileHandle.standardError.write(
                        Data(
                            "warning: \(report.failed.count) bundle\(report.failed.count == 1 ? "" : "s") not served (above)\n"
                                .utf8))
                }
            }
            let opened = options
            _ = BundleServer.runTasksOnEventLoops()
            try blocking {
                let server = try await BundleServer.start(opened, signals: [.sigint, .sigterm])
                for w in server.warnings { FileHandle.standardError.write(Data((w + "\n").utf8)) }
                let folder = ServeOptions.isBundleFolder(opened.bundlePath) && opened.additionalBundlePaths.isEmpty
                // A folder's models are each under its name, however many there are.
                let logModels = folder ? 2 : server.services.count
                if server.services.count == 1 && !folder {
                    let m = server.service.bundle.manifest
                    say("serving \(m.name) (\(m.algorithm) → \(m.target), model id \(m.modelID)) at \(server.url)")
                    if let c = server.service.challengerBundle?.manifest {
                        say(
                            "challenger \(c.name) (\(c.algorithm), model id \(c.modelID)) scored in its shadow"
                                + (opened.logPath == nil
                                    ? "; without --log only /metrics compares them"
                                    : "; compare: workbench monitor \(PostgresLocation.mask(opened.logPath ?? "")); promote: workbench promote --server \(server.url)")
                        )
                    }
                    say(
                        "try: curl -s \(server.url)/v1/predict -H 'Content-Type: application/json' -d @\(bundleExamplePath(opened.bundlePath))"
                    )
                } else {
                    say(
                        "serving \(server.services.count) model\(server.services.count == 1 ? "" : "s") at \(server.url)"
                            + (folder
                                ? " from the folder \(opened.bundlePath) (kill -HUP \(ProcessInfo.processInfo.processIdentifier) reloads it)"
                                : ""))
                    for service in server.services {
                        let m = service.bundle.manifest
                        say(
                            "  \(m.name) (\(m.algorithm) → \(m.target), model id \(m.modelID)): \(server.url)/v1/models/\(m.name)/predict, \(server.url)/v2/models/\(m.name)/infer"
                                + (opened.logPath.map {
                                    ", log "
                                        + PostgresLocation.mask(
                                            ServeOptions.logPath($0, model: m.name, models: logModels))
                                } ?? ""))
                    }
                    let first = server.service.bundle.manifest.name
                    say(
                        "try: curl -s \(server.url)/v1/models/\(first)/predict -H 'Content-Type: application/json' -d @\(bundleExamplePath(server.service.bundle.path))"
                    )
                }
                try await server.waitUntilStopped()
                let logs =
                    opened.logPath.map { path in
                        Array(
                            Set(
                                server.services.map {
                                    PostgresLocation.mask(
                                        ServeOptions.logPath(path, model: $0.bundle.manifest.name, models: logModels))
                                })
                        ).sorted()
                    } ?? []
                say(
                    "stopped"
                        + (logs.isEmpty
                            ? ""
                            : "; prediction log\(logs.count == 1 ? "" : "s") flushed to " + logs.joined(separator: ", "))
                )
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            reportError(error)
            throw ExitCode(1)
        }
    }
}

/// Monitor a served model from its prediction log.
struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Monitor a served model from its prediction log: traffic, errors, latency, predictions and drift against the bundle's reference, realised performance on the rows with outcomes, with an ALERT line per breach.",
        discussion: """
            Outcomes come from the log (POST /v1/feedback stores them there) or, with --labels FILE.csv key=COLUMN [truth=COLUMN], from a CSV \
            file instead: KEY holds the prediction ids /v1/predict answered, TRUTH the true class or value (by default the column named as the \
            model's target, else label or value). The realised metric (accuracy with Wilson's 95% interval; RMSE and MAE with a seeded bootstrap) \
            is set beside the bundle's validation figure; when the interval lies wholly below it minus --tolerance (above it plus, for RMSE), an \
            ALERT line says so and --alert-command runs.
            """)

    @Argument(
        help: "The prediction log: a file, or postgresql://… for the log replicas share (or the bundle, with --log).")
    var source: String

    @Option(name: .long, help: "The prediction log, when SOURCE is a bundle.")
    var log: String?

    @Option(
        name: .long,
        help: "The served model to read, in a PostgreSQL log that several models share (its name or model id).")
    var model: String?

    @Option(name: .long, help: "Most recent rows to compare with the training data.")
    var window: Int = 1_000

    @Flag(name: .long, help: "Refresh in place until interrupted.")
    var watch = false

    @Option(name: .long, help: "Seconds between refreshes with --watch.")
    var interval: Double = 2

    @Option(name: .long, help: "Run this command (no shell; alert as JSON on stdin) when a breach starts.")
    var alertCommand: String?

    @Option(name: .long, help: "Refuse the bundle unless it is signed by this Ed25519 public key.")
    var trust: String?

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "A CSV of outcomes to join instead of the log's: FILE.csv key=COLUMN (prediction ids, default id) truth=COLUMN (default: the target's name).",
            valueName: "FILE [key=COLUMN] [truth=COLUMN]"))
    var labels: [String] = []

    @Option(
        name: .long,
        help:
            "Also show the realised metric for each of the last K windows of --window rows, or with --since of that many seconds (K × --window at most 100000)."
    )
    var windows: Int = 1

    @Option(
        name: .long,
        help: "A window by time: only the rows logged in the last SECONDS seconds (at most --window rows of them).")
    var since: Double?

    @Option(
        name: .long,
        help:
            "Alert when the realised metric's interval lies this far below the validation figure (above, for RMSE); default 0.05 for accuracy, 10% of the validation RMSE."
    )
    var tolerance: Double?

    /// Out-of-range options are usage errors (exit 64), as for `serve`.
    func validate() throws {
        guard (1...PredictionLogReader.maximumWindow).contains(window) else {
            throw ValidationError(
                "--window \(window) is out of range: it must be between 1 and \(PredictionLogReader.maximumWindow) rows"
            )
        }
        guard interval.isFinite, (0.1...86_400).contains(interval) else {
            throw ValidationError("--interval \(interval) is out of range: it must be between 0.1 and 86400 seconds")
        }
        guard (1...100).contains(windows),
            window.multipliedReportingOverflow(by: windows).partialValue <= PredictionLogReader.maximumWindow
        else {
            throw ValidationError(
                "--windows \(windows) is out of range: it must be between 1 and 100, and --windows × --window at most \(PredictionLogReader.maximumWindow) rows"
            )
        }
        if let since, !(since.isFinite && since > 0 && since <= 315_360_000) {
            throw ValidationError(
                "--since \(since) is out of range: it must be more than 0 and at most 315360000 seconds (ten years)")
        }
        if let tolerance, !(tolerance.isFinite && tolerance >= 0) {
            throw ValidationError("--tolerance \(tolerance) is out of range: it must be a finite number of at least 0")
        }
        if !labels.isEmpty {
            do { _ = try OutcomeFile(words: labels) } catch { throw ValidationError(shellText(error)) }
        }
    }

    func run() throws {
        do {
            var isFolder: ObjCBool = false
            let sourceIsBundle =
                FileManager.default.fileExists(atPath: source, isDirectory: &isFolder)
                && (isFolder.boolValue || source.hasSuffix(".zip"))
            let logPath = sourceIsBundle ? log : source
            guard let logPath else {
                throw ServingError.badOption("\(source) is a bundle: say which prediction log to read with --log FILE")
            }
            let bundlePath = sourceIsBundle ? source : nil
            let command = try alertCommand.map(AlertCommand.init(commandLine:))
            var options = MonitorOptions()
            options.window = window
            options.tolerance = tolerance
            options.seconds = since
            let outcomeFile = labels.isEmpty ? nil : try OutcomeFile(words: labels)
            var tracker = BreachTracker()
            let terminal = isatty(STDOUT_FILENO) == 1
            let log = try PredictionLogs.open(logPath, model: model)
            repeat {
                let summary = try LogMonitor.summary(
                    log: log, bundlePath: bundlePath, trustedKey: trust, options: options, labels: outcomeFile)
                var text = MonitorReport.render(
                    summary, source: log.location + (since.map { " (rows of the last \(formatSeconds($0)))" } ?? ""))
                let replicas = try log.replicas()
                if !replicas.isEmpty { text += "\n" + MonitorReport.replicas(replicas) }
                if let comparison = try LogMonitor.comparison(
                    log: log, bundlePath: bundlePath, trustedKey: trust, options: options, labels: outcomeFile)
                {
                    text += "\n" + comparison.lines.joined(separator: "\n")
                }
                if windows > 1 {
                    let history = try LogMonitor.history(
                        log: log, bundlePath: bundlePath, trustedKey: trust, options: options, count: windows,
                        labels: outcomeFile)
                    text += "\n" + MonitorReport.history(history)
                }
                say(watch && terminal ? "\u{1B}[H\u{1B}[2J" + text : text)
                for alert in tracker.starting(in: summary, rowsScored: summary.traffic.rowsScored, window: window) {
                    command?.run(json: summary.alertJSON(alert))
                }
                if watch { Thread.sleep(forTimeInterval: interval) }
            } while watch
        } catch let error as ExitCode {
            throw error
        } catch {
            reportError(error)
            throw ExitCode(1)
        }
    }
}

/// Promote a running server's challenger to champion.
struct Promote: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Promote the challenger of a running server (serve --shadow) to champion, and record the promotion with its evidence in the run registry.",
        discussion: """
            The two models swap in one step without dropping a request: requests already being answered finish on the model they \
            started with, the next ones are answered by the new champion, and the former champion is scored in its shadow from then on. \
            The evidence (agreement, both models' metric on the labelled rows, the paired test) is the server's, over its prediction \
            log's last window; it is printed and recorded as a run of kind promote ($WORKBENCH_HOME/runs.sqlite; see `runs kind=promote`).
            """)

    @Option(name: .long, help: "The server's address, as serve printed it.")
    var server: String = "http://127.0.0.1:8080"

    @Option(name: .long, help: "File whose first line is the server's bearer token (its --token-file).")
    var tokenFile: String?

    func validate() throws {
        do { _ = try AdminClient.parse(server: server) } catch { throw ValidationError(shellText(error)) }
    }

    func run() throws {
        do {
            let token = try tokenFile.map(ServeOptions.token(fromFile:))
            let answer = try AdminClient.request("POST", server: server, path: "/v1/admin/promote", token: token)
            guard answer.status == 200 else {
                throw ServingError.noServer(Self.refusal(answer, server: server, sentToken: token != nil))
            }
            guard let report = try? JSONDecoder().decode(PromotionReport.self, from: Data(answer.body.utf8)) else {
                throw ServingError.noServer(
                    "internal error: the server's answer to the promotion could not be read: \(answer.body.prefix(200))"
                )
            }
            say(
                "promoted \(report.champion.name): \(report.champion.algorithm) (model id \(report.champion.model)) now answers; "
                    + "\(report.challenger.algorithm) (model id \(report.challenger.model)) is scored in its shadow")
            if let evidence = report.evidence {
                say("evidence, with the roles as they were before the swap:")
                for line in evidence.lines { say("  " + line) }
                if evidence.better != "challenger" {
                    say(
                        "note: the evidence did not favour the challenger; it was promoted because you asked (workbench promote again swaps back)"
                    )
                }
            } else {
                say(
                    "  evidence: "
                        + (report.logged
                            ? "no challenger prediction in the log yet"
                            : "no prediction log on the server (serve --log FILE keeps one)")
                        + "; the challenger's running counts: "
                        + "\(report.counts.scored) rows scored, \(report.counts.failed) failed, \(report.counts.dropped) dropped"
                        + (report.counts.agreement.map { String(format: ", labels agreed on %.1f%%", $0 * 100) } ?? "")
                        + (report.counts.meanAbsoluteDifference.map {
                            ", mean absolute difference " + String(format: "%.4g", $0)
                        } ?? ""))
            }
            if let note = report.logNote { say("  note: " + note) }
            // The registry the analysts' sessions use: WORKBENCH_REGISTRY (a team's PostgreSQL) or the home's SQLite file.
            let home = SessionEnvironment.defaultHome()
            let setting = SessionEnvironment.defaultRegistry()
            let shown = setting.map(PostgresLocation.mask) ?? home + "/runs.sqlite"
            do {
                let id = try RunRegistry(setting: setting, home: home).insert(
                    RunRecord(promotion: report, server: server))
                say(
                    "recorded as run \(id.map(String.init) ?? "?") in \(shown) (workbench repl, then: runs kind=promote)"
                )
            } catch {
                say("note: the promotion happened but was not recorded in the run registry \(shown): \(error)")
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            reportError(error)
            throw ExitCode(1)
        }
    }

    /// The server's refusal in the user's terms.
    static func refusal(_ answer: AdminClient.Answer, server: String, sentToken: Bool) -> Diagnostic {
        let json = (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [String: Any]
        let message = json?["error"] as? String ?? "HTTP \(answer.status)"
        let details = (json?["details"] as? [String]) ?? []
        switch answer.status {
        case 401:
            return Diagnostic(
                "the server at \(server) refused: \(message)",
                remedy: sentToken
                    ? "the token in \(setting: "token_file") is not the server's"
                    : "the server needs its token: \(setting: "token_file", "FILE")")
        case 404:
            return Diagnostic(
                "the server at \(server) has no promotion route (\(message))",
                remedy: "is it a workbench serve of this version?")
        default:
            return Diagnostic(
                "the server at \(server) refused: \(message)",
                remedy: details.isEmpty ? nil : "\(details.joined(separator: "; "))")
        }
    }
}

/// "3600 s" or "1.5 s".
private func formatSeconds(_ x: Double) -> String {
    (x.rounded() == x && x < 1e15 ? String(Int64(x)) : String(x)) + " s"
}

/// Writes a line to stdout at once (unbuffered: a supervisor or test reads it while we run).
private func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// `example.json` of the bundle, for the curl hint.
private func bundleExamplePath(_ bundle: String) -> String {
    bundle.hasSuffix(".zip") ? "example.json" : bundle + "/example.json"
}

/// Runs async work from a synchronous command and waits for it; errors are rethrown.
private func blocking(_ work: @escaping @Sendable () async throws -> Void) throws {
    let done = DispatchSemaphore(value: 0)
    let failure = Mutex<(any Error)?>(nil)
    Task {
        do { try await work() } catch { failure.withLock { $0 = error } }
        done.signal()
    }
    done.wait()
    if let error = failure.withLock({ $0 }) { throw error }
}
