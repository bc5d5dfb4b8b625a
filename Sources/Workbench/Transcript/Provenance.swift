public import Bundles
import CommandLanguage
import Foundation
import Learning
import Tabular
public import Diagnostics
#if canImport(CDispatch)
// POSIX structs' members (stat, timespec) belong, for MemberImportVisibility, to whichever of
// Linux Foundation's C modules included their header first, which varies from build to build.
import CoreFoundation
import CDispatch
#endif

/// The cells of a session that made one model, and nothing else: the load of each data file it
/// was made from (with its fingerprint), the splits and derivations between, the compare or tune
/// whose candidate it trained, and the training command with its seed.
///
/// Found by walking back from the cell that bound the model through the bindings each cell read
/// — the arguments its command declares as bindings in the command table (kinds dataset, binding,
/// algorithm) — to the cell that last bound each, as `Session.lookup` would have found it.
/// Annotations (`note`, `evaluate`, `validate`) are passed over: they change a model's record, not
/// its bytes. A `rerun` is followed to the command it re-ran.
public struct ProvenanceSlice: Sendable, Equatable {
    /// One cell of the slice, as it ran in the session.
    public struct Step: Sendable, Equatable {
        /// Its number in the session.
        public var sessionNumber: Int
        /// The command (a `rerun N` replaced by the command it ran).
        public var command: String
        public var output: [String]
        public var dataFiles: [DataFileRecord]
        /// A `compare` or `tune` Ctrl-C stopped keeps its marker, so the replay stops it at the same candidate.
        public var interruption: Interruption? = nil
    }

    /// The model's name in the session; the cells bind it under this name.
    public var model: String
    public var steps: [Step]

    /// Why a model has no provenance: the cell and what stops the walk.
    public struct Gap: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The kinds of argument that name a binding the command reads.
    static func readsBinding(_ kind: ArgumentKind) -> Bool {
        switch kind {
        case .dataset, .binding, .algorithm, .algorithms: true
        default: false
        }
    }

    /// The bindings `command` reads, from its arguments as the command table declares them, and its
    /// role; nil when it does not parse.
    static func reads(of command: String) -> (spec: CommandSpec, names: [String])? {
        guard let statement = try? CommandTable.parse(command), let spec = CommandTable.command(named: statement.verb),
            let invocation = try? Invocation(signature: spec.signature, statement: statement, line: command)
        else { return nil }
        var names: [String] = []
        func add(_ expression: Expression, kind: ArgumentKind) {
            let items: [Expression]
            if case .list(let elements, _) = expression { items = elements } else { items = [expression] }
            for item in items {
                guard let name = item.dottedName else { continue }
                // An algorithm's name is not a binding (`candidate` looks in the registry first).
                if kind == .algorithm || kind == .algorithms, AlgorithmRegistry.named(name) != nil || name == "all" {
                    continue
                }
                names.append(name)
            }
        }
        for positional in spec.positionals where readsBinding(positional.kind) {
            if let e = invocation.positionals[positional.placeholder] { add(e, kind: positional.kind) }
        }
        for option in spec.options where readsBinding(option.kind) {
            if let e = invocation.options[option.name]?.value { add(e, kind: option.kind) }
        }
        return (spec, names)
    }

