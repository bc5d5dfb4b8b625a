import ArgumentParser
import Bundles
import CWorkbenchSystem
import Foundation
import LineEditing
import PostgresAccess
import Tabular
import Workbench
import Diagnostics

/// An interactive machine-learning workbench for the terminal.
@main
struct WorkbenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbench",
        abstract: "An interactive machine-learning workbench for the terminal.",
        version: workbenchVersion,
        subcommands: [
            Repl.self, Open.self, Run.self, Replay.self, ReportCommand.self, Predict.self, Verify.self, Serve.self,
            Monitor.self, Promote.self, Keygen.self, TutorialShell.self, Reference.self,
        ],
        defaultSubcommand: Repl.self)

    static func main() {
        #if WORKBENCH_AVX2_KERNELS
        // This build's learning kernels use AVX2 and FMA; without them the first fit would die of an
        // illegal instruction, so say so now and how to build for this CPU.
        if wb_cpu_has_avx2_fma() == 0 {
            reportError(
                Diagnostic(
                    "this build of workbench needs a CPU with AVX2 and FMA (x86-64-v3), and this one has neither or only one.",
                    remedy: "rebuild for any x86-64 CPU: WORKBENCH_PORTABLE=1 swift build -c release"))
            Foundation.exit(2)
        }
        #endif
        // A session reuses the memory its tables free (see wb_keep_freed_memory); the server
        // instead gives memory back after large requests (ServingChannel), so it keeps glibc's defaults.
        if CommandLine.arguments.dropFirst().first != Serve.configuration.commandName { wb_keep_freed_memory() }
        main(nil)
    }
}

/// Start the interactive session (the default).
struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Start an interactive session; every cell is recorded to a transcript.")

    @Option(name: .long, help: "Folder for session transcripts.")
    var sessions: String = "sessions/recorded"

    @Flag(name: .long, help: "Do not record this session.")
    var noRecord = false

    @Option(name: .long, help: "A data file to load as the first cell.")
    var load: String?

    @Option(name: .long, help: "A lesson to start as the first cell (see 'workbench tutorial').")
    var tutorial: String?

    @Option(name: .long, help: "Whose lesson progress to keep (default: $WORKBENCH_LEARNER, or the unnamed learner).")
    var learner: String?

    func run() throws {
        var firstCells: [String] = []
        if let load { firstCells.append("load " + quoted(load)) }
        if let tutorial { firstCells.append("tutorial start " + quoted(tutorial)) }
        try startSession(
            sessions: sessions, noRecord: noRecord, learner: learner,
            workingDirectory: FileManager.default.currentDirectoryPath,
            showTry: load == nil && tutorial == nil,
            prelude: { session in
                for line in firstCells {
                    print("[\(session.nextCellNumber)]> \(line)")
                    if let cell = session.execute(line) { print(session.display(cell.output)) }
                }
                return true
            })
    }
}

/// Reopen a recorded session and continue it.
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Reopen a recorded session: restore its names (models from the model cache) and continue it in the REPL.",
        discussion:
            "The transcript's cells become this session's cells 1 to N, as recorded, so the next cell is N+1 and the new recording (and save) continues the transcript. Relative paths resolve against the transcript's working folder, as when it was recorded."
    )

    @Argument(help: "The transcript (.wbt).")
    var file: String

    @Option(name: .long, help: "Folder for session transcripts.")
    var sessions: String = "sessions/recorded"

    @Flag(name: .long, help: "Do not record this session.")
    var noRecord = false

    @Option(name: .long, help: "Whose lesson progress to keep (default: $WORKBENCH_LEARNER, or the unnamed learner).")
    var learner: String?

    func run() throws {
        let transcript: Transcript
        do {
            transcript = try Transcript.read(path: file)
        } catch {
            reportError(error)
            throw ExitCode(2)
        }
        if let changed = transcript.integrityProblem {
            reportError(
                Diagnostic(
                    "\(file) was changed after it was recorded: \(changed)",
                    remedy:
                        "if it was edited on purpose, `workbench replay \(setting: "update") \(file)` records the new outputs and digests"
                ))
            throw ExitCode(2)
        }
        let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        let workdir = Replayer(transcript: transcript, transcriptPath: absolute).workingDirectory
        var refused: (any Error)?
        try startSession(
            sessions: sessions, noRecord: noRecord, learner: learner, workingDirectory: workdir, showTry: false,
            prelude: { session in
                do {
                    let report = try Reopener(transcript: transcript, shownPath: file, path: absolute).run(
                        into: session, adopt: true)
                    print(session.display(Output(report.lines.joined(separator: "\n"))))
                    if workdir != FileManager.default.currentDirectoryPath {
                        print("paths resolve against \(workdir), the transcript's working folder")
                    }
                } catch {
                    refused = error
                    return false
                }
                return true
            })
        if let refused {
            reportError(refused)
            throw ExitCode(2)
        }
    }
}

