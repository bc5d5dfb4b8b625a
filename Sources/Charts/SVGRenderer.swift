/// Draws charts as standalone SVG: fixed layout, generic fonts, no scripts and no external
/// resources, and the same bytes for the same chart (numbers are formatted without a locale).
public enum SVGRenderer {
    /// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
    public static let palette = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
    ]
    static let ink = "#222222"
    static let grid = "#e3e3e3"
    static let axis = "#555555"

    /// The chart as an `<svg>` element whose `id` is `id` (ids of its parts start with it).
    public static func render(_ chart: Chart, id: String) -> String {
        switch chart {
        case .bars(let c): bars(c, id: id)
        case .heatmap(let c): heatmap(c, id: id)
        case .xy(let c): xy(c, id: id)
        case .histogram(let c): histogram(c, id: id)
        case .cellBar(let c): cellBar(c, id: id)
        }
    }

    /// A tiny histogram for a table cell: no axes, 80 × 20.
    public static func sparkline(_ counts: [Int], id: String) -> String {
        let width = 80.0, height = 20.0
        var svg = open(id: id, width: width, height: height, title: "histogram", extraClass: "spark")
        let top = Double(counts.max() ?? 0)
        let step = width / Double(max(1, counts.count))
        for (i, c) in counts.enumerated() where c > 0 && top > 0 {
            let h = max(1, Double(c) / top * (height - 2))
            svg += rect(x: Double(i) * step + 0.5, y: height - h, width: step - 1, height: h, fill: palette[0])
        }
        return svg + "</svg>"
    }

    // MARK: parts

    static func open(id: String, width: Double, height: Double, title: String, extraClass: String = "chart") -> String {
        let w = ChartFormat.coordinate(width), h = ChartFormat.coordinate(height)
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(ChartFormat.escapeXML(id))\" class=\"\(extraClass)\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">"
        svg += "<title>\(ChartFormat.escapeXML(title))</title>"
        if extraClass == "chart" { svg += "<rect width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>" }
        return svg
    }

    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, extra: String = "") -> String {
        "<rect x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(max(0, width)))\" height=\"\(c(max(0, height)))\" fill=\"\(fill)\"\(extra)/>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, extra: String = "")
        -> String
    {
        "<line x1=\"\(c(x1))\" y1=\"\(c(y1))\" x2=\"\(c(x2))\" y2=\"\(c(y2))\" stroke=\"\(stroke)\"\(extra)/>"
    }

    static func text(_ s: String, x: Double, y: Double, anchor: String = "start", extra: String = "") -> String {
        "<text x=\"\(c(x))\" y=\"\(c(y))\" text-anchor=\"\(anchor)\" fill=\"\(ink)\"\(extra)>\(ChartFormat.escapeXML(s))</text>"
    }

    static func title(_ s: String, width: Double) -> String {
        text(s, x: width / 2, y: 20, anchor: "middle", extra: " font-size=\"14\" font-weight=\"bold\"")
    }

    static func c(_ x: Double) -> String { ChartFormat.coordinate(x) }

    /// Rough width of text at 12 px in a generic sans-serif face.
    static func textWidth(_ s: String) -> Double { Double(s.count) * 6.6 }

    static func clipped(_ s: String, to characters: Int) -> String {
        s.count <= characters ? s : String(s.prefix(max(1, characters - 1))) + "…"
    }

    // MARK: bars

    static func bars(_ chart: BarChart, id: String) -> String {
        let width = 640.0
        let rowHeight = 22.0
        let labels = chart.bars.map { clipped($0.label, to: 28) }
        let labelWidth = min(190, (labels.map(textWidth).max() ?? 40) + 12)
        let values = chart.bars.map { $0.value.isFinite ? $0.value : 0 }
        let detailWidth = min(
            150, (chart.bars.map { textWidth($0.detail ?? ChartFormat.label($0.value)) }.max() ?? 30) + 12)
        let left = labelWidth, right = width - detailWidth
        let top = 40.0
        let height = top + rowHeight * Double(chart.bars.count) + 48
        let lo = min(0, values.min() ?? 0), hi = max(0, values.max() ?? 0)
        let span = hi - lo > 0 ? hi - lo : 1
        func x(_ v: Double) -> Double { left + (v - lo) / span * (right - left) }
        var svg = open(id: id, width: width, height: height, title: chart.title)
        svg += title(chart.title, width: width)
        let bottom = top + rowHeight * Double(chart.bars.count)
        for t in ChartFormat.ticks(lo...hi, count: 5) {
            svg += line(x(t), top, x(t), bottom, stroke: grid)
            svg += text(ChartFormat.label(t), x: x(t), y: bottom + 16, anchor: "middle", extra: " font-size=\"11\"")
        }
        svg += "<g class=\"bars\">"
        for (i, bar) in chart.bars.enumerated() {
            let y = top + rowHeight * Double(i)
            let v = values[i]
            let x0 = x(min(0, v)), x1 = x(max(0, v))
            let fill =
                v < 0
                ? palette[1] : (chart.highlighted.isEmpty || chart.highlighted.contains(i) ? palette[0] : "#9db9d3")
            svg += text(labels[i], x: left - 8, y: y + 15, anchor: "end")
            svg += rect(x: x0, y: y + 4, width: max(1, x1 - x0), height: rowHeight - 8, fill: fill)
            svg += text(bar.detail ?? ChartFormat.label(bar.value), x: right + 6, y: y + 15, extra: " font-size=\"11\"")
        }
        svg += "</g>"
        svg += line(x(0), top, x(0), bottom, stroke: axis)
        svg += text(chart.valueLabel, x: (left + right) / 2, y: bottom + 36, anchor: "middle")
        return svg + "</svg>"
    }

    // MARK: heatmap

    /// White (0) to dark blue (the largest value).
    static func shade(_ t: Double) -> String {
        let from = (247.0, 251.0, 255.0), to = (8.0, 48.0, 107.0)
        let u = min(1, max(0, t.isFinite ? t : 0))
        func hex(_ a: Double, _ b: Double) -> String {
            let v = Int((a + (b - a) * u).rounded())
            let digits = Array("0123456789abcdef")
            return String([digits[v / 16], digits[v % 16]])
        }
        return "#" + hex(from.0, to.0) + hex(from.1, to.1) + hex(from.2, to.2)
    }

    static func heatmap(_ chart: Heatmap, id: String) -> String {
        let columns = max(1, chart.columnLabels.count), rows = max(1, chart.rowLabels.count)
        let cell = min(64, max(28, 440 / Double(columns)))
        let rowLabels = chart.rowLabels.map { clipped($0, to: 20) }
        let columnLabels = chart.columnLabels.map { clipped($0, to: Int(cell / 6.6)) }
        let labelWidth = (rowLabels.map(textWidth).max() ?? 40) + 34
        let top = 70.0, left = labelWidth
        let width = max(360, left + cell * Double(columns) + 110)
        let height = top + cell * Double(rows) + 50
        let maximum = chart.cells.flatMap { $0 }.filter(\.isFinite).max() ?? 0
        var svg = open(id: id, width: width, height: height, title: chart.title)
        svg += title(chart.title, width: width)
        svg += text(
            chart.columnTitle, x: left + cell * Double(columns) / 2, y: 40, anchor: "middle",
            extra: " font-style=\"italic\"")
        for (j, label) in columnLabels.enumerated() {
            svg += text(label, x: left + cell * (Double(j) + 0.5), y: top - 8, anchor: "middle")
        }
        let rowTitleY = top + cell * Double(rows) / 2
        svg += text(
            chart.rowTitle, x: 14, y: rowTitleY, anchor: "middle",
            extra: " font-style=\"italic\" transform=\"rotate(-90 14 \(c(rowTitleY)))\"")
        svg += "<g class=\"cells\">"
        for (i, label) in rowLabels.enumerated() {
            let y = top + cell * Double(i)
            svg += text(label, x: left - 8, y: y + cell / 2 + 4, anchor: "end")
            for j in 0..<columns {
                let v = i < chart.cells.count && j < chart.cells[i].count ? chart.cells[i][j] : 0
                let t = maximum > 0 ? v / maximum : 0
                svg += rect(x: left + cell * Double(j), y: y, width: cell - 1, height: cell - 1, fill: shade(t))
                let colour = t > 0.5 ? "#ffffff" : ink
                svg +=
                    "<text x=\"\(c(left + cell * (Double(j) + 0.5)))\" y=\"\(c(y + cell / 2 + 4))\" text-anchor=\"middle\" fill=\"\(colour)\">\(ChartFormat.escapeXML(ChartFormat.label(v)))</text>"
            }
        }
        svg += "</g>"
        // Legend: the shade scale from 0 to the largest value.
        let legendX = left + cell * Double(columns) + 24
        for k in 0..<10 {
            svg += rect(x: legendX, y: top + Double(9 - k) * 12, width: 14, height: 12, fill: shade(Double(k) / 9))
        }
        svg += text(ChartFormat.label(maximum), x: legendX + 20, y: top + 10, extra: " font-size=\"11\"")
        svg += text("0", x: legendX + 20, y: top + 118, extra: " font-size=\"11\"")
        return svg + "</svg>"
    }

    // MARK: x–y

    static func xy(_ chart: XYPlot, id: String) -> String {
        let width = 640.0, height = 420.0
        let hasLegend = chart.series.count > 1 || chart.series.contains { !$0.name.isEmpty }
        let legendWidth =
            hasLegend ? min(200, (chart.series.map { textWidth(clipped($0.name, to: 26)) }.max() ?? 0) + 40) : 0
        let left = 64.0, right = width - 16 - legendWidth, top = 36.0, bottom = height - 52
        let (xr, yr) = chart.ranges
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * (right - left) }
        func py(_ y: Double) -> Double {
            bottom - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (bottom - top)
        }
        var svg = open(id: id, width: width, height: height, title: chart.title)
        svg += title(chart.title, width: width)
        svg += "<g class=\"grid\">"
        for t in ChartFormat.ticks(xr) {
            svg += line(px(t), top, px(t), bottom, stroke: grid)
            svg += text(ChartFormat.label(t), x: px(t), y: bottom + 16, anchor: "middle", extra: " font-size=\"11\"")
        }
        for t in ChartFormat.ticks(yr) {
            svg += line(left, py(t), right, py(t), stroke: grid)
            svg += text(ChartFormat.label(t), x: left - 6, y: py(t) + 4, anchor: "end", extra: " font-size=\"11\"")
        }
        svg += "</g>"
        svg += line(left, bottom, right, bottom, stroke: axis) + line(left, top, left, bottom, stroke: axis)
        svg += text(chart.xLabel, x: (left + right) / 2, y: height - 14, anchor: "middle")
        let midY = (top + bottom) / 2
        svg += text(chart.yLabel, x: 16, y: midY, anchor: "middle", extra: " transform=\"rotate(-90 16 \(c(midY)))\"")
        switch chart.reference {
        case .diagonal?:
            let lo = max(xr.lowerBound, yr.lowerBound), hi = min(xr.upperBound, yr.upperBound)
            if lo < hi {
                svg += line(px(lo), py(lo), px(hi), py(hi), stroke: "#888888", extra: " stroke-dasharray=\"4 4\"")
            }
        case .horizontal(let v)?:
            svg += line(left, py(v), right, py(v), stroke: "#888888", extra: " stroke-dasharray=\"4 4\"")
        case nil:
            break
        }
        svg += "<g class=\"series\">"
        for (k, series) in chart.series.enumerated() {
            let colour = palette[k % palette.count]
            let points = series.points.filter { $0.x.isFinite && $0.y.isFinite }
            switch series.style {
            case .line:
                var coordinates: [String] = []
                for p in points {
                    let s = c(px(p.x)) + "," + c(py(p.y))
                    if coordinates.last != s { coordinates.append(s) }
                }
                svg +=
                    "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\"/>"
            case .dots:
                // Thousands of dots add nothing a sample does not show; keep every k-th, deterministically.
                let stride = max(1, points.count / 4000)
                svg += "<g fill=\"\(colour)\" fill-opacity=\"0.6\">"
                for (i, p) in points.enumerated() where i % stride == 0 {
                    svg += "<circle cx=\"\(c(px(p.x)))\" cy=\"\(c(py(p.y)))\" r=\"2.5\"/>"
                }
                svg += "</g>"
            }
        }
        svg += "</g>"
        if hasLegend {
            svg += "<g class=\"legend\">"
            for (k, series) in chart.series.enumerated() {
                let y = top + 8 + Double(k) * 20
                let colour = palette[k % palette.count]
                svg +=
                    series.style == .line
                    ? line(right + 16, y, right + 36, y, stroke: colour, extra: " stroke-width=\"3\"")
                    : "<circle cx=\"\(c(right + 26))\" cy=\"\(c(y))\" r=\"4\" fill=\"\(colour)\"/>"
                svg += text(clipped(series.name, to: 26), x: right + 42, y: y + 4)
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    // MARK: histogram

    static func histogram(_ chart: Histogram, id: String) -> String {
        let width = 480.0, height = 260.0
        let left = 56.0, right = width - 16, top = 36.0, bottom = height - 44
        let top_ = Double(chart.counts.max() ?? 0)
        let yr = 0...max(1, top_)
        let xr =
            chart.minimum < chart.maximum ? chart.minimum...chart.maximum : (chart.minimum - 1)...(chart.maximum + 1)
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * (right - left) }
        func py(_ y: Double) -> Double {
            bottom - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (bottom - top)
        }
        var svg = open(id: id, width: width, height: height, title: chart.title)
        svg += title(chart.title, width: width)
        for t in ChartFormat.ticks(yr, count: 4) {
            svg += line(left, py(t), right, py(t), stroke: grid)
            svg += text(ChartFormat.label(t), x: left - 6, y: py(t) + 4, anchor: "end", extra: " font-size=\"11\"")
        }
        let step = (right - left) / Double(max(1, chart.counts.count))
        svg += "<g class=\"bins\">"
        for (i, count) in chart.counts.enumerated() where count > 0 {
            svg += rect(
                x: left + step * Double(i) + 0.5, y: py(Double(count)), width: step - 1,
                height: bottom - py(Double(count)), fill: palette[0])
        }
        svg += "</g>"
        svg += line(left, bottom, right, bottom, stroke: axis)
        for t in ChartFormat.ticks(xr, count: 5) {
            svg += line(px(t), bottom, px(t), bottom + 4, stroke: axis)
            svg += text(ChartFormat.label(t), x: px(t), y: bottom + 16, anchor: "middle", extra: " font-size=\"11\"")
        }
        svg += text(
            "count", x: 14, y: (top + bottom) / 2, anchor: "middle",
            extra: " transform=\"rotate(-90 14 \(c((top + bottom) / 2)))\"")
        return svg + "</svg>"
    }

    // MARK: cell bar

    static func cellBar(_ bar: CellBar, id: String) -> String {
        let width = 100.0, height = 12.0
        var svg = open(id: id, width: width, height: height, title: ChartFormat.label(bar.value), extraClass: "cellbar")
        let fill = bar.signed && bar.value < 0 ? palette[1] : palette[0]
        svg += rect(
            x: 0, y: 1, width: max(bar.fraction > 0 ? 1 : 0, bar.fraction * width), height: height - 2, fill: fill)
        return svg + "</svg>"
    }
}
