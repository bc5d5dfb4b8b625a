/// A chart as data: what to draw, not how. Commands build one; a renderer draws it as ASCII or
/// Unicode text for a terminal (`TerminalRenderer`) or as SVG for reports (`SVGRenderer`).
public enum Chart: Sendable, Equatable {
    /// Labelled horizontal bars (a leaderboard, feature importance, contributions, PSI).
    case bars(BarChart)
    /// A grid of shaded counts (a confusion matrix).
    case heatmap(Heatmap)
    /// Curves or points on two numeric axes (ROC, precision–recall, residuals).
    case xy(XYPlot)
    /// Bin counts between a minimum and a maximum.
    case histogram(Histogram)
    /// One bar inside a table cell, scaled against the largest magnitude in its column.
    case cellBar(CellBar)

    /// The chart's title ("" for charts drawn inside table cells).
    public var title: String {
        switch self {
        case .bars(let c): c.title
        case .heatmap(let c): c.title
        case .xy(let c): c.title
        case .histogram(let c): c.title
        case .cellBar: ""
        }
    }
}

/// One bar: a label, a value, and optional text shown beside it instead of the bare value.
public struct Bar: Sendable, Equatable {
    public var label: String
    public var value: Double
    public var detail: String?

    public init(_ label: String, _ value: Double, detail: String? = nil) {
        self.label = label
        self.value = value
        self.detail = detail
    }
}

/// Horizontal bars from zero; negative values extend to the left of the zero line.
public struct BarChart: Sendable, Equatable {
    public var title: String
    /// What the values measure, shown under the axis.
    public var valueLabel: String
    public var bars: [Bar]
    /// Bars to emphasise (e.g. candidates tied with the best).
    public var highlighted: Set<Int>

    public init(title: String, valueLabel: String, bars: [Bar], highlighted: Set<Int> = []) {
        self.title = title
        self.valueLabel = valueLabel
        self.bars = bars
        self.highlighted = highlighted
    }
}

/// A matrix of non-negative values with row and column labels, shaded by value.
public struct Heatmap: Sendable, Equatable {
    public var title: String
    public var rowTitle: String
    public var columnTitle: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `cells[row][column]`.
    public var cells: [[Double]]

    public init(
        title: String, rowTitle: String, columnTitle: String, rowLabels: [String], columnLabels: [String],
        cells: [[Double]]
    ) {
        self.title = title
        self.rowTitle = rowTitle
        self.columnTitle = columnTitle
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.cells = cells
    }
}

/// A point on an x–y plot.
public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// A named sequence of points drawn as a line or as dots.
public struct Series: Sendable, Equatable {
    public enum Style: Sendable, Equatable { case line, dots }

    public var name: String
    public var points: [Point]
    public var style: Style

    public init(name: String, points: [Point], style: Style = .line) {
        self.name = name
        self.points = points
        self.style = style
    }
}

/// Series on two numeric axes, with an optional reference line.
public struct XYPlot: Sendable, Equatable {
    public enum Reference: Sendable, Equatable {
        /// y = x (a ROC curve's chance line).
        case diagonal
        /// y = value across the plot (zero residual).
        case horizontal(Double)
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed axis ranges; nil fits the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var reference: Reference?

    public init(
        title: String, xLabel: String, yLabel: String, series: [Series],
        xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, reference: Reference? = nil
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.reference = reference
    }

    /// The ranges drawn: the fixed ones, else the data's (widened when flat), including the reference.
    public var ranges: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        func fit(_ values: [Double], extra: [Double]) -> ClosedRange<Double> {
            let all = values + extra
            guard var lo = all.min(), var hi = all.max() else { return 0...1 }
            if lo == hi {
                lo -= 1
                hi += 1
            }
            // A margin, so points at the extremes are not drawn on the axes.
            let margin = (hi - lo) * 0.04
            return (lo - margin)...(hi + margin)
        }
        var yExtra: [Double] = []
        if case .horizontal(let v)? = reference { yExtra.append(v) }
        return (xRange ?? fit(points.map(\.x), extra: []), yRange ?? fit(points.map(\.y), extra: yExtra))
    }
}

/// Counts of values in equal-width bins from `minimum` to `maximum`.
public struct Histogram: Sendable, Equatable {
    public var title: String
    public var minimum: Double
    public var maximum: Double
    public var counts: [Int]

    public init(title: String, minimum: Double, maximum: Double, counts: [Int]) {
        self.title = title
        self.minimum = minimum
        self.maximum = maximum
        self.counts = counts
    }
}

/// A bar in a table cell: `value` against `scale`, the largest magnitude in the column.
public struct CellBar: Sendable, Equatable {
    public var value: Double
    public var scale: Double
    /// Whether negative values are drawn (in another colour) rather than as empty.
    public var signed: Bool
    /// Characters a full bar takes in a terminal.
    public var cells: Int

    public init(value: Double, scale: Double, signed: Bool = false, cells: Int = 20) {
        self.value = value
        self.scale = scale
        self.signed = signed
        self.cells = cells
    }

    /// The bar's length as a fraction of the full cell, 0...1.
    public var fraction: Double {
        guard scale > 0, value.isFinite else { return 0 }
        let v = signed ? abs(value) : max(0, value)
        return min(1, v / scale)
    }
}
