/// Text a command prints, with volatile spans (times, absolute paths, memory) marked so that
/// transcripts can flag them and replay can ignore them.
public struct Output: Sendable, Equatable {
    /// Marks the start and end of a volatile span inside a line (Unicode private-use characters,
    /// which never occur in data we print).
    static let volatileStart: Character = "\u{E000}"
    static let volatileEnd: Character = "\u{E001}"

    public private(set) var lines: [String] = []

    public init() {}

    public init(_ text: String) {
        append(text)
    }

    /// Appends text; embedded newlines start new lines.
    public mutating func append(_ text: String) {
        lines.append(contentsOf: textLines(text).map(String.init))
    }

    public mutating func append(_ other: Output) {
        lines.append(contentsOf: other.lines)
    }

    public mutating func blank() { lines.append("") }

    public var isEmpty: Bool { lines.isEmpty }

    /// A span whose text changes between runs.
    public static func volatile(_ text: String) -> String {
        String(volatileStart) + text + String(volatileEnd)
    }

    /// For the terminal: volatile markers removed.
    public var plainText: String {
        lines.map(Output.stripMarkers).joined(separator: "\n")
    }

    /// For transcripts: volatile spans written as `{{text}}`.
    public var transcriptLines: [String] {
        lines.map { line in
            String(line.map { c -> String in
                c == Output.volatileStart ? "{{" : (c == Output.volatileEnd ? "}}" : String(c))
            }.joined())
        }
    }

    static func stripMarkers(_ line: String) -> String {
        String(line.filter { $0 != volatileStart && $0 != volatileEnd })
    }
}

/// The lines of `text`, split at LF and at CRLF. (Splitting at the Character "\n" alone misses
/// CRLF, which Swift treats as one Character: a CRLF file read as a single line.)
public func textLines(_ text: String) -> [Substring] {
    text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
}
