public import Charts
import CommandLanguage
import Diagnostics
public import Foundation
import PostgresAccess
import Synchronization
import Tabular

/// A flag set from a signal handler or another thread and polled by long-running work.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { flag.load(ordering: .relaxed) }
    public func set() { flag.store(true, ordering: .relaxed) }
    public func clear() { flag.store(false, ordering: .relaxed) }
}

/// Where and how a session runs.
public struct SessionEnvironment: Sendable {
    /// Relative paths in commands resolve against this folder.
    public var workingDirectory: String
    /// `$WORKBENCH_HOME`: history, run registry, tutorial progress.
    public var home: String
    /// Width tables are fitted to; transcripts use a fixed width so replay is byte-stable.
    public var width: Int
    /// Unicode and colour in charts; off for transcripts, pipes, NO_COLOR and TERM=dumb.
    public var richText: Bool
    /// The learner whose lesson progress is kept (`$WORKBENCH_LEARNER`, `tutorial start NAME as LEARNER`);
    /// nil: the unnamed learner of this home.
    public var learner: String?
    /// `$WORKBENCH_PROGRESS`: a folder named learners' progress files go to (shared by a class);
    /// nil: `$WORKBENCH_HOME/tutorials/learners`.
    public var progressFolder: String?
    /// `$WORKBENCH_REGISTRY`: where runs are recorded, a PostgreSQL URL (a team's shared registry)
    /// or a SQLite file; nil: `$WORKBENCH_HOME/runs.sqlite`. Replays and reports leave it nil, so
    /// they never write to a shared registry.
    public var registry: String?

    public init(
        workingDirectory: String, home: String, width: Int = 100, richText: Bool = false, learner: String? = nil,
        progressFolder: String? = nil, registry: String? = nil
    ) {
        self.registry = registry
        self.workingDirectory = workingDirectory
        self.home = home
        self.width = width
        self.richText = richText
        self.learner = learner
        self.progressFolder = progressFolder
    }

    /// How charts are drawn on this session's terminal.
    public var terminalStyle: TerminalStyle { richText ? .unicode : .ascii }

