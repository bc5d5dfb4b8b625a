import CommandLanguage
import Foundation
import Tabular

extension CommandTable {
    /// `ls`: what names are bound.
    static let ls = CommandSpec(
        "ls", topic: "session",
        summary: "list the datasets, models and results bound in this session",
        examples: ["ls"],
        reopen: .shows,
        run: { context in
            let names = context.session.boundNames
            guard !names.isEmpty else {
                context.print("nothing bound yet; try: load \"examples/penguins.csv\"")
                return
            }
            var table = TextTable(headers: ["name", "kind", "summary"])
            for name in names {
                if let value = context.session.lookup(name) { table.add([name, value.kindName, value.summary]) }
            }
            context.print(table)
        })

    /// `history`: the cells run so far.
    static let history = CommandSpec(
        "history", topic: "session",
        summary: "list the cells run so far, with their numbers for rerun",
        examples: ["history"],
        reopen: .shows,
        run: { context in
            let cells = context.session.cells
            guard !cells.isEmpty else {
                context.print("no cells yet")
                return
            }
            for cell in cells {
                context.print("[\(cell.number)] \(cell.succeeded ? " " : "!") \(cell.command)")
            }
        })

    /// `rerun N`: runs cell N's command again as a new cell.
    static let rerun = CommandSpec(
        "rerun", topic: "session",
        summary: "run the command of cell N again",
        discussion: "The command runs against the session as it is now, so it sees names bound since.",
        positionals: [PositionalSpec(.n, .integer(1...Int.max))],
        provenance: .repetition, examples: ["rerun 3"],
        run: { context in
            let expression = context.invocation.positionals[.n]
            guard case .number(let value, _, let range)? = expression, let n = Int(exactly: value) else {
                throw LanguageError.semantic(
                    "rerun takes a cell number", at: context.invocation.range(of: .n),
                    hint: "'history' lists the cells")
            }
            let cells = context.session.cells
            guard let cell = cells.first(where: { $0.number == n }) else {
                throw LanguageError.semantic(
                    "there is no cell \(n)", at: range,
                    hint: cells.isEmpty ? "no cells yet" : "cells are numbered 1 to \(cells.count)")
            }
            let session = context.session
            let result = try session.nested(.cell(n)) {
                context.print("rerun [\(n)]> \(cell.command)")
                return session.evaluate(cell.command)
            }
            context.output.append(result.output)
            for file in result.dataFiles { context.recordDataFile(path: file.path, fingerprint: file.fingerprint) }
            for file in result.written { context.recordWritten(file) }
            context.interruption = result.interruption
            context.nestedBoundNames += result.boundNames
            context.effects += result.effects
            if !result.succeeded { throw RerunFailed() }
        })

    /// `save PATH`: writes the session so far as a transcript.
    static let save = CommandSpec(
        "save", topic: "session",
        summary: "write this session so far as a transcript that replay can re-run",
        discussion:
            "Written atomically: a temporary file, then a rename. An existing file is replaced only with overwrite=yes. Relative paths in the session's commands stay valid because the transcript records the working folder relative to itself.",
        positionals: [PositionalSpec(.path, .path)],
        options: [CommonOption.overwrite.spec],
        examples: ["save \"sessions/my-analysis.wbt\""],
        reopen: .actsOutside,
        run: { context in
            let target = try context.fileTarget()
            let written = target.shown
            // The transcript's workdir is relative to the folder the file ends up in.
            let folder = (try target.destination().path as NSString).deletingLastPathComponent
            let workdir = relativePath(from: folder, to: context.environment.workingDirectory)
            var transcript = Transcript(workdir: workdir, width: context.environment.width)
            for cell in context.session.cells {
                transcript.entries.append(
                    Transcript.Entry(
                        number: cell.number, command: cell.command, output: cell.output.transcriptLines,
                        dataFiles: cell.dataFiles, line: 0,
                        written: cell.written, interruption: cell.interruption))
            }
            // 0600 like recorded transcripts: it holds the data the session printed.
            let text = transcript.text
            try target.write(Data(text.utf8), permissions: 0o600)
            // Its workdir depends on where the file is (in a replay: the sandbox), so it is left out.
            context.recordWritten(
                WrittenFile(
                    path: written,
                    stableText: textLines(text).filter { !$0.hasPrefix("# workdir:") }.joined(separator: "\n")))
            context.print(
                "saved \(transcript.entries.count) cell\(transcript.entries.count == 1 ? "" : "s") to \(written)")
        })

