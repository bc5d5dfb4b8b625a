public import Foundation
import Tabular

/// A file a cell wrote, as its transcript records it (`@wrote PATH sha256:HEX`): the path as the
/// command named it and a digest of the file's *stable* content, which replay computes again on
/// what the replayed cell wrote into its sandbox and compares (issue 23, item 1).
///
/// What "stable" means depends on the file (see README, "What a cell wrote"): a bundle is recorded
/// as two files, `PATH/model.json` and `PATH/verification.json`, whose bytes are the model and its
/// verification rows (the manifest, with its time and signature, is not recorded); a table of
/// predictions and a lesson are their bytes; a model card, a report and a saved transcript are
/// their text with every volatile span emptied, as replay compares output.
public struct WrittenFile: Sendable, Equatable {
    /// The path as the command named it (relative to the session's working folder).
    public var path: String
    /// `sha256:` and 64 hex digits.
    public var digest: String

    public init(path: String, digest: String) {
        self.path = path
        self.digest = digest
    }

    /// A file recorded by the digest of its bytes.
    public init(path: String, bytes: Data) {
        self.init(path: path, digest: Fingerprint.of(bytes: bytes))
    }

    /// A text file recorded by its lines with every volatile span emptied (marked spans or `{{…}}`)
    /// and trailing spaces dropped: what replay ignores in output, it ignores here.
    public init(path: String, stableText text: String) {
        let lines = textLines(text).map { line -> String in
            var canonical = Substring(Transcript.normalized(Output.markersAsBraces(String(line))))
            while canonical.last == " " { canonical = canonical.dropLast() }
            return String(canonical)
        }
        self.init(path: path, bytes: Data(lines.joined(separator: "\n").utf8))
    }

    /// Whether `text` is a digest as this version writes them.
    static func isDigest(_ text: Substring) -> Bool {
        text.hasPrefix("sha256:") && text.count == 71 && text.dropFirst(7).allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    /// How the files a replayed cell wrote differ from those recorded, one sentence each; empty
    /// when they match or nothing was recorded (a transcript older than these records).
    public static func differences(cell: Int, recorded: [WrittenFile], replayed: [WrittenFile]) -> [String] {
        guard !recorded.isEmpty else { return [] }
        var problems: [String] = []
        var now: [String: String] = [:]
        for file in replayed { now[file.path] = file.digest }
        for file in recorded {
            guard let digest = now.removeValue(forKey: file.path) else {
                problems.append("cell [\(cell)] did not write \(file.path) this time")
                continue
            }
            if digest != file.digest {
                problems.append(
                    "cell [\(cell)] wrote \(file.path) with different content (recorded \(Fingerprint.short(file.digest)), now \(Fingerprint.short(digest)))"
                )
            }
        }
        for file in replayed where now[file.path] != nil {
            problems.append("cell [\(cell)] wrote \(file.path), which the recording does not list")
        }
        return problems
    }
}