/// The interactive session of `repl` and `open`: records to a transcript under `sessions` unless
/// `noRecord`, runs `prelude` (first cells, a reopening; false ends the session), then reads cells until the end.
private func startSession(
    sessions: String, noRecord: Bool, learner: String?, workingDirectory cwd: String, showTry: Bool,
    prelude: (Session) -> Bool
) throws {
    let interactive = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
    let here = FileManager.default.currentDirectoryPath
    let home = SessionEnvironment.defaultHome()
    let width = interactive ? terminalWidth() : 100
    let sessionsFolder = sessions.hasPrefix("/") ? sessions : here + "/" + sessions
    TemporaryFiles.sweepAtStart(home: home, sessions: noRecord ? nil : sessionsFolder, workingDirectory: cwd)
    let rich = SessionEnvironment.supportsRichText(descriptor: STDOUT_FILENO)
    let learnerName: String?
    do {
        learnerName = try
            (learner ?? ProcessInfo.processInfo.environment["WORKBENCH_LEARNER"].flatMap { $0.isEmpty ? nil : $0 }).map(
                LearnerName.validate)
    } catch {
        throw ValidationError(shellText(error))
    }
    let environment = SessionEnvironment(
        workingDirectory: cwd, home: home, width: width, richText: rich,
        learner: learnerName, progressFolder: ProgressStore.sharedFolder(),
        registry: SessionEnvironment.defaultRegistry())
    let session = Session(environment: environment, cancellation: interruptFlag)
    var recorderNote = ""
    if !noRecord {
        do {
            let folder = sessionsFolder
            let path = folder + "/" + transcriptFileName()
            let recorder = try TranscriptRecorder(
                path: path, workdir: relativePath(from: folder, to: cwd), width: width)
            session.cellObserver = { recorder.record($0) }
            session.transcriptPath = sessions + "/" + (path as NSString).lastPathComponent
            recorderNote = "recording to \(sessions)/\((path as NSString).lastPathComponent)"
        } catch {
            FileHandle.standardError.write(Data("warning: not recording this session: \(error)\n".utf8))
        }
    }
    installInterruptHandler()
    if interactive {
        // Progress goes to stderr on one line that the next output overwrites.
        session.progressHandler = { text in
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        }
    }
    // The history file keeps no database password (it is there for the session to reuse).
    let editor =
        interactive
        ? EditLineReader(
            history: CommandHistory(path: home + "/history", clean: PostgresLocation.mask),
            wasInterrupted: { interruptFlag.isSet }, completer: session.lineCompletion(line:cursor:))
        : nil
    let reader: any LineReader = editor ?? PlainLineReader()
    if interactive {
        print("Workbench \(workbenchVersion) — type 'help' for commands, Tab to complete, Ctrl-D to quit.")
        if !recorderNote.isEmpty { print(recorderNote) }
        if showTry {
            print("Try: load \"examples/penguins.csv\" (built into workbench), or 'tutorial' for guided lessons.")
        }
    }
    var repl = REPL(session: session, reader: reader)
    guard prelude(session) else { return }
    let failures = repl.run()
    session.servers.stopAll()
    if interactive { print("") }
    if !interactive && failures > 0 { throw ExitCode(1) }
}

/// A string as the command language quotes it.
func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

