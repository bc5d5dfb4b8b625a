import Foundation
import Tabular
public import Diagnostics

/// A recorded session as a readable text file: commands, their output, and the data files read.
///
/// ```
/// # workbench transcript 1
/// # workdir: ..
/// [1]> load "examples/iris.csv"
/// @data examples/iris.csv sha256:…
/// | loaded iris: 150 rows × 5 columns …
/// ```
/// `{{…}}` in output marks text that changes between runs; replay does not compare it.
public struct Transcript: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var number: Int
        public var command: String
        public var output: [String]
        public var dataFiles: [DataFileRecord]
        /// 1-based line of the command in the file, for messages.
        public var line: Int
        /// The `@chain` digest recorded after the cell, if the file has one.
        public var chain: String? = nil
        /// The files the cell wrote (`@wrote`), with digests of their stable content.
        public var written: [WrittenFile] = []
        /// How Ctrl-C stopped the cell (`@interrupted`), if it did.
        public var interruption: Interruption? = nil
    }

    public static let formatVersion = 1

    /// The folder, relative to the transcript's own, that commands' relative paths start from.
    public var workdir: String
    /// The table width the session printed at; replay uses the same so tables match.
    public var width: Int
    public var entries: [Entry]

    public init(workdir: String, width: Int = 100, entries: [Entry] = []) {
        self.workdir = workdir
        self.width = width
        self.entries = entries
    }

    /// The header every transcript starts with.
    public static func header(workdir: String, width: Int) -> String {
        """
        # workbench transcript \(formatVersion)
        # workdir: \(workdir)
        # width: \(width)
        #
        # Lines starting "[N]>" are commands; the "| " lines under each are what it printed.
        # {{...}} marks text that varies between runs (times, paths); replay does not compare it.
        # "@data PATH sha256:..." records a data file the command read; "@wrote PATH sha256:..." a file
        # it wrote, by the digest of its stable content (for a bundle: model.json and verification.json).
        # "@interrupted ..." marks a command stopped with Ctrl-C, with what it kept.
        # "@chain HEX" digests the cell and every cell before it, so a removed, inserted, moved or
        # edited cell is found. Edit freely, then run `workbench replay --update FILE` to refresh
        # the outputs and the digests.

        """
    }

    /// The text of one cell, ending with its `@chain` line (`chain`: the digest after it) and a blank line.
    public static func text(
        number: Int, command: String, output: [String], dataFiles: [DataFileRecord],
        written: [WrittenFile] = [], interruption: Interruption? = nil, chain: String
    ) -> String {
        var text = "[\(number)]> \(command)\n"
        for file in dataFiles { text += "@data \(file.path) \(file.fingerprint)\n" }
        for line in output { text += line.isEmpty ? "|\n" : "| \(line)\n" }
        return text + effectLines(written: written, interruption: interruption) + "@chain \(chain)\n\n"
    }

    /// The `@wrote` and `@interrupted` lines of a cell: after its output, before its `@chain`.
    static func effectLines(written: [WrittenFile], interruption: Interruption?) -> String {
        var text = ""
        for file in written { text += "@wrote \(file.path) \(file.digest)\n" }
        if let interruption { text += "@interrupted \(interruption.marker)\n" }
        return text
    }

    /// The whole file, its digests computed afresh.
    public var text: String {
        var chain = Transcript.chainStart
        return Transcript.header(workdir: workdir, width: width)
            + entries.enumerated().map { index, entry in
                chain = Transcript.chain(
                    after: chain, number: index + 1, command: entry.command, output: entry.output,
                    dataFiles: entry.dataFiles,
                    written: entry.written, interruption: entry.interruption)
                return Transcript.text(
                    number: index + 1, command: entry.command, output: entry.output, dataFiles: entry.dataFiles,
                    written: entry.written, interruption: entry.interruption, chain: chain)
            }.joined()
    }

    /// The digest before the first cell.
    public static let chainStart = String(repeating: "0", count: 16)

    /// The running digest after a cell: SHA-256 of the digest before it, its number, its command,
    /// its data files, its output (volatile spans emptied, trailing spaces dropped, so an
    /// editor that trims lines breaks nothing), the files it wrote and its interruption marker
    /// (neither adds anything when absent, so older transcripts keep their digests), cut to 16 hex
    /// digits. Not a signature — anyone can recompute it — but a cut, an insertion, a move or an
    /// edit of any cell no longer matches.
    public static func chain(
        after previous: String, number: Int, command: String, output: [String], dataFiles: [DataFileRecord],
        written: [WrittenFile] = [], interruption: Interruption? = nil
    ) -> String {
        var text = previous + "\n[\(number)]> " + command + "\n"
        for file in dataFiles { text += "@data \(file.path) \(file.fingerprint)\n" }
        for line in output {
            var canonical = Substring(normalized(line))
            while canonical.last == " " { canonical = canonical.dropLast() }
            text += "| " + canonical + "\n"
        }
        text += effectLines(written: written, interruption: interruption)
        return String(Fingerprint.of(bytes: Array(text.utf8)).dropFirst("sha256:".count).prefix(16))
    }

    /// What is wrong with the cells' order or content since recording, by cell number: numbers
    /// must run 1, 2, 3, … and each `@chain` must match. A transcript with no `@chain` lines at all
    /// (written by hand) is checked for its numbering only.
    public var integrityProblem: String? {
        for (index, entry) in entries.enumerated() where entry.number != index + 1 {
            let expected = index + 1
            if index > 0, entry.number <= entries[index - 1].number {
                return entries[..<index].contains(where: { $0.number == entry.number })
                    ? "cell [\(entry.number)] (line \(entry.line)) appears twice: a cell was inserted or copied"
                    : "cell [\(entry.number)] (line \(entry.line)) comes after cell [\(entries[index - 1].number)]: cells were moved"
            }
            // A number skipped here that turns up later was moved, not removed.
            if entry.number > expected, let later = entries[index...].first(where: { $0.number == expected }) {
                return
                    "cell [\(expected)] (line \(later.line)) comes after cell [\(entry.number)] (line \(entry.line)): cells were moved"
            }
            return entry.number > expected
                ? "cell [\(expected)] is missing: the cells go from [\(index == 0 ? 0 : entries[index - 1].number)] to [\(entry.number)] (line \(entry.line)); a cell was removed"
                : "cell [\(entry.number)] (line \(entry.line)) is numbered out of order: cells were moved"
        }
        guard entries.contains(where: { $0.chain != nil }) else { return nil }
        var chain = Transcript.chainStart
        for entry in entries {
            chain = Transcript.chain(
                after: chain, number: entry.number, command: entry.command, output: entry.output,
                dataFiles: entry.dataFiles,
                written: entry.written, interruption: entry.interruption)
            guard let recorded = entry.chain else {
                return
                    "cell [\(entry.number)] (line \(entry.line)) has no @chain line: it was inserted or edited by hand"
            }
            guard recorded == chain else {
                return
                    "cell [\(entry.number)] (line \(entry.line)) is not what was recorded: it, or a cell before it, was edited, or cells were removed, inserted or moved (its @chain does not match)"
            }
        }
        return nil
    }

    /// Largest transcript accepted; a bigger file is almost certainly not a transcript.
    public static let maximumBytes = 64 << 20

    public static func read(path: String) throws -> Transcript {
        let data: Data
        do {
            data = try BoundedFile.read(path, limit: maximumBytes)
        } catch {
            switch error {
            case .notFound: throw TranscriptError.notFound(path: path)
            case .isDirectory:
                throw TranscriptError.malformed(path: path, line: 0, reason: "it is a folder, not a transcript file")
            case .notRegular(let kind):
                throw TranscriptError.malformed(path: path, line: 0, reason: "it is \(kind), not a transcript file")
            case .unreadable: throw TranscriptError.unreadable(path: path)
            case .tooLarge(let bytes): throw TranscriptError.tooLarge(path: path, bytes: bytes, limit: maximumBytes)
            }
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw TranscriptError.malformed(path: path, line: 0, reason: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> Transcript {
        guard !text.isEmpty else {
            throw TranscriptError.malformed(
                path: path, line: 1,
                reason: "empty file; a transcript starts with '# workbench transcript \(formatVersion)'")
        }
        var transcript = Transcript(workdir: ".")
        var sawHeader = false
        var lineNumber = 0
        for rawLine in textLines(text) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            if line.hasPrefix("#") {
                if lineNumber == 1 {
                    guard line.hasPrefix("# workbench transcript") else {
                        throw TranscriptError.malformed(
                            path: path, line: 1,
                            reason: "the first line must be '# workbench transcript \(formatVersion)'")
                    }
                    let version = line.dropFirst("# workbench transcript".count).trimmingCharacters(in: .whitespaces)
                    guard version == String(formatVersion) else {
                        throw TranscriptError.malformed(
                            path: path, line: 1,
                            reason:
                                "unknown transcript version '\(version)' (this workbench reads version \(formatVersion))"
                        )
                    }
                    sawHeader = true
                } else if transcript.entries.isEmpty, line.hasPrefix("# workdir:") {
                    transcript.workdir = line.dropFirst("# workdir:".count).trimmingCharacters(in: .whitespaces)
                } else if transcript.entries.isEmpty, line.hasPrefix("# width:") {
                    let text = line.dropFirst("# width:".count).trimmingCharacters(in: .whitespaces)
                    guard let width = Int(text), (20...1000).contains(width) else {
                        throw TranscriptError.malformed(
                            path: path, line: lineNumber, reason: "width must be a whole number from 20 to 1000")
                    }
                    transcript.width = width
                }
                continue
            }
            guard sawHeader else {
                throw TranscriptError.malformed(
                    path: path, line: lineNumber,
                    reason: "the first line must be '# workbench transcript \(formatVersion)'")
            }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("["), let close = line.firstIndex(of: "]"), line[close...].hasPrefix("]>") {
                let number = Int(line[line.index(after: line.startIndex)..<close]) ?? (transcript.entries.count + 1)
                let command = String(line[line.index(close, offsetBy: 2)...]).trimmingCharacters(in: .whitespaces)
                transcript.entries.append(
                    Entry(number: number, command: command, output: [], dataFiles: [], line: lineNumber))
                continue
            }
            guard !transcript.entries.isEmpty else {
                throw TranscriptError.malformed(
                    path: path, line: lineNumber,
                    reason: "output before the first command; commands start with \"[N]> \"")
            }
            let last = transcript.entries.count - 1
            if line == "|" {
                transcript.entries[last].output.append("")
            } else if line.hasPrefix("| ") {
                transcript.entries[last].output.append(String(line.dropFirst(2)))
            } else if line.hasPrefix("@chain ") {
                let digest = line.dropFirst("@chain ".count).trimmingCharacters(in: .whitespaces)
                guard digest.count == 16, digest.allSatisfy(\.isHexDigit), transcript.entries[last].chain == nil else {
                    throw TranscriptError.malformed(
                        path: path, line: lineNumber, reason: "expected one '@chain HEX' (16 hex digits) after a cell")
                }
                transcript.entries[last].chain = digest
            } else if line.hasPrefix("@data ") {
                let parts = line.dropFirst(6).split(separator: " ")
                guard parts.count >= 2, let fingerprint = parts.last, fingerprint.hasPrefix("sha256:") else {
                    throw TranscriptError.malformed(
                        path: path, line: lineNumber, reason: "expected '@data PATH sha256:HEX'")
                }
                let filePath = parts.dropLast().joined(separator: " ")
                transcript.entries[last].dataFiles.append(
                    DataFileRecord(path: filePath, fingerprint: String(fingerprint)))
            } else if line.hasPrefix("@wrote ") {
                let parts = line.dropFirst("@wrote ".count).split(separator: " ")
                guard parts.count >= 2, let digest = parts.last, WrittenFile.isDigest(digest) else {
                    throw TranscriptError.malformed(
                        path: path, line: lineNumber, reason: "expected '@wrote PATH sha256:HEX' (64 hex digits)")
                }
                transcript.entries[last].written.append(
                    WrittenFile(path: parts.dropLast().joined(separator: " "), digest: String(digest)))
            } else if line.hasPrefix("@interrupted ") {
                let marker = String(line.dropFirst("@interrupted ".count))
                guard transcript.entries[last].interruption == nil else {
                    throw TranscriptError.malformed(
                        path: path, line: lineNumber, reason: "a cell has at most one '@interrupted' line")
                }
                guard let interruption = Interruption(marker: marker) else {
                    throw TranscriptError.malformed(
                        path: path, line: lineNumber,
                        reason:
                            "expected '@interrupted nothing bound' or '@interrupted after K of N candidates; finished: NAMES' (K ≤ N ≤ \(Interruption.maximumCandidates))"
                    )
                }
                transcript.entries[last].interruption = interruption
            } else {
                throw TranscriptError.malformed(
                    path: path, line: lineNumber,
                    reason:
                        "expected a command \"[N]> …\", an output line \"| …\", \"@data …\", \"@wrote …\", \"@interrupted …\" or \"@chain …\""
                )
            }
        }
        guard sawHeader else {
            throw TranscriptError.malformed(
                path: path, line: 1,
                reason: "empty file; a transcript starts with '# workbench transcript \(formatVersion)'")
        }
        return transcript
    }

    /// Output with every volatile `{{…}}` span emptied, for comparison.
    public static func normalized(_ line: String) -> String {
        var out = ""
        var rest = Substring(line)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            out += "{{}}"
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}

/// A transcript that cannot be read.
public enum TranscriptError: Error, Sendable, UserFacingError {
    case notFound(path: String)
    case unreadable(path: String)
    case tooLarge(path: String, bytes: Int, limit: Int)
    case malformed(path: String, line: Int, reason: String)

    public var diagnostic: Diagnostic {
        switch self {
        case .notFound(let p):
            Diagnostic("no such transcript: \(p)", remedy: "transcripts are recorded under sessions/; check the path")
        case .unreadable(let p): Diagnostic("cannot read \(p)", remedy: "check its permissions")
        case .tooLarge(let p, let bytes, let limit):
            Diagnostic(
                "\(p) is \(bytes > limit && bytes / 1_048_576 == limit / 1_048_576 ? "over \(limit / 1_048_576)" : "\(bytes / 1_048_576)") MiB, over the \(limit / 1_048_576) MiB limit for transcripts",
                remedy:
                    "is this really a workbench transcript? A longer session can be saved in parts with save \"PATH\"")
        case .malformed(let p, let line, let reason): "\(p):\(line): \(reason)"
        }
    }
}
