import Testing
@testable import Workbench

/// Volatile values stay marked through table cutting and padding (issue 23, item 2): a `runs`
/// table in a narrow terminal replays after the clock has moved on.
@Suite("Volatile values in tables")
struct VolatileTableTests {
    private func runsTable(when: String, fitTime: String) -> TextTable {
        var table = TextTable(
            headers: ["id", "kind", "algorithm", "data", "target", "score", "fit time", "when"],
            alignments: [.right, .left, .left, .left, .left, .right, .right, .left])
        table.add([
            "1", "train", "forest", "penguins_train", "species", "0.991", Output.volatile(fitTime),
            Output.volatile(when),
        ])
        table.add([
            "2", "compare", "boost", "penguins_train", "species", "0.985", Output.volatile("1.2 s"),
            Output.volatile(when),
        ])
        return table
    }

    private func transcriptLines(_ table: TextTable, width: Int) -> [String] {
        var output = Output()
        output.append(table, width: width)
        return output.transcriptLines.map(Transcript.normalized)
    }

    @Test(arguments: [40, 60, 80, 120])
    func aRunsTableReplaysAfterTheClockChanges(width: Int) {
        let before = transcriptLines(runsTable(when: "2026-12-05 07:59", fitTime: "12 ms"), width: width)
        let after = transcriptLines(runsTable(when: "2026-12-05 08:00", fitTime: "9 ms"), width: width)
        #expect(before == after, "\(before)\n\(after)")
    }

    @Test func aCutVolatileCellIsVolatileWhole() {
        let cut = TextTable.fit("at " + Output.volatile("2026-12-05 07:59:31"), to: 10)
        #expect(Output.markersAsBraces(cut) == "{{at 2026-1…}}")
        #expect(TextTable.fit("plain text that is long", to: 10) == "plain tex…")
    }

    @Test func paddingGoesInsideAVolatileSpanAndNoLineEndsInSpaces() {
        #expect(Output.markersAsBraces(TextTable.padded(Output.volatile("9 ms"), "  ", right: false)) == "{{9 ms  }}")
        #expect(Output.markersAsBraces(TextTable.padded(Output.volatile("9 ms"), "  ", right: true)) == "{{  9 ms}}")
        #expect(TextTable.padded("a", "  ", right: false) == "a  ")
        var table = TextTable(headers: ["when", "x"])
        table.add([Output.volatile("07:59"), "1"])
        table.add(["-", "2"])
        var narrow = TextTable(headers: ["x", "when"])
        narrow.add(["1", Output.volatile("7:59")])
        narrow.add(["2", Output.volatile("12:59:59")])
        for line in narrow.render(width: 80).split(separator: "\n") {
            #expect(!Output.stripMarkers(String(line)).hasSuffix(" "), "\(line)")
        }
    }
}