/// Execute a script of commands, one per line.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a script of workbench commands (one per line; # starts a comment).")

    @Argument(help: "The script file.")
    var file: String

    @Option(name: .long, help: "Also record the run as a transcript at this path.")
    var record: String?

    @Flag(name: .long, help: "Exit non-zero when a validate verdict is FAIL (for CI gates).")
    var strict = false

    func run() throws {
        let text: String
        do {
            // A script is typed by hand; the transcript limit is generous for it.
            let data = try BoundedFile.read(file, limit: Transcript.maximumBytes)
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ValidationError("script \(file) is not UTF-8 text")
            }
            text = decoded
        } catch BoundedFile.Failure.tooLarge(let bytes) {
            throw ValidationError(
                "script \(file) is \(bytes) bytes, over the \(Transcript.maximumBytes >> 20) MiB limit for scripts; is it really a workbench script?"
            )
        } catch BoundedFile.Failure.notRegular(let kind) {
            throw ValidationError("script \(file) is \(kind), not a file; save the script to a file and run that")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("cannot read script \(file)")
        }
        let cwd = FileManager.default.currentDirectoryPath
        TemporaryFiles.sweepAtStart(home: SessionEnvironment.defaultHome(), sessions: nil, workingDirectory: cwd)
        let rich = SessionEnvironment.supportsRichText(descriptor: STDOUT_FILENO)
        let session = Session(
            environment: SessionEnvironment(
                workingDirectory: cwd, home: SessionEnvironment.defaultHome(), richText: rich,
                registry: SessionEnvironment.defaultRegistry()), cancellation: interruptFlag)
        if let record {
            let absolute = record.hasPrefix("/") ? record : cwd + "/" + record
            let recorder = try TranscriptRecorder(
                path: absolute, workdir: relativePath(from: (absolute as NSString).deletingLastPathComponent, to: cwd),
                width: 100)
            session.cellObserver = { recorder.record($0) }
        }
        installInterruptHandler()
        var repl = REPL(session: session, reader: TextLineReader(text))
        _ = repl.run()
        session.servers.stopAll()
        if session.failureCount > 0 { throw ExitCode(1) }
        if strict && session.validationFailures > 0 {
            FileHandle.standardError.write(
                Data(
                    "strict: \(session.validationFailures) validation\(session.validationFailures == 1 ? "" : "s") failed\n"
                        .utf8))
            throw ExitCode(3)
        }
    }
}

/// Re-run a recorded transcript and check every output, or a bundle's provenance and check the model.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run a recorded transcript in a fresh session and compare every cell's output.",
        discussion: """
            With a bundle and --data DIR: re-run the cells that made its model (provenance.wbt) on the data \
            files in DIR, found by name and checked by fingerprint, and check the retrained model is \
            byte-identical to the bundle's model.json. Exit status 0 when it is, 1 when it is not (or a \
            data file is missing or changed, or a cell fails), 2 when the bundle cannot be replayed.
            """)

    @Argument(help: "The transcript file, or a bundle (folder or .zip) with --data.")
    var file: String

    @Option(name: .long, help: "With a bundle: the folder holding the data files its provenance names.")
    var data: String?

    @Option(name: .long, help: "With a bundle: require a valid signature by this Ed25519 public key.")
    var trust: String?

    @Flag(name: .long, help: "Rewrite the transcript with the outputs of this run instead of comparing.")
    var update = false

    @Flag(name: .long, help: "Exit non-zero when a validate verdict is FAIL (for CI gates).")
    var strict = false

    @Flag(
        name: .long,
        help: "Write what the cells write (exports, reports, saves) to their real paths instead of a private sandbox.")
    var inPlace = false

    func validate() throws {
        if data != nil {
            if update || inPlace {
                throw ValidationError(
                    "--update and --in-place apply to transcripts, not to a bundle replayed with --data")
            }
            if !ProvenanceReplay.looksLikeBundle(file) {
                throw ValidationError(
                    "--data applies to a bundle (a folder or .zip made by export), and \(file) is neither")
            }
        } else {
            if ProvenanceReplay.looksLikeBundle(file) {
                throw ValidationError(
                    "\(file) is a bundle: give --data DIR, the folder holding the data files it was trained on")
            }
            if trust != nil { throw ValidationError("--trust applies to a bundle replayed with --data") }
        }
    }

    func run() throws {
        if let data { return try replayBundle(data: data) }
        let transcript: Transcript
        do {
            transcript = try Transcript.read(path: file)
        } catch {
            reportError(error)
            throw ExitCode(2)
        }
        let replayer = Replayer(transcript: transcript, transcriptPath: file)
        let report = replayer.run(update: update, inPlace: inPlace)
        for note in report.changedData { print("warning: \(note)") }
        for note in report.notReproduced { print(note) }
        if let updated = report.updated {
            try writeFileAtomically(updated.text, to: file)
            print(report.summary + "; rewrote \(file)")
            return
        }
        if let changed = report.changedCells {
            print("the transcript was changed after it was recorded: \(changed)")
            print(
                "if you edited it on purpose, `workbench replay --update \(file)` runs it and records the new outputs and digests"
            )
            throw ExitCode(1)
        }
        if let diff = report.firstDifference {
            print("mismatch in " + diff)
            print(report.summary)
            throw ExitCode(1)
        }
        print(report.summary)
        if strict && report.validationFailures > 0 {
            print("strict: \(report.validationFailures) validation\(report.validationFailures == 1 ? "" : "s") failed")
            throw ExitCode(3)
        }
    }
}

