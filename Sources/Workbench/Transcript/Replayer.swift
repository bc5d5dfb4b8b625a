import Foundation
import Tabular
import WorkbenchResources

/// Re-runs a transcript in a fresh session and compares every cell's output with the recording.
public struct Replayer {
    /// The outcome of a replay.
    public struct Report: Sendable {
        public var cellsRun: Int
        public var cellsMatched: Int
        /// Data files whose content differs from the recording, with a sentence each.
        public var changedData: [String]
        /// The first mismatch as a unified diff (empty when all matched or when updating).
        public var firstDifference: String?
        /// With `update`, the rewritten transcript.
        public var updated: Transcript?
        /// Validations that ended in FAIL (for --strict).
        public var validationFailures = 0
        /// How the transcript's cells were changed since recording (see `Transcript.integrityProblem`);
        /// nothing is run then.
        public var changedCells: String?
        /// Cells Ctrl-C stopped when recorded that bound nothing: not run, one sentence each
        /// (`Interruption.notReproduced`). They are neither run nor mismatches.
        public var notReproduced: [String] = []

        public var allMatched: Bool { cellsMatched == cellsRun && firstDifference == nil && changedCells == nil }

        public var summary: String {
            "replayed \(cellsRun) cell\(cellsRun == 1 ? "" : "s"), \(cellsMatched) matched"
                + (notReproduced.isEmpty
                    ? ""
                    : "; \(notReproduced.count) interrupted cell\(notReproduced.count == 1 ? "" : "s") not reproduced")
        }
    }

    public let transcript: Transcript
    /// The folder relative paths in commands resolve against.
    public let workingDirectory: String
    /// `$WORKBENCH_HOME` for the replayed session; nil gives each run a fresh, empty one, so run
    /// ids and the registry's contents match the recording.
    public let home: String?

    /// The transcript's file: the replayed session's `transcriptPath` (cards and runs name it).
    public let transcriptPath: String

    public init(transcript: Transcript, transcriptPath: String, home: String? = nil) {
        self.transcript = transcript
        self.transcriptPath = transcriptPath
        let folder = (transcriptPath as NSString).deletingLastPathComponent
        let base =
            folder.isEmpty
            ? FileManager.default.currentDirectoryPath
            : (folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder)
        workingDirectory = ((base as NSString).appendingPathComponent(transcript.workdir) as NSString).standardizingPath
        self.home = home
    }

    /// Data files recorded in the transcript that are missing or changed now.
    public func changedDataFiles() -> [String] {
        var seen = Set<String>()
        var notes: [String] = []
        for entry in transcript.entries {
            for file in entry.dataFiles where seen.insert(file.path).inserted {
                let resolved =
                    file.path.hasPrefix("/")
                    ? file.path : (workingDirectory as NSString).appendingPathComponent(file.path)
                let now: String?
                if FileManager.default.fileExists(atPath: resolved) {
                    now = try? Fingerprint.ofFile(atPath: resolved)
                } else if let example = DataFileLocation.builtinExample(named: file.path) {
                    // Read from the built-in copy when replayed where the file is not.
                    now = Fingerprint.of(bytes: Array(example.text.utf8))
                } else {
                    notes.append("data file \(file.path) is missing (it was read in cell \(entry.number))")
                    continue
                }
                if let now, now != file.fingerprint {
                    notes.append(
                        "data file \(file.path) changed since recording (read in cell [\(entry.number)]): it was \(Fingerprint.short(file.fingerprint)), now \(Fingerprint.short(now)); outputs that depend on it will differ"
                    )
                }
            }
        }
        return notes
    }

