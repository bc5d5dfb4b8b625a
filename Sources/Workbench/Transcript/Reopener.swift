import CommandLanguage
import Foundation
import Tabular
import Learning

/// Restores the names a recorded session bound, fast (issue 23, item 6): its cells run again
/// without showing their output, except those that only show something or act outside the
/// session (`ReopenRole`); `train` cells take their models from the model cache (`ModelCache`)
/// and fit only what is not there. Data files are read again and their fingerprints compared with
/// the recording; a changed one is named with every name that depends on it. What the cells
/// write goes to a private sandbox, as in `replay`, though no writing command is run.
public struct Reopener {
    /// What the reopening did, for the summary.
    public struct Report: Sendable {
        public struct Binding: Sendable, Equatable {
            public var name: String
            public var kind: String
            /// For models: from the cache (true), fitted again (false); nil for other values.
            public var fromCache: Bool?
            /// Why a model was fitted again.
            public var refitReason: String?
        }
        public struct ChangedData: Sendable, Equatable {
            public var path: String
            public var cell: Int
            public var recorded: String
            /// nil when the file could not be read.
            public var now: String?
            /// The names that depend on it, in order of binding.
            public var dependents: [String]
        }
        public struct Skipped: Sendable, Equatable {
            public var cell: Int
            public var verb: String
            public var role: ReopenRole
        }
        public struct Failure: Sendable, Equatable {
            public var cell: Int
            public var command: String
            public var message: String
        }

        public var shownPath: String
        public var cellCount = 0
        public var rerunCount = 0
        public var skipped: [Skipped] = []
        public var bindings: [Binding] = []
        public var changedData: [ChangedData] = []
        public var failures: [Failure] = []
        public var notes: [String] = []
        /// The cell at which Ctrl-C stopped the reopening.
        public var interruptedAt: Int?
        public var seconds = 0.0

        public var modelsFromCache: [String] { bindings.filter { $0.fromCache == true }.map(\.name) }
        public var modelsRefit: [String] { bindings.filter { $0.fromCache == false }.map(\.name) }

        /// The summary as output lines; whether a model came from the cache depends on earlier
        /// runs, so it is marked volatile (like times).
        public var lines: [String] {
            var lines: [String] = []
            var first = "reopened \(shownPath): \(cellCount) cell\(cellCount == 1 ? "" : "s"), \(rerunCount) run again"
            let shows = skipped.filter { $0.role == .shows }, outside = skipped.filter { $0.role == .actsOutside }
            var notRun: [String] = []
            if !shows.isEmpty {
                notRun.append("\(shows.count) only show\(shows.count == 1 ? "s" : "") (\(Self.cellList(shows)))")
            }
            if !outside.isEmpty {
                notRun.append(
                    "\(outside.count) act\(outside.count == 1 ? "s" : "") outside the session and \(outside.count == 1 ? "is" : "are") not redone (\(Self.cellList(outside)))"
                )
            }
            if !notRun.isEmpty { first += "; " + notRun.joined(separator: ", ") }
            lines.append(
                first + " in "
                    + Output.volatile(Output.stripMarkers(formatDuration(seconds)).trimmingCharacters(in: .whitespaces))
            )
            if bindings.isEmpty {
                lines.append("no names restored")
            } else {
                let described = bindings.map { b -> String in
                    guard let cached = b.fromCache else { return "\(b.name) (\(b.kind))" }
                    return "\(b.name) (\(b.kind)"
                        + Output.volatile(
                            cached ? ", from the model cache" : ", fitted again: \(b.refitReason ?? "not cached")")
                        + ")"
                }
                lines.append(
                    "restored \(bindings.count) name\(bindings.count == 1 ? "" : "s"): "
                        + described.joined(separator: ", "))
                let cached = modelsFromCache.count, refit = modelsRefit.count
                if cached + refit > 0 {
                    lines.append("models: " + Output.volatile("\(cached) from the model cache, \(refit) fitted again"))
                }
            }
            for change in changedData {
                let now = change.now.map { "now \(Fingerprint.short($0))" } ?? "now missing"
                lines.append(
                    "warning: data file \(change.path) changed since recording (read in cell [\(change.cell)]): it was \(Fingerprint.short(change.recorded)), \(now); "
                        + (change.dependents.isEmpty
                            ? "no restored name depends on it"
                            : "depending on it: " + change.dependents.joined(separator: ", ")))
            }
            for failure in failures.prefix(10) {
                lines.append("warning: cell [\(failure.cell)] \(failure.command) did not run again: \(failure.message)")
            }
            if failures.count > 10 {
                lines.append("warning: … and \(failures.count - 10) more cells did not run again")
            }
            for note in notes { lines.append("note: " + note) }
            if let cell = interruptedAt {
                lines.append("stopped at cell [\(cell)] (Ctrl-C): it and the cells after it were not restored")
            }
            return lines
        }

