public import Charts
import Foundation

/// What a command prints: lines of text, tables and charts, in order. Volatile spans (times,
/// absolute paths, memory) are marked so that transcripts can flag them and replay can ignore them.
///
/// Tables and charts are kept as data so that each place that shows output draws them its own
/// way: transcripts and pipes as plain ASCII (`lines`, byte-stable), a capable terminal with
/// Unicode and colour (`terminalText`), reports as HTML tables and SVG.
public struct Output: Sendable, Equatable {
    /// One piece of output.
    public enum Block: Sendable, Equatable {
        /// One line of text.
        case text(String)
        /// A table, fitted to `width` when drawn as text.
        case table(TextTable, width: Int)
        /// A chart, with its plain-text form: what transcripts, pipes and `NO_COLOR` terminals show.
        case figure(Chart, plain: [String])

        /// The block as plain ASCII lines (the transcript form).
        public var plainLines: [String] {
            switch self {
            case .text(let line): [line]
            case .table(let table, let width):
                table.render(width: width).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            case .figure(_, let plain): plain
            }
        }
    }

    /// Marks the start and end of a volatile span inside a line (Unicode private-use characters,
    /// which never occur in data we print).
    static let volatileStart: Character = "\u{E000}"
    static let volatileEnd: Character = "\u{E001}"

    public private(set) var blocks: [Block] = []

    public init() {}

    public init(_ text: String) {
        append(text)
    }

    /// The output as plain lines, volatile markers included.
    public var lines: [String] { blocks.flatMap(\.plainLines) }

    /// Appends text; embedded newlines start new lines.
    public mutating func append(_ text: String) {
        blocks.append(contentsOf: textLines(text).map { .text(String($0)) })
    }

    public mutating func append(_ other: Output) {
        blocks.append(contentsOf: other.blocks)
    }

    /// Appends a table, drawn `width` characters wide as text.
    public mutating func append(_ table: TextTable, width: Int) {
        blocks.append(.table(table, width: width))
    }

    /// Appends a chart; its plain form is the ASCII drawing unless a command gives its own
    /// (existing text output that the chart draws better).
    public mutating func append(_ chart: Chart, width: Int, plain: [String]? = nil) {
        blocks.append(.figure(chart, plain: plain ?? TerminalRenderer.render(chart, style: .ascii, width: width)))
    }

    public mutating func blank() { blocks.append(.text("")) }

    public var isEmpty: Bool { blocks.isEmpty }

    /// The charts in order of appearance.
    public var charts: [Chart] {
        blocks.compactMap { if case .figure(let chart, _) = $0 { chart } else { nil } }
    }

    /// A span whose text changes between runs.
    public static func volatile(_ text: String) -> String {
        String(volatileStart) + text + String(volatileEnd)
    }

    /// For the terminal in ASCII: volatile markers removed.
    public var plainText: String {
        lines.map(Output.stripMarkers).joined(separator: "\n")
    }

    /// For a terminal: plain ASCII, or charts and table cells drawn with Unicode and colour.
    /// Control characters from data are escaped (`TerminalSafeText`); in colour, before drawing,
    /// so the renderer's own colour codes survive.
    public func terminalText(style: TerminalStyle, width: Int) -> String {
        guard style == .unicode else {
            return lines.map { TerminalSafeText.sanitized(Output.stripMarkers($0)) }.joined(separator: "\n")
        }
        var out: [String] = []
        for block in blocks {
            switch block {
            case .text(let line): out.append(TerminalSafeText.sanitized(line))
            case .table(let table, let tableWidth):
                out.append(table.sanitizedForTerminal().render(width: tableWidth, style: .unicode))
            case .figure(let chart, let plain):
                // A chart drawn in colour carries its labels; one whose labels need escaping is
                // shown in its plain form instead.
                if chart.hasUnsafeText {
                    out.append(contentsOf: plain.map(TerminalSafeText.sanitized))
                } else {
                    out.append(contentsOf: TerminalRenderer.render(chart, style: .unicode, width: width))
                }
            }
        }
        return out.map(Output.stripMarkers).joined(separator: "\n")
    }

    /// For transcripts: volatile spans written as `{{text}}`.
    public var transcriptLines: [String] {
        lines.map(Output.markersAsBraces)
    }

    /// A line with volatile spans written as `{{text}}`.
    static func markersAsBraces(_ line: String) -> String {
        String(
            line.map { c -> String in
                c == Output.volatileStart ? "{{" : (c == Output.volatileEnd ? "}}" : String(c))
            }.joined())
    }

    /// A transcript line back as output: each `{{…}}` span (paired as `Transcript.normalized`
    /// pairs them) marked volatile again, so `markersAsBraces` gives the line back unchanged.
    static func bracesAsMarkers(_ line: String) -> String {
        var out = ""
        var rest = Substring(line)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            out.append(volatileStart)
            out += rest[open.upperBound..<close.lowerBound]
            out.append(volatileEnd)
            rest = rest[close.upperBound...]
        }
        return out + rest
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