    /// The slice of `cells` that made the model bound as `model` after the last of them. A `rerun N`
    /// is followed to cell N of `reruns` (default: `cells`; the session's own cells when `cells` ends
    /// with those of a replay under way, whose reruns name the session's cells).
    public static func of(model: String, in cells: [Cell], reruns: [Cell]? = nil) -> Result<ProvenanceSlice, Gap> {
        let rerunCells = reruns ?? cells
        // The command each cell ran, a rerun followed to the command it re-ran.
        func effective(_ index: Int) -> (command: String, output: [String], spec: CommandSpec?, reads: [String])? {
            var command = cells[index].command
            var output = cells[index].output.transcriptLines
            for _ in 0...Session.maximumNesting {
                guard let (spec, names) = reads(of: command) else { return (command, output, nil, []) }
                guard spec.provenance == .repetition else { return (command, output, spec, names) }
                guard let statement = try? CommandTable.parse(command),
                    case .positional(.number(let value, _, _))? = statement.items.first,
                    let n = Int(exactly: value), let rerun = rerunCells.first(where: { $0.number == n })
                else { return (command, output, spec, names) }
                command = rerun.command
                // The rerun's own first line ("rerun [N]> …") is not the command's output.
                if output.first?.hasPrefix("rerun [") == true { output.removeFirst() }
            }
            return nil
        }
        // The cell whose binding `name` a command in cell `index` saw, as `Session.lookup` resolves it:
        // the exact name if any earlier cell bound it, else its base (`lb` for `lb.best`).
        func creator(of name: String, before index: Int) -> Int? {
            var annotated: Int?
            for i in stride(from: index - 1, through: 0, by: -1)
            where cells[i].succeeded && cells[i].boundNames.contains(name) {
                if effective(i)?.spec?.provenance == .annotation {
                    annotated = annotated ?? i
                    continue
                }
                return i
            }
            if let annotated { return annotated }
            guard let dot = name.lastIndex(of: ".") else { return nil }
            return creator(of: String(name[..<dot]), before: index)
        }

        guard let start = creator(of: model, before: cells.count) else {
            return .failure(Gap(reason: "no cell of this session bound \(model)"))
        }
        var included = Set<Int>()
        var pending = [start]
        var steps: [Int: Step] = [:]
        while let index = pending.popLast() {
            guard included.insert(index).inserted else { continue }
            let cell = cells[index]
            guard let run = effective(index), let spec = run.spec else {
                return .failure(Gap(reason: "cell [\(cell.number)] (\(cell.command)) cannot be followed"))
            }
            switch spec.provenance {
            case .source:
                guard let written = loadPath(run.command), !written.hasPrefix("sqlite:") else {
                    return .failure(
                        Gap(
                            reason:
                                "cell [\(cell.number)] reads a SQLite source, which a replay cannot check by fingerprint; load the data from a CSV file to record it"
                        ))
                }
                guard cell.dataFiles.count == 1, cell.dataFiles[0].path == written,
                    Manifest.Provenance.isPlainFileName((written as NSString).lastPathComponent)
                else {
                    return .failure(
                        Gap(reason: "cell [\(cell.number)] (\(run.command)) recorded no fingerprint of its data file"))
                }
            case .derivation:
                break
            case .annotation, .external, .observation, .repetition:
                return .failure(
                    Gap(
                        reason:
                            "\(model) depends on cell [\(cell.number)] (\(run.command)), and a provenance follows only \(followedCommands); "
                            + (spec.provenance == .external
                                ? "the names it bound come from outside this session's data"
                                : "train the model with train to record how it was made")))
            }
            steps[index] = Step(
                sessionNumber: cell.number, command: run.command, output: run.output, dataFiles: cell.dataFiles,
                interruption: cell.interruption)
            for name in run.reads {
                guard let writer = creator(of: name, before: index) else {
                    return .failure(Gap(reason: "cell [\(cell.number)] reads \(name), which no earlier cell bound"))
                }
                pending.append(writer)
            }
        }
        return .success(ProvenanceSlice(model: model, steps: included.sorted().compactMap { steps[$0] }))
    }

    /// The commands a provenance holds, as the command table declares them.
    static var followedCommands: String {
        CommandTable.all.filter { $0.provenance == .source || $0.provenance == .derivation }.map(\.name).joined(
            separator: ", ")
    }

    /// The quoted path of a `load` command.
    static func loadPath(_ command: String) -> String? {
        guard let statement = try? CommandTable.parse(command), let spec = CommandTable.command(named: statement.verb),
            let invocation = try? Invocation(signature: spec.signature, statement: statement, line: command),
            case .string(let written, _)? = invocation.positionals[.path]
        else { return nil }
        return written
    }

    /// The data files read, by file name and fingerprint, each once, in the order first read.
    public var dataFiles: [Manifest.Provenance.DataFile] {
        var seen = Set<String>()
        var files: [Manifest.Provenance.DataFile] = []
        for step in steps {
            for file in step.dataFiles {
                let entry = Manifest.Provenance.DataFile(
                    name: (file.path as NSString).lastPathComponent, fingerprint: file.fingerprint)
                if seen.insert(entry.name + " " + entry.fingerprint).inserted { files.append(entry) }
            }
        }
        return files
    }

