public import Charts

/// A plain-text table fitted to a width: cells are truncated with an ellipsis, never wrapped, and
/// columns that cannot fit at all are left out with a note.
///
/// A cell may also carry a small chart (a histogram, a bar): its text is the ASCII form; Unicode
/// terminals and reports draw the chart instead.
public struct TextTable: Sendable, Equatable {
    public enum Alignment: Sendable, Equatable { case left, right }

    public var headers: [String]
    public var alignments: [Alignment]
    public var rows: [[String]] = []
    /// Charts drawn in cells: row index → column index → chart.
    public private(set) var cellCharts: [Int: [Int: Chart]] = [:]

    public init(headers: [String], alignments: [Alignment]? = nil) {
        self.headers = headers
        self.alignments = alignments ?? headers.map { _ in .left }
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    /// Adds a row whose cells in `charts` (by column) hold a chart; their text is the ASCII form.
    public mutating func add(_ row: [String], charts: [Int: Chart]) {
        if !charts.isEmpty { cellCharts[rows.count] = charts }
        rows.append(row)
    }

    /// The chart in a cell, if it has one.
    public func chart(row: Int, column: Int) -> Chart? { cellCharts[row]?[column] }

    /// Narrowest a truncated column may become.
    private static let minimumWidth = 4

    /// - Complexity: O(cells + columns × log(widest)); a cell is measured only up to the width, so
    ///   a 10 MB value or 10,000 columns render as fast as a small table.
    public func render(width: Int, style: TerminalStyle = .ascii) -> String {
        let count = headers.count
        // A cell wider than the whole table is cut anyway; measuring past that changes nothing.
        // (Reports ask for Int.max: unlimited.)
        let cap = width >= Int.max - 1 ? Int.max : max(width, TextTable.minimumWidth) + 1
        var widths = (0..<count).map { c in
            ([headers[c]] + rows.map { c < $0.count ? $0[c] : "" }).map { TextTable.visibleCount($0, upTo: cap) }.max()
                ?? 0
        }
        // The widest cell that is not volatile, per column: where a volatile value is wider, the
        // column's width is the value's, which may differ next time, so the padding of the other
        // cells (and the rule's extra dashes) is volatile too.
        let stable = (0..<count).map { c in
            ([headers[c]] + rows.map { c < $0.count ? $0[c] : "" }).filter { !$0.contains(Output.volatileStart) }
                .map { TextTable.visibleCount($0, upTo: cap) }.max() ?? 0
        }
        let separator = 2
        TextTable.shrink(&widths, toFit: width - separator * max(0, count - 1))
        let volatileWidth = (0..<count).map { widths[$0] > stable[$0] }
        // The most columns (at least one) that fit, leaving room for the "more columns" note.
        let note = "  …"
        var shown = count
        if widths.reduce(0, +) + separator * max(0, count - 1) > width {
            shown = 1
            var used = widths.first ?? 0
            for c in 1..<max(1, count) {
                used += separator + widths[c]
                guard used + note.count <= width else { break }
                shown = c + 1
            }
        }

        func line(_ cells: [String], charts: [Int: Chart]? = nil) -> String {
            var parts: [String] = []
            for c in 0..<shown {
                var text = TextTable.fit(c < cells.count ? cells[c] : "", to: widths[c])
                var visible = TextTable.visibleCount(text)
                if style == .unicode, let chart = charts?[c], let drawn = TextTable.draw(chart, width: widths[c]) {
                    text = drawn
                    visible = TerminalRenderer.visibleWidth(drawn)
                }
                let pad = String(repeating: " ", count: max(0, widths[c] - visible))
                if volatileWidth[c], !pad.isEmpty, !text.contains(Output.volatileStart) {
                    parts.append(alignments[c] == .right ? Output.volatile(pad) + text : text + Output.volatile(pad))
                } else {
                    parts.append(TextTable.padded(text, pad, right: alignments[c] == .right))
                }
            }
            var out = parts.joined(separator: String(repeating: " ", count: separator))
            if shown < count { out += note }
            // Trailing spaces go, also those padding a volatile span at the end of the line.
            while true {
                if out.hasSuffix(" ") {
                    out.removeLast()
                } else if out.last == Output.volatileEnd, out.dropLast().last == " " {
                    out.remove(at: out.index(out.endIndex, offsetBy: -2))
                } else {
                    break
                }
            }
            return out
        }
        let rule = (0..<count).map { c in
            volatileWidth[c]
                ? String(repeating: "-", count: stable[c])
                    + Output.volatile(String(repeating: "-", count: widths[c] - stable[c]))
                : String(repeating: "-", count: widths[c])
        }
        var lines = [line(headers), line(rule)]
        lines.append(contentsOf: rows.enumerated().map { line($1, charts: cellCharts[$0]) })
        if shown < count {
            lines.append(
                "(\(count - shown) more column\(count - shown == 1 ? "" : "s") not shown: "
                    + headers[shown...].joined(separator: ", ") + ")")
        }
        return lines.joined(separator: "\n")
    }

    /// A cell's chart in Unicode and colour, at most `width` columns; nil to keep the text.
    static func draw(_ chart: Chart, width: Int) -> String? {
        switch chart {
        case .histogram(let h) where h.counts.count <= width: TerminalRenderer.sparkline(h.counts, style: .unicode)
        case .cellBar(let bar): TerminalRenderer.cellBar(bar, width: min(width, bar.cells), style: .unicode)
        default: nil
        }
    }

    /// Characters a cell shows: volatile markers take no room.
    static func visibleCount(_ text: String) -> Int {
        visibleCount(text, upTo: Int.max)
    }

    /// Characters a cell shows, counting no further than `limit`.
    static func visibleCount(_ text: String, upTo limit: Int) -> Int {
        var n = 0
        for c in text where c != Output.volatileStart && c != Output.volatileEnd {
            n += 1
            if n >= limit { break }
        }
        return n
    }

    /// Narrows the widest columns one character at a time, the first of equally wide ones first,
    /// down to `minimumWidth`, until the widths add up to `budget` — computed in one step: every
    /// column above a level comes down to it, and the few characters left come off the first
    /// columns at the level above.
    static func shrink(_ widths: inout [Int], toFit budget: Int) {
        let excess = widths.reduce(0, +) - budget
        guard excess > 0, let widest = widths.max(), widest > minimumWidth else { return }
        func removed(atLevel level: Int) -> Int { widths.reduce(0) { $0 + max(0, $1 - level) } }
        guard removed(atLevel: minimumWidth) > excess else {
            widths = widths.map { min($0, minimumWidth) }
            return
        }
        // The highest level whose removal covers the excess (binary search; removal falls as the level rises).
        var low = minimumWidth, high = widest
        while low < high {
            let mid = (low + high + 1) / 2
            if removed(atLevel: mid) >= excess { low = mid } else { high = mid - 1 }
        }
        var left = excess - removed(atLevel: low + 1)
        for i in widths.indices where widths[i] > low {
            widths[i] = low + 1
            if left > 0 {
                widths[i] = low
                left -= 1
            }
        }
    }

    /// `text` cut to `width` characters, ending in `…` when cut; newlines and tabs shown as spaces.
    /// A cut cell that held a volatile span is volatile as a whole: the cut may fall anywhere in
    /// it, and what is left must still be marked, or replay would compare a clock's time.
    static func fit(_ text: String, to width: Int) -> String {
        guard visibleCount(text, upTo: width + 1) > width else { return text }
        let volatile = text.contains(Output.volatileStart)
        var cut = ""
        var n = 0
        for c in text where c != Output.volatileStart && c != Output.volatileEnd {
            guard n < width - 1 else { break }
            cut.append(c == "\n" || c == "\t" || c == "\r" ? " " : c)
            n += 1
        }
        let shown = width > 1 ? cut + "…" : "…"
        return volatile ? Output.volatile(shown) : shown
    }

    /// A cell padded to its column: the padding of a cell that ends (or, right-aligned, starts)
    /// with a volatile span goes inside the span, so a value of another length next time changes
    /// nothing outside it.
    static func padded(_ text: String, _ pad: String, right: Bool) -> String {
        guard !pad.isEmpty else { return text }
        if right {
            return text.first == Output.volatileStart
                ? String(Output.volatileStart) + pad + text.dropFirst() : pad + text
        }
        return text.last == Output.volatileEnd ? text.dropLast() + pad + String(Output.volatileEnd) : text + pad
    }
}

/// Numbers as tables show them: up to `digits` significant decimals, no exponent for ordinary magnitudes.
func formatStatistic(_ x: Double, digits: Int = 4) -> String {
    guard x.isFinite else { return x.isNaN ? "" : (x > 0 ? "inf" : "-inf") }
    if x.rounded() == x && abs(x) < 1e15 { return String(Int64(x)) }
    let magnitude = abs(x)
    if magnitude >= 1e9 || magnitude < 1e-4 {
        return formatScientific(x, digits: digits)
    }
    let integerDigits = magnitude >= 1 ? Int(log10Floor(magnitude)) + 1 : 0
    let decimals = max(0, digits - integerDigits)
    return trimZeros(formatFixed(x, decimals: decimals))
}

private func log10Floor(_ x: Double) -> Double {
    var p = 0.0
    var v = x
    while v >= 10 {
        v /= 10
        p += 1
    }
    return p
}

/// Fixed-point formatting without Foundation's locale-dependent formatters.
func formatFixed(_ x: Double, decimals: Int) -> String {
    let scale = pow10(decimals)
    let scaled = (abs(x) * scale).rounded()
    guard scaled < 9.0e18 else { return String(x) }
    let n = UInt64(scaled)
    let s = UInt64(scale)
    let whole = n / s
    let fraction = n % s
    var text = (x < 0 && n != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let f = String(fraction)
        text += "." + String(repeating: "0", count: decimals - f.count) + f
    }
    return text
}

private func formatScientific(_ x: Double, digits: Int) -> String {
    var exponent = 0
    var m = abs(x)
    while m >= 10 {
        m /= 10
        exponent += 1
    }
    while m < 1 && m > 0 {
        m *= 10
        exponent -= 1
    }
    let mantissa = trimZeros(formatFixed(x < 0 ? -m : m, decimals: max(0, digits - 1)))
    return mantissa + "e" + (exponent < 0 ? "-" : "+") + String(abs(exponent))
}

private func pow10(_ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<n { r *= 10 }
    return r
}

private func trimZeros(_ s: String) -> String {
    guard s.contains(".") else { return s }
    var t = s
    while t.hasSuffix("0") { t.removeLast() }
    if t.hasSuffix(".") { t.removeLast() }
    return t
}