    /// Runs every cell into `session` (a fresh one by default); stops at the first difference
    /// unless `update` is set, in which case it records the new outputs instead. Unless `inPlace`,
    /// what the cells write goes to a private sandbox removed afterwards, so a replay never
    /// touches the user's files and two replays in a row do the same (a session passed in keeps
    /// the sandbox it has).
    public func run(
        update: Bool = false, inPlace: Bool = false, into existing: Session? = nil, echo: ((Cell, Bool) -> Void)? = nil
    ) -> Report {
        let freshHome = home == nil ? NSTemporaryDirectory() + "workbench-replay-\(UUID().uuidString)" : nil
        defer { if let freshHome { try? FileManager.default.removeItem(atPath: freshHome) } }
        let sandbox = existing == nil && !inPlace ? try? WriteSandbox.temporary() : nil
        defer { sandbox?.remove() }
        let session =
            existing
            ?? Session(
                environment: SessionEnvironment(
                    workingDirectory: workingDirectory, home: home ?? freshHome ?? "", width: transcript.width),
                sandbox: sandbox)
        defer { if existing == nil { session.servers.stopAll() } }
        session.replayDepth += 1
        defer { session.replayDepth -= 1 }
        if existing == nil { session.transcriptPath = transcriptPath }
        var report = Report(
            cellsRun: 0, cellsMatched: 0, changedData: changedDataFiles(), firstDifference: nil, updated: nil)
        if !update, let problem = transcript.integrityProblem {
            report.changedCells = problem
            return report
        }
        var rewritten = Transcript(workdir: transcript.workdir, width: transcript.width)
        for entry in transcript.entries {
            if entry.interruption == .nothingBound {
                // Nothing to reproduce: it is taken into the session as recorded (so numbering,
                // history and reports stay as they were) and a later cell finds none of its names, as then.
                report.notReproduced.append(
                    Interruption.notReproduced(cell: entry.number, command: entry.command, by: "replay"))
                session.adopt(entry, succeeded: false)
                var kept = entry
                kept.number = rewritten.entries.count + 1
                rewritten.entries.append(kept)
                continue
            }
            session.candidateLimit = entry.interruption?.candidateLimit
            let executed = session.execute(entry.command)
            session.candidateLimit = nil
            guard let cell = executed else { continue }
            report.cellsRun += 1
            let actual = cell.output.transcriptLines
            let sameOutput = actual.map(Transcript.normalized) == entry.output.map(Transcript.normalized)
            let effects = Replayer.effectDifferences(entry, cell)
            let matched = sameOutput && effects.isEmpty
            echo?(cell, matched)
            if matched { report.cellsMatched += 1 }
            rewritten.entries.append(
                Transcript.Entry(
                    number: rewritten.entries.count + 1, command: entry.command, output: actual,
                    dataFiles: cell.dataFiles, line: entry.line,
                    written: cell.written, interruption: cell.interruption))
            if !matched && !update {
                report.firstDifference =
                    "cell [\(entry.number)] (line \(entry.line)): \(entry.command)\n"
                    + (sameOutput
                        ? effects.joined(separator: "\n") : unifiedDiff(expected: entry.output, actual: actual))
                break
            }
            if session.quitRequested { break }
        }
        if update { report.updated = rewritten }
        report.validationFailures = session.validationFailures
        return report
    }
}

extension Replayer {
    /// How a replayed cell's effects differ from the recorded ones, one sentence each: the files it
    /// wrote (when the recording lists them) and how Ctrl-C stopped it.
    static func effectDifferences(_ entry: Transcript.Entry, _ cell: Cell) -> [String] {
        var problems = WrittenFile.differences(cell: entry.number, recorded: entry.written, replayed: cell.written)
        if entry.interruption != cell.interruption {
            // A marker comes from the file: shown cut, so a crafted one cannot flood the terminal.
            let shown = { (i: Interruption) in
                "was interrupted (\(i.marker.count > 200 ? String(i.marker.prefix(200)) + "…" : i.marker))"
            }
            let recorded = entry.interruption.map(shown) ?? "ran to the end"
            let now = cell.interruption.map(shown) ?? "ran to the end"
            problems.append("cell [\(entry.number)] \(recorded) when recorded; replayed, it \(now)")
        }
        return problems
    }
}

/// A unified diff of two line lists (one hunk with full context: cell outputs are short).
public func unifiedDiff(expected: [String], actual: [String]) -> String {
    let a = expected.map(Transcript.normalized), b = actual.map(Transcript.normalized)
    // Longest common subsequence table, O(n·m): cell outputs are at most a few hundred lines.
    var lcs = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in stride(from: a.count - 1, through: 0, by: -1) {
        for j in stride(from: b.count - 1, through: 0, by: -1) {
            lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
        }
    }
    var lines = ["--- expected (recorded)", "+++ actual (replayed)", "@@ -1,\(a.count) +1,\(b.count) @@"]
    var i = 0, j = 0
    while i < a.count || j < b.count {
        if i < a.count, j < b.count, a[i] == b[j] {
            lines.append(" " + expected[i])
            i += 1
            j += 1
        } else if j < b.count, i == a.count || lcs[i][j + 1] >= lcs[i + 1][j] {
            lines.append("+" + actual[j])
            j += 1
        } else {
            lines.append("-" + expected[i])
            i += 1
        }
    }
    return lines.joined(separator: "\n")
}