    /// What the bundle's manifest says about it.
    public var record: Manifest.Provenance {
        Manifest.Provenance(model: model, cells: steps.count, data: dataFiles)
    }

    /// `provenance.wbt`: a transcript of the steps, numbered from 1 with their `@chain` digests;
    /// comments name the session cells they were.
    public func transcriptText(sessionFile: String?) -> String {
        var transcript = Transcript(workdir: ".")
        for (i, step) in steps.enumerated() {
            transcript.entries.append(
                Transcript.Entry(
                    number: i + 1, command: step.command, output: step.output, dataFiles: step.dataFiles, line: 0,
                    interruption: step.interruption))
        }
        let from = sessionFile.map { "session \(($0 as NSString).lastPathComponent)" } ?? "an unrecorded session"
        let about = """
            #
            # Provenance of model \(model): the cells of \(from) that made it (its cells \
            \(steps.map { String($0.sessionNumber) }.joined(separator: ", "))), renumbered; the outputs are as they printed then.
            # `workbench replay BUNDLE --data DIR` runs them again on the data files named below, found by
            # name in DIR and checked by fingerprint, and compares the retrained model with model.json.

            """
        let text = transcript.text
        // The explanation goes after the standard header.
        let header = Transcript.header(workdir: transcript.workdir, width: transcript.width)
        guard text.hasPrefix(header) else { return text }
        return header + about + "\n" + String(text.dropFirst(header.count))
    }
}

/// Why a bundle's provenance cannot be replayed, or did not reproduce the model.
public enum ProvenanceError: Error, Sendable, Equatable, UserFacingError {
    /// The bundle records no provenance.
    case notRecorded(bundle: String)
    /// `provenance.wbt` is not a transcript this workbench runs, or disagrees with the manifest.
    case malformed(bundle: String, reason: String)
    /// A cell runs something a provenance may not (a replay, an import, a write, a SQLite read, …).
    case refusedCell(bundle: String, cell: Int, command: String, reason: String)
    /// `--data` is not a folder.
    case dataFolder(path: String, reason: String)
    /// A data file the cells read is not in the data folder (or escapes it through a link).
    case missingData(name: String, cell: Int, folder: String, reason: String)
    /// A data file in the folder has another fingerprint than the one recorded.
    case dataChanged(name: String, cell: Int, recorded: String, found: String)
    /// A cell failed when run again.
    case cellFailed(cell: Int, command: String, output: String)
    /// After the cells ran, the model's name is not bound to a model.
    case modelNotBound(model: String)

    /// Whether the failure says the model was not reproduced (data, cells, result), as opposed to a
    /// bundle that cannot be replayed at all or a wrong invocation.
    public var isMismatch: Bool {
        switch self {
        case .missingData, .dataChanged, .cellFailed, .modelNotBound: true
        case .notRecorded, .malformed, .refusedCell, .dataFolder: false
        }
    }

    /// The folder given is not usable (a usage error).
    public var isUsage: Bool { if case .dataFolder = self { true } else { false } }

    public var diagnostic: Diagnostic {
        switch self {
        case .notRecorded(let b):
            Diagnostic(
                "\(b) has no provenance recorded, so there is nothing to replay",
                remedy:
                    "bundles record it from this version on; export the model again from the session that trained it")
        case .malformed(let b, let reason):
            Diagnostic(
                "\(b)/\(BundleFile.provenance) cannot be replayed: \(reason)",
                remedy: "do not edit bundle files; export the model again")
        case .refusedCell(let b, let cell, let command, let reason):
            Diagnostic(
                "\(b)/\(BundleFile.provenance): refusing cell [\(cell)] (\(command)): \(reason)",
                remedy: "a provenance runs only \(ProvenanceSlice.followedCommands); export the model again")
        case .dataFolder(let p, let reason):
            Diagnostic(
                "--data \(p): \(reason)",
                remedy:
                    "give the folder that holds the data files the bundle names (workbench verify BUNDLE lists them)")
        case .missingData(let name, let cell, let folder, let reason):
            Diagnostic(
                "data file \(name) (read in cell [\(cell)]) \(reason) in \(folder)",
                remedy: "put the file the model was trained on in \(folder), under that name")
        case .dataChanged(let name, let cell, let recorded, let found):
            Diagnostic(
                "data file \(name) (read in cell [\(cell)]) is not the data the model was trained on: its fingerprint is \(Fingerprint.short(found, length: 16)), the provenance records \(Fingerprint.short(recorded, length: 16))",
                remedy: "a retrained model could only differ; find the original \(name)")
        case .cellFailed(let cell, let command, let output):
            "cell [\(cell)] (\(command)) failed when run again:\n\(output)"
        case .modelNotBound(let model):
            "after the provenance's cells ran, \(model) is not a model, so there is nothing to compare"
        }
    }
}

