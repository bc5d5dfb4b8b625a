import Foundation
import Testing
import TestSupport
import Charts

/// The SVG generator's output is compared byte for byte with committed goldens in Fixtures/.
/// After an intended change, `WORKBENCH_RECORD=1 swift test --filter SVGGolden` rewrites them.
@Suite struct SVGGoldenTests {
    static let fixtures = testsPath("ChartsTests/Fixtures")

    @Test(arguments: SampleCharts.all.map(\.name))
    func matchesGolden(name: String) throws {
        let chart = try #require(SampleCharts.all.first { $0.name == name }?.chart)
        let svg = SVGRenderer.render(chart, id: "chart-\(name)") + "\n"
        let path = SVGGoldenTests.fixtures + "/\(name).svg"
        if ProcessInfo.processInfo.environment["WORKBENCH_RECORD"] == "1" {
            try Data(svg.utf8).write(to: URL(fileURLWithPath: path))
            Issue.record("recorded new baseline \(path)")
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        expectSameLines(
            svg, expected, "SVG of \(name) differs from \(path); re-record with WORKBENCH_RECORD=1 if intended")
    }

    @Test(arguments: SampleCharts.all.map(\.name))
    func deterministicAndWellFormed(name: String) throws {
        let chart = try #require(SampleCharts.all.first { $0.name == name }?.chart)
        let svg = SVGRenderer.render(chart, id: "c")
        #expect(svg == SVGRenderer.render(chart, id: "c"))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"c\""))
        #expect(!svg.contains("<script"))
        #expect(
            !svg.contains("http://") || svg.components(separatedBy: "http://").count == 2,
            "only the SVG namespace may be a URL")
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        try checkBalanced(svg)
    }

    @Test func textIsEscaped() {
        let svg = SVGRenderer.render(SampleCharts.contributions, id: "x\"y")
        #expect(svg.contains("island &lt;Biscoe&gt; &amp; &quot;quoted&quot;"))
        #expect(svg.contains("id=\"x&quot;y\""))
    }

    @Test func sparklineAndCellBar() throws {
        let spark = SVGRenderer.sparkline([0, 2, 4], id: "s")
        #expect(spark.components(separatedBy: "<rect").count == 3)
        try checkBalanced(spark)
        let bar = SVGRenderer.render(.cellBar(CellBar(value: 0.5, scale: 1)), id: "b")
        #expect(bar.contains("width=\"50\""))
    }

    @Test func ticksAreRound() {
        #expect(
            ChartFormat.ticks(0...1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]
                || ChartFormat.ticks(0...1).map { ChartFormat.label($0) } == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        #expect(ChartFormat.ticks(-31...41).map { ChartFormat.label($0) } == ["-20", "0", "20", "40"])
        #expect(ChartFormat.label(0.98765) == "0.988")
        #expect(ChartFormat.label(1234.5) == "1235" || ChartFormat.label(1234.5) == "1234")
        #expect(ChartFormat.coordinate(-0.04) == "0")
    }

    /// Every opened element is closed in order (a small well-formedness check without an XML parser).
    func checkBalanced(_ svg: String) throws {
        var stack: [String] = []
        var rest = Substring(svg)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else {
                Issue.record("unclosed tag")
                return
            }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            let name = tag.split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
            if tag.hasPrefix("/") {
                let closing = String(tag.dropFirst())
                #expect(stack.popLast() == closing, "</\(closing)> closes the wrong element")
            } else if !tag.hasSuffix("/") {
                stack.append(name)
            }
        }
        #expect(stack.isEmpty, "unclosed elements: \(stack)")
    }
}
