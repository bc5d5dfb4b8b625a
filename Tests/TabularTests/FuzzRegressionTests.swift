import Testing
@testable import Tabular

/// Inputs the fuzz targets (Fuzz/) found to break an invariant; each one is fixed and kept here.
@Suite("CSV: cases found by fuzzing")
struct CSVFuzzRegressionTests {
    /// Fuzz/crashes/csv-crash-98e2…: `1e3086` read as +infinity, written back as `inf`, which the
    /// reader does not take as a number. Numbers beyond the Double range are text now, like `inf`.
    @Test func numberBeyondTheDoubleRangeIsText() throws {
        let frame = try loadCSV("6\n1e3086\n")
        #expect(frame.column(named: "6")?.data == .categorical(codes: [0], levels: ["1e3086"]))
        let mixed = try loadCSV("a,b\n1,-1e400\n2,1e308\n")
        #expect(texts(mixed, "b") == ["-1e400", "1e308"])
        #expect(try loadCSV(CSVWriter.string(mixed)).column(named: "b")?.kind == .text)
        let largest = Array("1.7976931348623157e308".utf8)
        #expect(largest.withUnsafeBufferPointer { CSVNumberParser.parse($0) } == Double.greatestFiniteMagnitude)
        let beyond = Array("1.8e308".utf8)
        #expect(beyond.withUnsafeBufferPointer { CSVNumberParser.parse($0) } == nil)
    }

    /// Fuzz/crashes/csv-crash-f2ea…: a file starting with two byte-order marks. The reader drops the
    /// first, so the first column is named "\u{FEFF}N"; written back, that name began the file and
    /// was read as a BOM, losing the mark. The writer now quotes a first name that starts with one.
    @Test func firstColumnNameStartingWithAByteOrderMarkSurvivesAWrite() throws {
        let frame = try loadCSV("\u{FEFF}\u{FEFF}N,c\n1,Adeli\n")
        #expect(frame.columnNames.first == "\u{FEFF}N")
        let written = CSVWriter.string(frame)
        #expect(written.hasPrefix("\"\u{FEFF}N\""))
        #expect(try loadCSV(written).columnNames == frame.columnNames)
    }
}