/// Runs a bundle's provenance again on the data files in a folder and compares the retrained
/// model's bytes with the bundle's `model.json`. Only `load` and derivations run (the command
/// table's roles), reads go to the data folder's files by name and nowhere else, and anything a
/// cell might write goes to a private sandbox removed afterwards.
public struct ProvenanceReplay {
    public struct Report: Sendable, Equatable {
        /// The model's name in the cells.
        public var model: String
        public var cellsRun: Int
        /// Each data file by name, with the cell that reads it first.
        public var data: [(name: String, cell: Int)]
        /// Size of the bundle's model.json.
        public var bytes: Int
        /// nil: byte-identical; else where the retrained model first differs.
        public var firstDifference: String?

        public var identical: Bool { firstDifference == nil }

        public static func == (a: Report, b: Report) -> Bool {
            a.model == b.model && a.cellsRun == b.cellsRun && a.bytes == b.bytes
                && a.firstDifference == b.firstDifference
                && a.data.map(\.name) == b.data.map(\.name) && a.data.map(\.cell) == b.data.map(\.cell)
        }
    }

    /// A checked cell, ready to run.
    struct PlannedCell {
        var number: Int
        var command: String
        var dataFiles: [DataFileRecord]
        var interruption: Interruption?
    }

    public let bundle: LoadedBundle
    /// How the bundle is named in messages (as the user gave it).
    public let shownBundle: String

    public init(bundle: LoadedBundle, shownAs shown: String) {
        self.bundle = bundle
        self.shownBundle = shown
    }

    /// The cells, checked: a transcript that is intact, agrees with the manifest, and runs only
    /// `load` of a plain data file and derivations.
    func plan() throws(ProvenanceError) -> (record: Manifest.Provenance, cells: [PlannedCell], width: Int) {
        guard let record = bundle.manifest.provenance, let data = bundle.provenance else {
            throw .notRecorded(bundle: shownBundle)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .malformed(bundle: shownBundle, reason: "not UTF-8 text")
        }
        let transcript: Transcript
        do { transcript = try Transcript.parse(text, path: BundleFile.provenance) } catch {
            throw .malformed(bundle: shownBundle, reason: String(describing: error))
        }
        guard !transcript.entries.isEmpty, transcript.entries.count == record.cells else {
            throw .malformed(
                bundle: shownBundle,
                reason: "it holds \(transcript.entries.count) cells, the manifest says \(record.cells)")
        }
        if let problem = transcript.integrityProblem { throw .malformed(bundle: shownBundle, reason: problem) }
        guard transcript.entries.allSatisfy({ $0.chain != nil }) else {
            throw .malformed(bundle: shownBundle, reason: "its cells have no @chain digests")
        }
        var cells: [PlannedCell] = []
        var names: [Manifest.Provenance.DataFile] = []
        for entry in transcript.entries {
            let refuse = { (reason: String) in
                ProvenanceError.refusedCell(
                    bundle: shownBundle, cell: entry.number, command: entry.command, reason: reason)
            }
            let statement: Statement?
            do { statement = try CommandTable.parse(entry.command) } catch {
                throw refuse("it does not parse: \(error.render(line: entry.command))")
            }
            guard let statement, let spec = CommandTable.command(named: statement.verb) else {
                throw refuse("it is not a command")
            }
            switch spec.provenance {
            case .source:
                guard let written = ProvenanceSlice.loadPath(entry.command) else {
                    throw refuse("it names no data file")
                }
                guard !written.hasPrefix("sqlite:") else {
                    throw refuse("SQLite sources are not replayed from a data folder")
                }
                let name = (written as NSString).lastPathComponent
                guard Manifest.Provenance.isPlainFileName(name) else {
                    throw refuse("'\(written)' does not end in a file name")
                }
                guard entry.dataFiles.count == 1, let file = entry.dataFiles.first, file.path == written else {
                    throw refuse("it records no fingerprint for \(written)")
                }
                names.append(Manifest.Provenance.DataFile(name: name, fingerprint: file.fingerprint))
            case .derivation:
                guard entry.dataFiles.isEmpty else { throw refuse("it records data files, which only load reads") }
            case .annotation, .external, .observation, .repetition:
                throw refuse("\(spec.name) is not a load or a derivation")
            }
            cells.append(
                PlannedCell(
                    number: entry.number, command: entry.command, dataFiles: entry.dataFiles,
                    interruption: entry.interruption))
        }
        var seen = Set<String>()
        let unique = names.filter { seen.insert($0.name + " " + $0.fingerprint).inserted }
        guard unique == record.data else {
            throw .malformed(
                bundle: shownBundle,
                reason:
                    "the data files its cells read (\(unique.map(\.name).joined(separator: ", "))) are not the ones the manifest lists (\(record.data.map(\.name).joined(separator: ", ")))"
            )
        }
        return (record, cells, transcript.width)
    }

