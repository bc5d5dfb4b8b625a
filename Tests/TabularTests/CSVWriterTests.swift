#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TestSupport
@testable import Tabular

/// A random table whose text survives a CSV round trip: quotes, separators, newlines, padding,
/// unicode and missing values, but no text equal to a missing token and no all-numeric or all-missing text column.
func randomFrame(rows: Int, columns: Int, using random: inout SeededRandom) throws -> DataFrame {
    let pieces = ["a", "b", "x y", ",", "\"", "\n", "\r\n", " ", "é", "東京", "😀", "q\"q", "z", ";", "\t"]
    var result: [Column] = []
    for c in 0..<columns {
        if c % 2 == 0 {
            let values = (0..<rows).map { _ -> Double in
                switch Int.random(in: 0..<10, using: &random) {
                case 0: .nan
                case 1: Double(Int.random(in: -1000...1000, using: &random))
                default: Double(bitPattern: random.next() >> 2) * (Bool.random(using: &random) ? 1 : -1)
                }
            }
            result.append(Column(name: "num \(c), \"q\"", data: .numeric(values.map { $0.isFinite ? $0 : .nan })))
        } else {
            var levels: [String] = []
            var codes: [Int32] = []
            for row in 0..<rows {
                // Row 0 always has text: an all-missing column reads back as numeric, by design.
                if row > 0 && Int.random(in: 0..<6, using: &random) == 0 {
                    codes.append(-1)
                    continue
                }
                var text = "t"  // a letter first: never a number, never a missing token
                for _ in 0..<Int.random(in: 0...4, using: &random) {
                    text += pieces.randomElement(using: &random) ?? ""
                }
                if let existing = levels.firstIndex(of: text) {
                    codes.append(Int32(existing))
                } else {
                    codes.append(Int32(levels.count))
                    levels.append(text)
                }
            }
            result.append(Column(name: "text\n\(c)", data: .categorical(codes: codes, levels: levels)))
        }
    }
    return try DataFrame(columns: result)
}

@Suite("CSV writer")
struct CSVWriterTests {
    @Test func quotesOnlyWhatNeedsIt() throws {
        let frame = try DataFrame(columns: [
            Column(name: "n", data: .numeric([1, 2.5, .nan])),
            Column(name: "t", data: .categorical(codes: [0, 1, -1], levels: ["plain", "a,\"b\""])),
        ])
        #expect(CSVWriter.string(frame) == "n,t\n1,plain\n2.5,\"a,\"\"b\"\"\"\n,\n")
    }

    @Test func roundTripsRandomTables() throws {
        var random = SeededRandom(seed: 1234)
        for trial in 0..<40 {
            let frame = try randomFrame(rows: Int.random(in: 1...60, using: &random), columns: 4, using: &random)
            let back = try loadCSV(CSVWriter.string(frame), threads: 2, chunkSize: 1 + trial % 9)
            #expect(sameFrame(back, frame), "trial \(trial)")
        }
    }

    @Test func writesFileAtomically() throws {
        var random = SeededRandom(seed: 5)
        let frame = try randomFrame(rows: 200, columns: 5, using: &random)
        let path = "/tmp/csv-writer-test-\(getpid()).csv"
        defer { unlink(path) }
        try CSVWriter.write(frame, to: path)
        try CSVWriter.write(frame, to: path)  // replaces the existing file
        #expect(sameFrame(try CSVReader.read(path: path), frame))
        let tsv = path + ".tsv"
        defer { unlink(tsv) }
        try CSVWriter.write(frame, to: tsv)
        #expect(sameFrame(try CSVReader.read(path: tsv), frame))
    }

    @Test func writeToMissingFolderFails() throws {
        let frame = try DataFrame(columns: [Column(name: "a", data: .numeric([1]))])
        #expect(throws: TabularError.self) { try CSVWriter.write(frame, to: "/nonexistent-folder/x.csv") }
    }
}

@Suite("CSV writer: found by the property tests")
struct CSVWriterRegressionTests {
    /// In a one-column table, a missing last value was written as an empty last line, which the
    /// reader drops as a trailing line end: the table lost its last row. Now written as `""`.
    @Test func oneColumnTableKeepsTrailingMissingValues() throws {
        let frame = try DataFrame(columns: [Column(name: "a", data: .numeric([1, .nan, .nan]))])
        #expect(CSVWriter.string(frame) == "a\n1\n\"\"\n\"\"\n")
        let back = try loadCSV(CSVWriter.string(frame))
        #expect(sameFrame(back, frame))
        let text = try DataFrame(columns: [Column(name: "t", data: .categorical(codes: [0, -1], levels: ["x"]))])
        #expect(try loadCSV(CSVWriter.string(text)).rowCount == 2)
    }
}