        private static func cellList(_ cells: [Skipped]) -> String {
            let shown = cells.prefix(6).map { "\($0.verb) [\($0.cell)]" }
            return shown.joined(separator: ", ") + (cells.count > 6 ? ", …" : "")
        }
    }

    public let transcript: Transcript
    /// The transcript's path as the user wrote it, and resolved.
    public let shownPath: String
    public let path: String

    public init(transcript: Transcript, shownPath: String, path: String) {
        self.transcript = transcript
        self.shownPath = shownPath
        self.path = path
    }

    /// Restores the transcript's names into `session`. With `adopt`, the recorded cells become the
    /// session's first cells, as recorded (`workbench open`), so its numbering and its own
    /// transcript continue the reopened one; otherwise the reopening is one cell (`open` in a session).
    /// Throws when the transcript was changed after recording, or when it is already being
    /// reopened or replayed (a transcript that opens itself).
    public func run(into session: Session, adopt: Bool) throws -> Report {
        if let changed = transcript.integrityProblem {
            throw CommandError(
                "\(shownPath) was changed after it was recorded: \(changed)",
                hint:
                    "if it was edited on purpose, `workbench replay --update \(shownPath)` records the new outputs and digests"
            )
        }
        let start = ContinuousClock.now
        var report = Report(shownPath: shownPath)
        let log = ReopenLog()
        let outer = session.reopening
        let sandbox = session.sandbox == nil ? try WriteSandbox.temporary() : nil
        defer { sandbox?.remove() }
        try session.nested(.transcript(path: path)) {
            session.reopening = log
            defer { session.reopening = outer }
            let body = { self.restore(into: session, adopt: adopt, log: log, report: &report) }
            if let sandbox { session.sandboxed(sandbox, body) } else { body() }
        }
        // A nested open's cache notes belong to the outer one too.
        for note in log.notes { outer?.note(note) }
        report.seconds = (ContinuousClock.now - start).seconds
        return report
    }

