/// How charts are drawn in a terminal.
public enum TerminalStyle: Sendable, Equatable {
    /// Plain ASCII, no colour: transcripts, pipes, `NO_COLOR`, `TERM=dumb`. Byte-stable.
    case ascii
    /// Unicode block and braille characters with ANSI colour.
    case unicode
}

/// Draws charts as lines of terminal text no wider than a given width.
public enum TerminalRenderer {
    /// ANSI 256-colour codes in the order of `SVGRenderer.palette`.
    static let colours = [33, 202, 35, 170, 214, 117, 226, 250]
    static let reset = "\u{1B}[0m"

    static func colour(_ code: Int, _ text: String) -> String { "\u{1B}[38;5;\(code)m" + text + reset }

    public static func render(_ chart: Chart, style: TerminalStyle, width: Int) -> [String] {
        switch chart {
        case .bars(let c): bars(c, style: style, width: width)
        case .heatmap(let c): heatmap(c, style: style, width: width)
        case .xy(let c): xy(c, style: style, width: width)
        case .histogram(let c): histogram(c, style: style, width: width)
        case .cellBar(let c): [cellBar(c, width: min(width, 20), style: style)]
        }
    }

    // MARK: inline (table cells)

    /// Bin heights as one character each: `_.:-=+*#` in ASCII, `▁▂▃▄▅▆▇█` in Unicode; empty bins blank.
    public static func sparkline(_ counts: [Int], style: TerminalStyle) -> String {
        let levels: [Character] =
            style == .ascii ? ["_", ".", ":", "-", "=", "+", "*", "#"] : ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        guard let top = counts.max(), top > 0 else { return String(repeating: " ", count: counts.count) }
        let text = String(
            counts.map { c in
                c == 0 ? " " : levels[min(levels.count - 1, (c * levels.count - 1) / top)]
            })
        return style == .ascii ? text : colour(colours[0], text)
    }

    /// A bar of at most `width` cells: `#` in ASCII (`-` for negative signed values), eighth
    /// blocks in colour in Unicode. Its visible length is the bar, not padded.
    public static func cellBar(_ bar: CellBar, width: Int, style: TerminalStyle) -> String {
        let length = bar.fraction * Double(width)
        let negative = bar.signed && bar.value < 0
        switch style {
        case .ascii:
            let n = Int(length.rounded())
            return String(repeating: negative ? "-" : (bar.signed ? "+" : "#"), count: n)
        case .unicode:
            let blocks = blocks(length)
            guard !blocks.isEmpty else { return "" }
            return colour(negative ? colours[1] : colours[0], blocks)
        }
    }

