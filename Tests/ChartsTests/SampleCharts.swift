import Charts

/// Small fixed charts of every kind, shared by the golden and terminal tests.
enum SampleCharts {
    static let leaderboard = Chart.bars(
        BarChart(
            title: "Cross-validated accuracy", valueLabel: "accuracy (mean of 5 folds)",
            bars: [
                Bar("linear", 0.988, detail: "0.988 ± 0.012"), Bar("knn", 0.985, detail: "0.985 ± 0.015"),
                Bar("forest", 0.971, detail: "0.971 ± 0.020"), Bar("baseline", 0.442, detail: "0.442 ± 0.007"),
            ],
            highlighted: [0, 1]))

    static let contributions = Chart.bars(
        BarChart(
            title: "Why m predicted Gentoo", valueLabel: "contribution (log-odds)",
            bars: [
                Bar("flipper_length_mm", 2.31), Bar("bill_depth_mm", -1.25), Bar("island <Biscoe> & \"quoted\"", 0.4),
                Bar("sex", -0.05),
            ]))

    static let confusion = Chart.heatmap(
        Heatmap(
            title: "Confusion matrix", rowTitle: "true class", columnTitle: "predicted class",
            rowLabels: ["Adelie", "Chinstrap", "Gentoo"], columnLabels: ["Adelie", "Chinstrap", "Gentoo"],
            cells: [[30, 0, 0], [1, 13, 0], [0, 0, 25]]))

    static let roc = Chart.xy(
        XYPlot(
            title: "ROC curve", xLabel: "false positive rate", yLabel: "true positive rate",
            series: [
                Series(
                    name: "Adelie (AUC 0.990)",
                    points: [Point(0, 0), Point(0, 0.6), Point(0.1, 0.9), Point(0.3, 1), Point(1, 1)]),
                Series(name: "Gentoo (AUC 1.000)", points: [Point(0, 0), Point(0, 1), Point(1, 1)]),
            ],
            xRange: 0...1, yRange: 0...1, reference: .diagonal))

    static let residuals = Chart.xy(
        XYPlot(
            title: "Residuals versus predictions", xLabel: "predicted", yLabel: "residual (true − predicted)",
            series: [
                Series(
                    name: "",
                    points: [
                        Point(80, 12), Point(120, -30.5), Point(150, 4), Point(210, 40), Point(260, -12), Point(300, 0),
                    ], style: .dots)
            ],
            reference: .horizontal(0)))

    static let histogram = Chart.histogram(
        Histogram(
            title: "bill_length_mm", minimum: 32.1, maximum: 59.6, counts: [3, 12, 40, 55, 41, 60, 70, 40, 15, 6]))

    static let all: [(name: String, chart: Chart)] = [
        ("leaderboard", leaderboard), ("contributions", contributions), ("confusion", confusion),
        ("roc", roc), ("residuals", residuals), ("histogram", histogram),
    ]
}