    private func restore(into session: Session, adopt: Bool, log: ReopenLog, report: inout Report) {
        var bound: [String] = []
        var kinds: [String: String] = [:]
        var tainted = Set<String>()
        var changedIndex: [String: Int] = [:]
        for entry in transcript.entries {
            if session.cancellation.isSet, report.interruptedAt == nil {
                report.interruptedAt = entry.number
            }
            report.cellCount += 1
            let recordedFailure = entry.output.contains { $0.hasPrefix("error:") }
            defer {
                if adopt { session.adopt(entry, succeeded: !recordedFailure) }
            }
            guard report.interruptedAt == nil else { continue }
            // Ctrl-C stopped it when recorded and it bound nothing: running it to the end now would
            // bind what the recorded session never had.
            if entry.interruption == .nothingBound {
                report.notes.append(Interruption.notReproduced(cell: entry.number, command: entry.command, by: "open"))
                continue
            }
            guard let (command, statement, spec) = resolve(entry) else { continue }
            guard spec.reopen == .restores else {
                report.skipped.append(.init(cell: entry.number, verb: spec.name, role: spec.reopen))
                continue
            }
            report.rerunCount += 1
            // A compare or tune Ctrl-C stopped binds the same partial leaderboard it bound then.
            session.candidateLimit = entry.interruption?.candidateLimit
            let result = session.evaluate(command)
            session.candidateLimit = nil
            if !result.succeeded {
                // A cell that failed when recorded failing again is what was recorded.
                if !recordedFailure {
                    let message =
                        result.output.lines.map(Output.stripMarkers).first { $0.hasPrefix("error:") }.map {
                            String($0.dropFirst("error: ".count))
                        } ?? "it failed"
                    report.failures.append(.init(cell: entry.number, command: entry.command, message: message))
                }
                if session.cancellation.isSet { report.interruptedAt = entry.number }
                continue
            }
            // Data read again: compare with the recording. A cell depends on a changed file when it
            // read the file or names something that depends on it.
            let mentioned = Self.names(in: statement)
            var dependsOn = Set(
                changedIndex.keys.filter { path in
                    !mentioned.isDisjoint(with: report.changedData[changedIndex[path] ?? 0].dependents)
                })
            for recorded in entry.dataFiles {
                let now = result.dataFiles.first { $0.path == recorded.path }
                guard now?.fingerprint != recorded.fingerprint else { continue }
                if changedIndex[recorded.path] == nil {
                    changedIndex[recorded.path] = report.changedData.count
                    report.changedData.append(
                        .init(
                            path: recorded.path, cell: entry.number, recorded: recorded.fingerprint,
                            now: now?.fingerprint, dependents: []))
                }
                dependsOn.insert(recorded.path)
            }
            for name in result.boundNames {
                if !bound.contains(name) { bound.append(name) }
                if let value = session.lookup(name) { kinds[name] = value.kindName }
                guard !dependsOn.isEmpty else { continue }
                tainted.insert(name)
                for path in dependsOn.sorted() {
                    guard let index = changedIndex[path], !report.changedData[index].dependents.contains(name) else {
                        continue
                    }
                    report.changedData[index].dependents.append(name)
                }
            }
        }
        for name in bound where session.lookup(name) != nil {
            var binding = Report.Binding(name: name, kind: kinds[name] ?? "value")
            if log.restored.contains(name) {
                binding.fromCache = true
            } else if let reason = log.refit[name] {
                binding.fromCache = false
                binding.refitReason = tainted.contains(name) ? "the data it was trained on changed" : reason
            }
            report.bindings.append(binding)
        }
        report.notes += log.notes
    }

    /// The command to run for `entry` (a `rerun N` runs the command of the transcript's cell N),
    /// its statement and its command's spec; nil when it does not parse or names no command (it
    /// failed when recorded too).
    private func resolve(_ entry: Transcript.Entry) -> (String, Statement, CommandSpec)? {
        var command = entry.command
        for _ in 0...Session.maximumNesting {
            guard let statement = try? CommandTable.parse(command),
                let spec = CommandTable.command(named: statement.verb)
            else { return nil }
            guard spec.name == CommandTable.rerun.name else { return (command, statement, spec) }
            guard case .positional(.number(let value, _, _))? = statement.items.first, let n = Int(exactly: value),
                let target = transcript.entries.first(where: { $0.number == n }), target.number < entry.number
            else {
                return (command, statement, spec)
            }
            command = target.command
        }
        return nil
    }

    /// Every name a statement mentions (`lb.best` gives `lb.best` and `lb`), for dependencies.
    static func names(in statement: Statement) -> Set<String> {
        var names = Set<String>()
        func visit(_ expression: Expression) {
            switch expression {
            case .name(let parts, _), .call(let parts, _, _):
                for end in 1...max(1, parts.count) { names.insert(parts.prefix(end).joined(separator: ".")) }
                if case .call(_, let arguments, _) = expression { arguments.forEach(visit) }
            case .list(let items, _): items.forEach(visit)
            case .record(let fields, _): fields.forEach { visit($0.value) }
            case .string, .number, .expressionText: break
            }
        }
        for item in statement.items {
            switch item {
            case .positional(let e): visit(e)
            case .option(_, _, let e): visit(e)
            }
        }
        return names
    }
}
