import Foundation
import Testing
import TestSupport
@testable import Tabular

/// The reader streams a file a window at a time (never holding it whole): whatever the window
/// and chunk sizes, the table, the fingerprint and the errors are those of one whole-file read.
struct CSVWindowTests {
    /// A file with what window boundaries can cut: a byte order mark, a header longer than a small
    /// window, quoted fields with separators, doubled quotes and line ends, a column that turns to
    /// text only near the end (so earlier windows are parsed again for it), CRLF line ends, missing
    /// values and trailing line ends.
    private static func trickyFile(rows: Int) -> String {
        let longName = String(repeating: "wide_header_name_", count: 12)
        var text = "\u{FEFF}id,\(longName),note,late\r\n"
        for i in 0..<rows {
            let note = i % 7 == 0 ? "\"line one\nline \"\"two\"\", with comma\"" : (i % 5 == 0 ? "" : "plain \(i % 11)")
            let late = i == rows - 3 ? "not a number" : String(Double(i) / 4)
            text += "\(i),\(i % 3 == 0 ? "" : String(i * 7)),\(note),\(late)\r\n"
        }
        return text + "\n\n"
    }

    @Test func windowsGiveTheWholeFileRead() throws {
        let text = Self.trickyFile(rows: 400)
        let whole = try CSVReader.read(
            data: Array(text.utf8), name: "t.csv", options: CSVOptions(),
            chunkSize: 1 << 20, windowSize: 1 << 25)
        #expect(whole.rowCount == 400)
        #expect(whole.column(named: "late")?.kind == .text)
        #expect(whole.column(named: "note")?.text(at: 0) == "line one\nline \"two\", with comma")
        let folder = try temporaryFolder(prefix: "wb-csv-windows")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/tricky.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        for (chunk, window) in [(1, 1), (3, 7), (16, 16), (64, 200), (101, 5_000)] {
            for threads in [1, 2] {
                var options = CSVOptions()
                options.threads = threads
                let inMemory = try CSVReader.read(
                    data: Array(text.utf8), name: "t.csv", options: options, chunkSize: chunk, windowSize: window)
                #expect(sameFrame(inMemory, whole), "memory, chunk \(chunk), window \(window), threads \(threads)")
                var fingerprint = ""
                let fromFile = try CSVReader.read(
                    path: path, options: options, displayName: nil, chunkSize: chunk,
                    windowSize: window
                ) { fingerprint = $0 }
                #expect(sameFrame(fromFile, whole), "file, chunk \(chunk), window \(window), threads \(threads)")
                #expect(fingerprint == (try Fingerprint.ofFile(atPath: path)), "chunk \(chunk), window \(window)")
            }
        }
    }

    /// An error in a late window is located on its physical line (quoted line ends counted), the
    /// same as with one window.
    @Test func errorsInLateWindowsKeepTheirLine() throws {
        var text = "a,b\n\"x\ny\",1\n"
        for i in 0..<300 { text += "v\(i),\(i)\n" }
        text += "bad,1,extra\n"
        for i in 0..<50 { text += "w\(i),\(i)\n" }
        let expected = TabularError.raggedRow(FileLocation(file: "t.csv", line: 304, column: 3), expected: 2, found: 3)
        for (chunk, window) in [(1 << 20, 1 << 25), (5, 5), (17, 40)] {
            #expect(throws: expected, "chunk \(chunk), window \(window)") {
                try CSVReader.read(
                    data: Array(text.utf8), name: "t.csv", options: CSVOptions(), chunkSize: chunk, windowSize: window)
            }
        }
    }

    /// A single record longer than the window (a huge quoted field) gets a window of its own.
    @Test func recordLongerThanAWindow() throws {
        let field = String(repeating: "x,\n\"\"", count: 2_000)
        let text = "a,b\n1,\"\(field)\"\n2,short\n"
        let frame = try CSVReader.read(
            data: Array(text.utf8), name: "t.csv", options: CSVOptions(), chunkSize: 8, windowSize: 64)
        #expect(frame.rowCount == 2)
        #expect(frame.column(named: "b")?.text(at: 0) == String(repeating: "x,\n\"", count: 2_000))
    }
}