    /// `replay PATH`: runs another transcript's commands in this session and checks their output.
    static let replay = CommandSpec(
        "replay", topic: "session",
        summary: "run another transcript's commands in this session and compare the outputs",
        discussion: """
            Each command runs as part of this cell against the current session, so names it binds stay \
            bound. Paths resolve as they did when that transcript was recorded. What its commands write \
            (exports, reports, saves, logs) goes to a private sandbox that is removed afterwards, so a \
            replay never touches your files; in_place=yes writes to the real paths.
            """,
        positionals: [PositionalSpec(.path, .path)],
        options: [
            ReplayOption.inPlace.spec
        ],
        provenance: .external,
        examples: ["replay \"sessions/penguins-basics.wbt\"", "replay \"sessions/export.wbt\" in_place=yes"],
        run: { context in
            let (written, resolved) = try context.path(.path)
            let transcript = try Transcript.read(path: resolved)
            if let changed = transcript.integrityProblem {
                throw CommandError(
                    "\(written) was changed after it was recorded: \(changed)",
                    hint:
                        "if it was edited on purpose, `workbench replay --update \(written)` records the new outputs and digests"
                )
            }
            let replayer = Replayer(transcript: transcript, transcriptPath: resolved, home: context.environment.home)
            for note in replayer.changedDataFiles() { context.print("warning: " + note) }
            var matched = 0, notReproduced = 0
            let session = context.session
            let sandbox =
                context.invocation[ReplayOption.inPlace] || session.sandbox != nil
                ? nil : try WriteSandbox.temporary()
            defer { sandbox?.remove() }
            var output = context.output
            var bound: [String] = []
            let nestedBefore = session.nestedCells.count
            defer { session.nestedCells.removeSubrange(nestedBefore...) }
            try session.nested(.transcript(path: resolved)) {
                let replayCells = {
                    for entry in transcript.entries {
                        output.append("[\(entry.number)]> \(entry.command)")
                        if entry.interruption == .nothingBound {
                            notReproduced += 1
                            output.append(
                                Interruption.notReproduced(cell: entry.number, command: entry.command, by: "replay"))
                            continue
                        }
                        session.candidateLimit = entry.interruption?.candidateLimit
                        let result = session.evaluate(entry.command)
                        session.candidateLimit = nil
                        bound += result.boundNames
                        let cell = Cell(
                            number: entry.number, command: entry.command, output: result.output,
                            succeeded: result.succeeded,
                            dataFiles: result.dataFiles, boundNames: result.boundNames, written: result.written,
                            interruption: result.interruption)
                        session.nestedCells.append(cell)
                        output.append(result.output)
                        let effects = Replayer.effectDifferences(entry, cell)
                        let same =
                            result.output.transcriptLines.map(Transcript.normalized)
                            == entry.output.map(Transcript.normalized)
                        if same && effects.isEmpty {
                            matched += 1
                        } else {
                            output.append(
                                "(differs from the recording" + (same ? ": " + effects.joined(separator: "; ") : "")
                                    + ")")
                        }
                    }
                }
                if let sandbox { session.sandboxed(sandbox, replayCells) } else { replayCells() }
            }
            context.output = output
            context.nestedBoundNames += bound
            let run = transcript.entries.count - notReproduced
            context.print(
                "replayed \(run) cell\(run == 1 ? "" : "s"), \(matched) matched"
                    + (notReproduced == 0
                        ? "" : "; \(notReproduced) interrupted cell\(notReproduced == 1 ? "" : "s") not reproduced"))
        })

    /// `quit`: ends the session.
    static let quit = CommandSpec(
        "quit", topic: "session",
        summary: "end the session (Ctrl-D does the same)",
        examples: ["quit"],
        reopen: .actsOutside,
        run: { context in context.session.requestQuit() })
}

/// The re-run command failed; its own error text is already in the output.
struct RerunFailed: Error, CustomStringConvertible {
    var description: String { "the rerun command failed" }
}

private enum ReplayOption {
    static let inPlace: Option<Bool> = .flag(
        "in_place", default: false, help: "write what the commands write to their real paths")
}