    /// Checks `dataFolder` holds every data file with its recorded fingerprint, runs the cells and
    /// compares the model. `echo` is told of each cell as it finishes.
    public func run(dataFolder: String, echo: ((Int, String) -> Void)? = nil) throws(ProvenanceError) -> Report {
        let (record, cells, width) = try plan()
        let folder = try Self.realFolder(dataFolder)
        // Every file is checked before anything runs, so a wrong folder costs no training.
        var redirect: [String: String] = [:]
        var data: [(name: String, cell: Int)] = []
        for cell in cells {
            for file in cell.dataFiles where redirect[file.path] == nil {
                let name = (file.path as NSString).lastPathComponent
                let path = try Self.locate(name, cell: cell.number, in: folder, shownFolder: dataFolder)
                let found: String
                do { found = try Fingerprint.ofFile(atPath: path) } catch {
                    throw .missingData(
                        name: name, cell: cell.number, folder: dataFolder, reason: "cannot be read (\(error))")
                }
                guard found == file.fingerprint else {
                    throw .dataChanged(name: name, cell: cell.number, recorded: file.fingerprint, found: found)
                }
                redirect[file.path] = path
                if !data.contains(where: { $0.name == name }) { data.append((name, cell.number)) }
            }
        }

        let home = NSTemporaryDirectory() + "workbench-provenance-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        let sandbox: WriteSandbox
        do { sandbox = try WriteSandbox.temporary() } catch {
            throw .dataFolder(
                path: NSTemporaryDirectory(),
                reason: "cannot create a private sandbox there: \(error.localizedDescription)")
        }
        defer { sandbox.remove() }
        let session = Session(
            environment: SessionEnvironment(workingDirectory: folder, home: home, width: width), sandbox: sandbox)
        session.dataRedirect = redirect
        defer { session.servers.stopAll() }
        for planned in cells {
            session.candidateLimit = planned.interruption?.candidateLimit
            let executed = session.execute(planned.command)
            session.candidateLimit = nil
            guard let cell = executed else { continue }
            echo?(planned.number, planned.command)
            guard cell.succeeded else {
                throw .cellFailed(cell: planned.number, command: planned.command, output: cell.output.plainText)
            }
            // The file read is the one checked above (it could have been replaced since).
            for (recorded, read) in zip(planned.dataFiles, cell.dataFiles)
            where recorded.fingerprint != read.fingerprint {
                throw .dataChanged(
                    name: (recorded.path as NSString).lastPathComponent, cell: planned.number,
                    recorded: recorded.fingerprint, found: read.fingerprint)
            }
        }
        guard case .model(let model)? = session.lookup(record.model) else { throw .modelNotBound(model: record.model) }
        let retrained: Data
        do { retrained = try ModelCoding.encoder().encode(model.pipeline) } catch {
            throw .cellFailed(
                cell: cells.last?.number ?? 0, command: "encoding \(record.model)", output: String(describing: error))
        }
        return Report(
            model: record.model, cellsRun: cells.count, data: data, bytes: bundle.modelData.count,
            firstDifference: Self.firstDifference(recorded: bundle.modelData, retrained: retrained))
    }