    /// Whether a terminal on `descriptor` gets Unicode and colour: it must be a terminal, and
    /// neither `NO_COLOR` (any value, see no-color.org) nor `TERM=dumb` may be set.
    public static func supportsRichText(
        descriptor: Int32, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Bool {
        supportsRichText(isTerminal: isatty(descriptor) == 1, environment: environment)
    }

    /// The rule behind `supportsRichText(descriptor:)`, without asking the system.
    public static func supportsRichText(isTerminal: Bool, environment: [String: String]) -> Bool {
        guard isTerminal else { return false }
        if environment["NO_COLOR"] != nil { return false }
        if let term = environment["TERM"], term == "dumb" || term.isEmpty { return false }
        return true
    }

    /// `$WORKBENCH_HOME`, or `~/.workbench`.
    public static func defaultHome() -> String {
        if let home = ProcessInfo.processInfo.environment["WORKBENCH_HOME"], !home.isEmpty { return home }
        return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + "/.workbench"
    }

    /// `$WORKBENCH_REGISTRY`, if set.
    public static func defaultRegistry() -> String? {
        ProcessInfo.processInfo.environment["WORKBENCH_REGISTRY"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// One executed command and what it printed: a notebook cell.
public struct Cell: Sendable {
    public var number: Int
    public var command: String
    public var output: Output
    public var succeeded: Bool
    public var dataFiles: [DataFileRecord]
    /// The names the cell bound (or rebound), in order: what `export` follows a model's provenance by.
    public var boundNames: [String] = []
    /// The files it wrote, with digests of their stable content (`@wrote` in transcripts).
    public var written: [WrittenFile] = []
    /// How Ctrl-C stopped it, if it did (`@interrupted` in transcripts).
    public var interruption: Interruption? = nil
}

/// The state of one workbench session: bound names and the cells run so far.
///
/// Used from one thread (the REPL's); commands that use several cores do so inside their handler.
public final class Session {
    public let environment: SessionEnvironment
    public let cancellation: CancellationFlag
    public private(set) var cells: [Cell] = []
    public private(set) var boundNames: [String] = []
    private var values: [String: Value] = [:]
    public private(set) var failureCount = 0
    /// Validations that ended in FAIL: `--strict` turns them into a non-zero exit.
    public private(set) var validationFailures = 0
    public internal(set) var quitRequested = false
    /// Called after every cell, e.g. to append it to the transcript.
    public var cellObserver: ((Cell) -> Void)?
    /// Shows transient progress (a terminal's status line); nil when nobody watches.
    public var progressHandler: (@Sendable (String) -> Void)?
    /// The transcript this session is recorded to, for the run registry.
    public var transcriptPath: String?
    /// The guided lesson in progress (see Tutorials/); it reviews every cell after it runs.
    public internal(set) var tutorial: TutorialRun?
    /// Whose lesson progress this session keeps; `tutorial start NAME as LEARNER` changes it.
    public internal(set) var learner: String?
    let registryStorage = RegistryStorage()
    /// Servers started with `serve`, running in the background of the session.
    public let servers = SessionServers()
    /// The `rerun` cells and `replay` transcripts running now, outermost first: a command that
    /// would run one of them again (directly or through others) would never end.
    private(set) var nesting: [NestedRun] = []

    /// How deep `rerun` and `replay` may nest; each level is a few stack frames of evaluation.
    public static let maximumNesting = 16

    /// Where writes go during a replay; nil writes where commands say.
    public internal(set) var sandbox: WriteSandbox?

    /// Replays running in this session (nested ones count): while any runs, a server a cell
    /// starts on a recorded port that is taken by now listens on a free one instead.
    var replayDepth = 0
    var isReplaying: Bool { replayDepth > 0 }

    /// The cells a `replay` in this session has run so far (numbered as in its transcript), while
    /// it runs: an `export` among them finds the model's provenance in them, as it did when the
    /// transcript was recorded. Once the replay ends, what it bound counts as from outside.
    var nestedCells: [Cell] = []

    /// The cells a provenance is found in: this session's, then those of a replay under way.
    var provenanceCells: [Cell] { cells + nestedCells }

    /// During a provenance replay (`ProvenanceReplay`): the only data files `load` may read, by the
    /// path as the cell wrote it → the checked file in the data folder. nil: paths as written.
    var dataRedirect: [String: String]?
    /// While `open` restores a transcript's bindings: what its `train` cells took from the model
    /// cache and what they fitted again. Only then does `train` read the cache.
    var reopening: ReopenLog?
    /// While replay or `open` runs a `compare` or `tune` that Ctrl-C stopped when recorded: how many
    /// of its candidates run before it stops as it did then (`Interruption.candidateLimit`).
    var candidateLimit: Int?

    /// Fitted models kept under `$WORKBENCH_HOME/models` (see `ModelCache`).
    public var modelCache: ModelCache { ModelCache(home: environment.home) }

    public init(
        environment: SessionEnvironment, cancellation: CancellationFlag = CancellationFlag(),
        sandbox: WriteSandbox? = nil
    ) {
        self.environment = environment
        self.cancellation = cancellation
        self.sandbox = sandbox
        learner = environment.learner
    }

    /// The progress file of this session's learner.
    var progressStore: ProgressStore {
        ProgressStore(
            home: environment.home, learner: learner, folder: learner == nil ? nil : environment.progressFolder)
    }

    public var nextCellNumber: Int { cells.count + 1 }

    /// A cell's output as this session's terminal shows it (ASCII unless `richText`).
    public func display(_ output: Output) -> String {
        output.terminalText(style: environment.terminalStyle, width: environment.width)
    }

    /// Runs one line as a new cell; blank and comment-only lines make no cell.
    @discardableResult
    public func execute(_ line: String) -> Cell? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
        cancellation.clear()
        let evaluation = evaluate(trimmed)
        var output = evaluation.output
        // The lesson's feedback is part of the cell, so transcripts record it and replay checks it.
        if let feedback = tutorial?.review(
            command: trimmed, succeeded: evaluation.succeeded, effects: evaluation.effects, in: self)
        {
            output.append(feedback)
        }
        // What is kept (transcript, report, history) never holds a database password.
        let cell = Cell(
            number: nextCellNumber, command: PostgresLocation.mask(trimmed), output: output,
            succeeded: evaluation.succeeded, dataFiles: evaluation.dataFiles,
            boundNames: evaluation.boundNames, written: evaluation.written, interruption: evaluation.interruption)
        cells.append(cell)
        if !cell.succeeded { failureCount += 1 }
        cellObserver?(cell)
        return cell
    }

    /// The result of evaluating one line.
    public struct Evaluation {
        public var output: Output
        public var succeeded: Bool
        public var dataFiles: [DataFileRecord]
        /// The names bound, including those bound by the cells a `rerun` or `replay` ran.
        public var boundNames: [String] = []
        /// The files written, with digests of their stable content.
        public var written: [WrittenFile] = []
        /// How Ctrl-C stopped it: a command that failed while the flag was set bound nothing; a
        /// `compare` or `tune` says what it kept.
        public var interruption: Interruption? = nil
        /// What the command did beyond its bindings (see `CellEffect`).
        public var effects: [CellEffect] = []
    }

    /// Parses, binds and runs one line; on success commits its bindings, on failure changes nothing.
    public func evaluate(_ line: String) -> Evaluation {
        var partial = Output()
        do {
            guard let statement = try CommandTable.parse(line) else {
                return Evaluation(output: Output(), succeeded: true, dataFiles: [])
            }
            guard let spec = CommandTable.command(named: statement.verb) else {
                throw LanguageError.unknownCommand(
                    statement.verb, at: statement.verbRange,
                    suggestion: closestMatch(statement.verb, among: CommandTable.names))
            }
            let invocation = try Invocation(signature: spec.signature, statement: statement, line: line)
            var context = CommandContext(session: self, invocation: invocation)
            do {
                try spec.run(&context)
            } catch {
                partial = context.output
                throw error
            }
            for (name, value) in context.pendingBindings { bind(name, value) }
            // What it ran on is worked out only for a lesson (a quoted file is read again for it),
            // and not for `rerun`, which counts as the command it re-ran.
            let ran =
                tutorial != nil && spec.provenance != .repetition
                ? CellEffect.ran(spec: spec, invocation: invocation, in: self) : []
            return Evaluation(
                output: context.output, succeeded: true, dataFiles: context.dataFiles,
                boundNames: context.nestedBoundNames + context.pendingBindings.map(\.name),
                written: context.written, interruption: context.interruption, effects: ran + context.effects)
        } catch is RerunFailed {
            return Evaluation(
                output: partial, succeeded: false, dataFiles: [], interruption: cancellation.isSet ? .nothingBound : nil
            )
        } catch {
            partial.append(Session.render(error, line: line))
            return Evaluation(
                output: partial, succeeded: false, dataFiles: [], interruption: cancellation.isSet ? .nothingBound : nil
            )
        }
    }

    /// The user-facing text of any error a command can raise.
    public static func render(_ error: any Error, line: String) -> String {
        switch error {
        // The echoed line keeps its columns for the caret, with any database password starred.
        case let e as LanguageError: e.render(line: PostgresLocation.starPasswords(in: line))
        case let e as any UserFacingError: "error: " + e.diagnostic.rendered(.commandLanguage)
        case let e as any CustomStringConvertible: "error: " + e.description
        default: "error: " + String(describing: error)
        }
    }

    // MARK: bindings

    public func lookup(_ dottedName: String) -> Value? {
        if let v = values[dottedName] { return v }
        // `lb.best`: ask the base value for its part.
        guard let dot = dottedName.lastIndex(of: ".") else { return nil }
        return lookup(String(dottedName[..<dot]))?.part(String(dottedName[dottedName.index(after: dot)...]))
    }

    func bind(_ name: String, _ value: Value) {
        if values.updateValue(value, forKey: name) == nil { boundNames.append(name) }
    }

    /// Resolves a path as written in a command against the working folder, for reading: in a
    /// sandboxed replay, what an earlier replayed cell wrote there.
    public func resolve(path: String) -> String {
        let real = DataFileLocation.resolvePath(path, workingDirectory: environment.workingDirectory)
        return sandbox?.pathForReading(real) ?? real
    }

    /// Resolves a path a command writes to: in a sandboxed replay, its mirror in the sandbox.
    public func resolveForWriting(path: String) -> String {
        let real = DataFileLocation.resolvePath(path, workingDirectory: environment.workingDirectory)
        return sandbox?.pathForWriting(real) ?? real
    }

    /// Runs `body` with every write going to `sandbox` (a replay inside the REPL), unless one is
    /// already in place.
    func sandboxed<T>(_ sandbox: WriteSandbox, _ body: () throws -> T) rethrows -> T {
        guard self.sandbox == nil else { return try body() }
        self.sandbox = sandbox
        defer { self.sandbox = nil }
        return try body()
    }

    /// Takes a recorded cell into this session's history as it was recorded (`workbench open`):
    /// numbered next, shown by `history`, written by `save` and passed to `cellObserver`, so the
    /// session's own transcript continues the one it reopened.
    func adopt(_ entry: Transcript.Entry, succeeded: Bool) {
        var output = Output()
        for line in entry.output { output.append(Output.bracesAsMarkers(line)) }
        let cell = Cell(
            number: nextCellNumber, command: entry.command, output: output, succeeded: succeeded,
            dataFiles: entry.dataFiles,
            written: entry.written, interruption: entry.interruption)
        cells.append(cell)
        if !succeeded { failureCount += 1 }
        cellObserver?(cell)
    }

    func requestQuit() { quitRequested = true }

    func recordValidationFailure() { validationFailures += 1 }

    /// Runs `body` as the nested run `run`, refusing a cycle or nesting deeper than `maximumNesting`.
    func nested<T>(_ run: NestedRun, _ body: () throws -> T) throws -> T {
        if nesting.contains(run) {
            let chain = (nesting + [run]).map(\.description).joined(separator: " → ")
            throw CommandError(
                "\(run.description) is already running: \(chain) would never end",
                hint: run.isCell
                    ? "rerun a cell that does not rerun itself; 'history' lists the cells"
                    : "a transcript cannot replay itself, directly or through another")
        }
        guard nesting.count < Session.maximumNesting else {
            throw CommandError(
                "rerun and replay are nested \(nesting.count) deep, the most allowed",
                hint: "run the innermost command directly")
        }
        nesting.append(run)
        defer { nesting.removeLast() }
        return try body()
    }
}

/// A `rerun` of a cell or a `replay` of a transcript in progress.
enum NestedRun: Equatable, CustomStringConvertible {
    case cell(Int)
    /// The transcript's canonical path, so two spellings of one file are one run.
    case transcript(String)

    /// The canonical form of a transcript path: symbolic links and `..` resolved when it exists.
    static func transcript(path: String) -> NestedRun {
        guard let resolved = realpath(path, nil) else { return .transcript((path as NSString).standardizingPath) }
        defer { free(resolved) }
        return .transcript(String(cString: resolved))
    }

    var isCell: Bool { if case .cell = self { true } else { false } }

    var description: String {
        switch self {
        case .cell(let n): "rerun of cell \(n)"
        case .transcript(let path): "replay of \((path as NSString).lastPathComponent)"
        }
    }
}