    /// `length` cells of full blocks ending in a partial eighth block.
    static func blocks(_ length: Double) -> String {
        let eighths = Int((length * 8).rounded())
        let partial: [String] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: eighths / 8) + partial[eighths % 8]
    }

    /// Columns a string takes on screen: ANSI colour sequences take none.
    public static func visibleWidth(_ s: String) -> Int {
        var n = 0
        var inEscape = false
        for scalar in s.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
                continue
            }
            if scalar == "\u{1B}" {
                inEscape = true
                continue
            }
            n += 1
        }
        return n
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let n = s.count
        if n >= width { return n == width ? s : String(s.prefix(max(0, width - 1))) + "…" }
        let space = String(repeating: " ", count: width - n)
        return right ? space + s : s + space
    }

    // MARK: bars

    static func bars(_ chart: BarChart, style: TerminalStyle, width: Int) -> [String] {
        var lines = [pad(chart.title, width)]
        let details = chart.bars.map { $0.detail ?? ChartFormat.label($0.value) }
        let detailWidth = details.map(\.count).max() ?? 0
        let diverging = chart.bars.contains { $0.value < 0 }
        // Bars get what labels and values leave, at least 8 cells; labels give way first.
        var labelWidth = min(24, chart.bars.map(\.label.count).max() ?? 0)
        let marked = style == .ascii && !chart.highlighted.isEmpty
        let spare = width - detailWidth - 4 - (diverging ? 1 : 0) - (marked ? 2 : 0)
        if spare - labelWidth < 8 { labelWidth = max(6, spare - 8) }
        let barWidth = max(4, min(50, spare - labelWidth))
        let values = chart.bars.map { $0.value.isFinite ? $0.value : 0 }
        let hasNegative = diverging
        let scale = values.map(abs).max() ?? 0
        for (i, bar) in chart.bars.enumerated() {
            let v = values[i]
            let cell = CellBar(value: v, scale: scale, signed: hasNegative)
            var drawn: String
            if hasNegative {
                // Diverging: negative bars grow left from a centre line, positive ones right.
                let half = barWidth / 2
                let b = cellBar(cell, width: half, style: style)
                let gap = String(repeating: " ", count: max(0, half - visibleWidth(b)))
                let axis = style == .ascii ? "|" : "│"
                drawn =
                    v < 0
                    ? gap + b + axis + String(repeating: " ", count: half)
                    : String(repeating: " ", count: half) + axis + b + gap
            } else {
                let b = cellBar(cell, width: barWidth, style: style)
                drawn = b + String(repeating: " ", count: max(0, barWidth - visibleWidth(b)))
            }
            let emphasised = !chart.highlighted.isEmpty && chart.highlighted.contains(i)
            let label = pad(bar.label, labelWidth)
            lines.append(label + "  " + drawn + "  " + details[i] + (emphasised && style == .ascii ? " *" : ""))
        }
        if !chart.valueLabel.isEmpty {
            let indent = max(0, min(labelWidth + 2, width - chart.valueLabel.count))
            lines.append(String(repeating: " ", count: indent) + pad(chart.valueLabel, width - indent))
        }
        return lines.map(trimRight)
    }

    /// `s` (cut to `width`) with enough spaces before it to centre it in `width` columns.
    static func centred(_ s: String, in width: Int) -> String {
        let core = s.count > width ? pad(s, width) : s
        return String(repeating: " ", count: max(0, (width - core.count) / 2)) + core
    }

    static func trimRight(_ s: String) -> String {
        var t = s
        while t.hasSuffix(" ") { t.removeLast() }
        return t
    }

    // MARK: heatmap

    /// 256-colour backgrounds from white to dark blue.
    static let shades = [231, 195, 153, 111, 68, 25, 18]

    static func heatmap(_ chart: Heatmap, style: TerminalStyle, width: Int) -> [String] {
        let values = chart.cells.map { $0.map(ChartFormat.label) }
        let columns = max(1, chart.columnLabels.count)
        let valueWidth = (values.flatMap { $0 }.map(\.count).max() ?? 1) + 2
        let labelWidth = min(
            20, max(chart.rowTitle.count + 2, chart.rowLabels.map(\.count).max() ?? 0), max(6, width / 3))
        // Cells as wide as their labels when there is room, never narrower than their numbers.
        let wanted = max(valueWidth, (chart.columnLabels.map(\.count).max() ?? 0) + 2)
        let cellWidth = max(valueWidth, min(wanted, (width - labelWidth) / columns))
        let maximum = chart.cells.flatMap { $0 }.filter(\.isFinite).max() ?? 0
        let asciiShades: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#"]
        var lines = [
            pad(chart.title, width),
            String(repeating: " ", count: labelWidth) + " " + chart.columnTitle + (style == .ascii ? " ->" : " →"),
        ]
        lines.append(
            pad(chart.rowTitle + (style == .ascii ? " v" : " ↓"), labelWidth)
                + chart.columnLabels.map { pad($0, cellWidth, right: true) }.joined())
        for (i, label) in chart.rowLabels.enumerated() {
            var line = pad(label, labelWidth)
            for j in chart.columnLabels.indices {
                let v = i < chart.cells.count && j < chart.cells[i].count ? chart.cells[i][j] : 0
                let t = maximum > 0 ? max(0, min(1, v / maximum)) : 0
                let text = j < values[i].count ? values[i][j] : ""
                switch style {
                case .ascii:
                    let mark = asciiShades[
                        min(asciiShades.count - 1, Int((t * Double(asciiShades.count - 1)).rounded()))]
                    line += pad(text, cellWidth - 1, right: true) + String(mark)
                case .unicode:
                    let shade = shades[min(shades.count - 1, Int((t * Double(shades.count - 1)).rounded()))]
                    let foreground = t > 0.5 ? 231 : 16
                    line += " \u{1B}[48;5;\(shade);38;5;\(foreground)m" + pad(text, cellWidth - 1, right: true) + reset
                }
            }
            lines.append(line)
        }
        return lines.map(trimRight)
    }

    // MARK: x–y

    static let asciiMarkers: [Character] = ["*", "o", "+", "x", "@", "%", "&", "$"]

    static func xy(_ chart: XYPlot, style: TerminalStyle, width: Int) -> [String] {
        let (xr, yr) = chart.ranges
        let rows = 16
        // Round tick values on the rows nearest to them, plus the ends when no tick is there.
        var rowLabels: [Int: String] = [:]
        for t in ChartFormat.ticks(yr, count: 4) {
            let r = Int(((yr.upperBound - t) / (yr.upperBound - yr.lowerBound) * Double(rows - 1)).rounded())
            if (0..<rows).contains(r), rowLabels[r] == nil, rowLabels[r - 1] == nil, rowLabels[r + 1] == nil {
                rowLabels[r] = ChartFormat.label(t)
            }
        }
        let gutter = (rowLabels.values.map(\.count).max() ?? 1) + 1
        let columns = max(20, min(72, width - gutter - 2))
        var canvas = Canvas(columns: columns, rows: rows, style: style)
        func dot(_ p: Point) -> (Int, Int)? {
            guard p.x.isFinite, p.y.isFinite else { return nil }
            let fx = (p.x - xr.lowerBound) / (xr.upperBound - xr.lowerBound)
            let fy = (p.y - yr.lowerBound) / (yr.upperBound - yr.lowerBound)
            guard (-0.001...1.001).contains(fx), (-0.001...1.001).contains(fy) else { return nil }
            let x = Int((fx * Double(canvas.dotColumns - 1)).rounded())
            let y = Int(((1 - fy) * Double(canvas.dotRows - 1)).rounded())
            return (min(max(0, x), canvas.dotColumns - 1), min(max(0, y), canvas.dotRows - 1))
        }
        switch chart.reference {
        case .diagonal?:
            let lo = max(xr.lowerBound, yr.lowerBound), hi = min(xr.upperBound, yr.upperBound)
            if lo < hi, let a = dot(Point(lo, lo)), let b = dot(Point(hi, hi)) {
                canvas.segment(a, b, series: -1, dotted: true)
            }
        case .horizontal(let v)?:
            if let a = dot(Point(xr.lowerBound, v)), let b = dot(Point(xr.upperBound, v)) {
                canvas.segment(a, b, series: -1, dotted: true)
            }
        case nil:
            break
        }
        for (k, series) in chart.series.enumerated() {
            var previous: (Int, Int)?
            for p in series.points {
                guard let d = dot(p) else {
                    previous = nil
                    continue
                }
                if series.style == .line, let previous {
                    canvas.segment(previous, d, series: k, dotted: false)
                } else {
                    canvas.set(d, series: k)
                }
                previous = d
            }
        }
        var lines = [
            pad(chart.title, width),
            String(repeating: " ", count: gutter) + (style == .ascii ? "^ " : "↑ ")
                + pad(chart.yLabel, max(4, width - gutter - 2)),
        ]
        let body = canvas.lines()
        for (r, text) in body.enumerated() {
            let label = rowLabels[r] ?? ""
            lines.append(pad(label, gutter - 1, right: true) + " " + (style == .ascii ? "|" : "│") + text)
        }
        lines.append(
            String(repeating: " ", count: gutter)
                + (style == .ascii
                    ? "+" + String(repeating: "-", count: columns) : "└" + String(repeating: "─", count: columns)))
        var axis = Array(repeating: Character(" "), count: columns + 1)
        var used = -2
        for t in ChartFormat.ticks(xr, count: 5) {
            let text = ChartFormat.label(t)
            let centre =
                Int(((t - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * Double(columns - 1)).rounded()) + 1
            let start = max(0, min(columns + 1 - text.count, centre - text.count / 2))
            // Labels never touch: at least one space between them.
            guard start > used + 1 else { continue }
            for (i, ch) in text.enumerated() { axis[start + i] = ch }
            used = start + text.count - 1
        }
        lines.append(String(repeating: " ", count: gutter) + String(axis))
        lines.append(String(repeating: " ", count: gutter) + centred(chart.xLabel, in: columns))
        if chart.series.count > 1 || chart.series.contains(where: { !$0.name.isEmpty }) {
            // Entries wrap onto more lines rather than run past the width.
            var line = String(repeating: " ", count: gutter)
            var used = gutter
            for (k, s) in chart.series.enumerated() {
                let mark =
                    style == .ascii
                    ? String(asciiMarkers[k % asciiMarkers.count])
                    : colour(colours[k % colours.count], s.style == .line ? "━━" : "●")
                let limit = max(4, width - gutter - 3)
                let name = s.name.count > limit ? pad(s.name, limit) : s.name
                let entryWidth = visibleWidth(mark) + 1 + name.count
                if used > gutter && used + 3 + entryWidth > width {
                    lines.append(line)
                    line = String(repeating: " ", count: gutter)
                    used = gutter
                }
                if used > gutter {
                    line += "   "
                    used += 3
                }
                line += mark + " " + name
                used += entryWidth
            }
            lines.append(line)
        }
        return lines.map(trimRight)
    }

    // MARK: histogram

    static func histogram(_ chart: Histogram, style: TerminalStyle, width: Int) -> [String] {
        let rows = 6
        let top = chart.counts.max() ?? 0
        let binWidth = max(1, min(6, (width - 8) / max(1, chart.counts.count)))
        var lines = [pad(chart.title, width)]
        for r in stride(from: rows - 1, through: 0, by: -1) {
            var line = r == rows - 1 ? pad(String(top), 6, right: true) + " " : String(repeating: " ", count: 7)
            for c in chart.counts {
                let height = top > 0 ? Double(c) / Double(top) * Double(rows) : 0
                let fill = height - Double(r)
                let ch: String
                if fill >= 1 {
                    ch = style == .ascii ? "#" : "█"
                } else if fill > 0 {
                    ch =
                        style == .ascii
                        ? (fill >= 0.5 ? "#" : ".") : ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"][min(7, Int(fill * 8))]
                } else {
                    ch = " "
                }
                let cell = String(repeating: ch, count: binWidth)
                line += style == .unicode && ch != " " ? colour(colours[0], cell) : cell
            }
            lines.append(line)
        }
        let span = binWidth * chart.counts.count
        let lo = ChartFormat.label(chart.minimum), hi = ChartFormat.label(chart.maximum)
        lines.append(
            String(repeating: " ", count: 7) + lo + String(repeating: " ", count: max(1, span - lo.count - hi.count))
                + hi)
        return lines.map(trimRight)
    }
}