extension Replay {
    /// `workbench replay BUNDLE --data DIR`.
    func replayBundle(data: String) throws {
        let replay: ProvenanceReplay
        do {
            replay = ProvenanceReplay(bundle: try BundleReader.open(file, trustedKey: trust), shownAs: file)
        } catch {
            reportError(error)
            throw ExitCode(2)
        }
        do {
            let report = try replay.run(dataFolder: data) { number, command in print("[\(number)]> \(command)") }
            let files = report.data.map(\.name).joined(separator: ", ")
            if let difference = report.firstDifference {
                print("mismatch: the retrained \(report.model) is not the bundle's model")
                print(difference)
                throw ExitCode(1)
            }
            print(
                "byte-identical: ran \(report.cellsRun) cell\(report.cellsRun == 1 ? "" : "s") on \(files.isEmpty ? "no data file" : files) (fingerprints match); the retrained \(report.model) is model.json exactly (\(report.bytes) bytes, model id \(replay.bundle.manifest.modelID))"
            )
        } catch let error as ProvenanceError {
            reportError(error)
            throw ExitCode(error.isUsage ? ExitCode.validationFailure.rawValue : error.isMismatch ? 1 : 2)
        }
    }
}

/// Write the report of a recorded session.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Replay a recorded transcript in a fresh session and write its report (.html, .md or .ipynb).",
        discussion:
            "Charts are regained by replaying: transcripts keep only text. The replay uses a temporary home, so your run registry is untouched; cells whose output differs from the recording are named in the report."
    )

    @Argument(help: "The transcript (.wbt).")
    var file: String

    @Option(name: .shortAndLong, help: "The report to write: PATH.html, PATH.md or PATH.ipynb.")
    var output: String

    @Flag(name: .long, help: "Replace an existing report (and its chart files).")
    var overwrite = false

    func run() throws {
        do {
            _ = try ReportWriter.format(of: output)
            let absolute = output.hasPrefix("/") ? output : FileManager.default.currentDirectoryPath + "/" + output
            let target = FileTarget(path: absolute, shown: output, overwrite: overwrite)
            // The transcript's own errors come first; the target is checked again before writing.
            _ = try Transcript.read(path: file)
            _ = try target.destination()
            let report = try SessionReport.replaying(transcriptAt: file)
            let files = try ReportWriter.write(report, to: target)
            for note in report.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            let charts = report.cells.reduce(0) { $0 + $1.output.charts.count }
            print(
                "wrote \(output): \(report.cells.count) cells, \(charts) charts, \(report.cards.count) model cards"
                    + (files.count > 1 ? ", \(files.count - 1) SVG files" : ""))
        } catch {
            reportError(error)
            throw ExitCode(2)
        }
    }
}

