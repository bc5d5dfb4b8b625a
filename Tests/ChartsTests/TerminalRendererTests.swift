import Testing
import Charts

@Suite struct TerminalRendererTests {
    @Test(arguments: SampleCharts.all.map(\.name), [40, 80, 120])
    func fitsTheWidth(name: String, width: Int) throws {
        let chart = try #require(SampleCharts.all.first { $0.name == name }?.chart)
        for style in [TerminalStyle.ascii, .unicode] {
            for line in TerminalRenderer.render(chart, style: style, width: width) {
                #expect(
                    TerminalRenderer.visibleWidth(line) <= max(width, 40),
                    "\(name) \(style): '\(line)' is wider than \(width)")
            }
        }
    }

    @Test(arguments: SampleCharts.all.map(\.name))
    func asciiIsPlain(name: String) throws {
        let chart = try #require(SampleCharts.all.first { $0.name == name }?.chart)
        let text = TerminalRenderer.render(chart, style: .ascii, width: 80).joined(separator: "\n")
        #expect(
            text.unicodeScalars.allSatisfy { $0.isASCII || $0 == "−" || $0 == "±" || $0 == "…" },
            "\(name) has non-ASCII characters:\n\(text)")
        #expect(!text.contains("\u{1B}"))
        let rich = TerminalRenderer.render(chart, style: .unicode, width: 80).joined(separator: "\n")
        #expect(rich.contains("\u{1B}["), "\(name) has no colour in Unicode style")
    }

    @Test func sparklineKeepsTheASCIILevels() {
        // The levels describe printed before charts existed: transcripts depend on them.
        #expect(TerminalRenderer.sparkline([0, 1, 2, 4, 8], style: .ascii) == " _.-#")
        #expect(TerminalRenderer.sparkline([0, 0], style: .ascii) == "  ")
        #expect(TerminalRenderer.visibleWidth(TerminalRenderer.sparkline([0, 1, 2, 4, 8], style: .unicode)) == 5)
    }

    @Test func rocCurveASCII() {
        let lines = TerminalRenderer.render(SampleCharts.roc, style: .ascii, width: 60)
        #expect(lines[0] == "ROC curve", "\(lines.joined(separator: "\n"))")
        #expect(
            lines.contains { $0.contains("* Adelie (AUC 0.990)   o Gentoo (AUC 1.000)") },
            "\(lines.joined(separator: "\n"))")
        // The chance line is drawn with dots, the curves with their markers.
        let body = lines.joined()
        #expect(body.contains(".") && body.contains("*") && body.contains("o"))
    }

    @Test func divergingBars() {
        let lines = TerminalRenderer.render(SampleCharts.contributions, style: .ascii, width: 80)
        let flipper = lines.first { $0.hasPrefix("flipper_length_mm") } ?? ""
        let depth = lines.first { $0.hasPrefix("bill_depth_mm") } ?? ""
        #expect(flipper.contains("|+"))
        #expect(depth.contains("-|"))
    }

    @Test func heatmapShadesByValue() {
        let lines = TerminalRenderer.render(SampleCharts.confusion, style: .ascii, width: 80)
        #expect(lines.contains { $0.hasPrefix("Adelie") && $0.contains("30#") })
        #expect(lines.contains { $0.hasPrefix("Chinstrap") && $0.contains("1 ") })
    }
}