    /// Whether `path` names a bundle rather than a transcript: a folder, or a `.zip` file.
    public static func looksLikeBundle(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return path.lowercased().hasSuffix(".zip")
            || (FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    /// The folder's real path (links resolved), or why it is not a folder.
    static func realFolder(_ path: String) throws(ProvenanceError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .dataFolder(path: path, reason: "no such folder")
        }
        guard isDirectory.boolValue else { throw .dataFolder(path: path, reason: "not a folder") }
        guard let resolved = realpath(path, nil) else {
            throw .dataFolder(path: path, reason: String(cString: strerror(errno)))
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The data file `name` in `folder`: a regular file whose real path is inside the folder (a link
    /// out of it is refused: nothing outside the folder is read).
    static func locate(_ name: String, cell: Int, in folder: String, shownFolder: String) throws(ProvenanceError)
        -> String
    {
        guard Manifest.Provenance.isPlainFileName(name) else {
            throw .missingData(
                name: name, cell: cell, folder: shownFolder, reason: "is not a plain file name, so it is not looked for"
            )
        }
        let path = folder + "/" + name
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw .missingData(name: name, cell: cell, folder: shownFolder, reason: "is not")
        }
        guard let resolved = realpath(path, nil) else {
            throw .missingData(name: name, cell: cell, folder: shownFolder, reason: "is a broken link")
        }
        defer { free(resolved) }
        let real = String(cString: resolved)
        guard real.hasPrefix(folder == "/" ? "/" : folder + "/") else {
            throw .missingData(
                name: name, cell: cell, folder: shownFolder,
                reason: "is a link to a file outside the folder, which is not read,")
        }
        guard stat(real, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .missingData(name: name, cell: cell, folder: shownFolder, reason: "is not a regular file")
        }
        return real
    }

    /// Where two encodings first differ, with a little of each around it; nil when they are equal.
    static func firstDifference(recorded: Data, retrained: Data) -> String? {
        guard recorded != retrained else { return nil }
        let a = Array(recorded), b = Array(retrained)
        var i = 0
        while i < a.count, i < b.count, a[i] == b[i] { i += 1 }
        func excerpt(_ bytes: [UInt8]) -> String {
            let from = max(0, i - 40), to = min(bytes.count, i + 40)
            guard from < to else { return "(ends here)" }
            return (from > 0 ? "…" : "") + String(decoding: bytes[from..<to], as: UTF8.self)
                + (to < bytes.count ? "…" : "")
        }
        return
            "model.json differs from byte \(i) on (the bundle's is \(a.count) bytes, the retrained model's \(b.count)):\n  bundle:    \(excerpt(a))\n  retrained: \(excerpt(b))"
    }
}

/// How a bundle's provenance reads in `import`, `verify` and the card.
public enum ProvenanceSummary {
    /// The card's line for a model imported from a bundle with this manifest.
    public static func cardLine(_ manifest: Manifest) -> String {
        guard let p = manifest.provenance else {
            return "The bundle records no provenance (the cells that made the model)"
        }
        let files = p.data.map { "`\($0.name)` (\($0.fingerprint))" }.joined(separator: ", ")
        return
            "Made by the \(p.cells) cell\(p.cells == 1 ? "" : "s") in the bundle's `\(BundleFile.provenance)`, from \(files.isEmpty ? "no data file" : files); `workbench replay BUNDLE --data DIR` re-runs them and checks the model is byte-identical"
    }

    public static func line(_ manifest: Manifest) -> String {
        guard let p = manifest.provenance else { return "no provenance recorded" }
        let files = p.data.map { "\($0.name) (\(Fingerprint.short($0.fingerprint)))" }.joined(separator: ", ")
        return
            "provenance: \(p.cells) cell\(p.cells == 1 ? "" : "s") made \(p.model) from \(files.isEmpty ? "no data file" : files); workbench replay BUNDLE --data DIR runs them again"
    }
}