/// Score rows with a bundle from the shell.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict with a bundle: stream rows from a file, a pipe or SQLite to a file, a pipe or SQLite.",
        discussion:
            "Warnings and rows that cannot be scored go to stderr with their row numbers; such rows are skipped, never the whole run. Exit status 1 if any row failed."
    )

    @Argument(help: "The bundle folder or .zip.")
    var bundle: String

    @Option(
        name: .long,
        help:
            "FILE, - for stdin, sqlite:DB?query=SELECT ..., or postgresql://USER@HOST/DB?query=SELECT... or ?table=NAME"
    )
    var input: String = "-"

    @Option(
        name: .long,
        help:
            "FILE, - for stdout, sqlite:DB?table=NAME, or postgresql://USER@HOST/DB?table=NAME (a new table, written in one transaction)"
    )
    var output: String = "-"

    @Option(
        name: .long,
        help: "csv or jsonl: the output format, and stdin's (files go by extension: .jsonl/.ndjson is JSON lines).")
    var format: String = "csv"

    @Option(name: .long, help: "Refuse the bundle unless it is signed by this Ed25519 public key.")
    var trust: String?

    @Flag(name: .long, help: "Replace an existing --output file.")
    var overwrite = false

    func run() throws {
        guard let format = BatchPrediction.Format(rawValue: format) else {
            throw ValidationError("--format must be csv or jsonl")
        }
        do {
            let loaded = try BundleReader.open(bundle, trustedKey: trust)
            let job = BatchPrediction(bundle: loaded) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            let report = try job.run(
                input: try .parse(inputPath(), format: format), output: try .parse(output, overwrite: overwrite),
                format: format)
            FileHandle.standardError.write(
                Data(
                    "scored \(report.rowsScored) of \(report.rowsRead) rows; \(report.rowsFailed) failed; \(report.warnings) warnings\n"
                        .utf8))
            if report.rowsFailed > 0 { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            reportError(error)
            throw ExitCode(2)
        }
    }
}

extension Predict {
    /// `--input` as given, or the built-in copy of an example that is not in this folder.
    func inputPath() -> String {
        guard input != "-", !input.hasPrefix("sqlite:"), !PostgresLocation.isPostgresURL(input) else { return input }
        let location = DataFileLocation.resolve(
            input, workingDirectory: FileManager.default.currentDirectoryPath,
            home: SessionEnvironment.defaultHome())
        if let note = location.note { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        return location.path
    }
}

/// Check a bundle from the shell.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a bundle: format, checksums, signature (with --trust) and verification rows.")

    @Argument(help: "The bundle folder or .zip.")
    var bundle: String

    @Option(name: .long, help: "Require a valid signature by this Ed25519 public key.")
    var trust: String?

    func run() throws {
        do {
            let loaded = try BundleReader.open(bundle, trustedKey: trust)
            let m = loaded.manifest
            print(
                "ok: \(bundle) — \(m.algorithm) → \(m.target) (\(m.task)), model id \(m.modelID), \(m.files.count) files verified"
                    + (trust != nil
                        ? ", signature valid" : (loaded.signed ? ", signed (not checked: no --trust)" : ", unsigned")))
            print(ProvenanceSummary.line(m))
        } catch {
            reportError(error)
            throw ExitCode(1)
        }
    }
}

/// Make an Ed25519 key pair for signing bundles.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make an Ed25519 key pair for signing bundles: NAME.pem (private, mode 0600) and NAME.pub.pem.")

    @Option(name: .long, help: "Path prefix of the key files.")
    var out: String = "workbench-signing"

    @Flag(
        name: .long,
        help:
            "Replace an existing key pair (bundles signed with the old key will no longer verify with the new public key)."
    )
    var overwrite = false

    func run() throws {
        do {
            try KeyPairFiles.generate(prefix: out, overwrite: overwrite)
            print("wrote \(out).pem (private, keep it secret) and \(out).pub.pem (public, give it to whoever verifies)")
        } catch {
            reportError(error)
            throw ExitCode(1)
        }
    }
}

/// Print the command reference (Markdown) from the command table.
struct Reference: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the command reference in Markdown (the README's reference is generated with it).",
        shouldDisplay: false)

    func run() {
        print(HelpText.markdownReference())
    }
}

private func terminalWidth() -> Int {
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 20 { return Int(size.ws_col) }
    return 100
}

private func transcriptFileName() -> String {
    var t = time(nil)
    var parts = tm()
    gmtime_r(&t, &parts)
    let stamp = String(
        format: "%04d%02d%02d-%02d%02d%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
        parts.tm_min, parts.tm_sec)
    return "session-\(stamp)-\(getpid()).wbt"
}
