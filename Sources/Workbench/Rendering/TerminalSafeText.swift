/// Text from data made safe to print on a terminal: control characters (C0 except tab, DEL, C1)
/// and the bidirectional overrides that reorder what a reader sees are shown as `\u{…}` escapes,
/// so a CSV cell holding `ESC ]0;…` or `ESC [2J` cannot retitle, clear or recolour the terminal.
/// Only what is printed changes; the data (and transcripts, and files written) keep every byte.
public enum TerminalSafeText {
    /// Whether `scalar` must not reach a terminal as it is.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        // LRE…RLO, LRI…PDI: the "Trojan Source" reordering controls.
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `text` with unsafe characters escaped; the same string when there are none (the common case).
    public static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

import Charts

extension TextTable {
    /// The table with every header and cell escaped for a terminal (cell charts kept).
    func sanitizedForTerminal() -> TextTable {
        var copy = self
        copy.headers = headers.map(TerminalSafeText.sanitized)
        copy.rows = rows.map { $0.map(TerminalSafeText.sanitized) }
        return copy
    }
}

extension Chart {
    /// Whether any label, title or name in the chart holds a character a terminal must not get.
    /// (Reflection: a chart is a handful of strings, and a new chart kind is covered without edits.)
    var hasUnsafeText: Bool {
        func scan(_ value: Any) -> Bool {
            if let text = value as? String { return text.unicodeScalars.contains(where: TerminalSafeText.isUnsafe) }
            return Mirror(reflecting: value).children.contains { scan($0.value) }
        }
        return scan(self)
    }
}
