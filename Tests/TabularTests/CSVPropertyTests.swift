import PropertyBased
import Testing
import TestSupport
@testable import Tabular
import Diagnostics

/// A table to write and read back: its columns and the separator to write it with.
struct GeneratedTable: Sendable, CustomStringConvertible {
    var frame: DataFrame
    var separator: UInt8
    var description: String {
        "separator \(Character(UnicodeScalar(separator))):\n" + CSVWriter.string(frame, separator: separator)
    }
}

/// Text that survives a round trip: starts (after optional padding) with a letter, so it is never a
/// number or a missing token, then any mix of quotes, separators, line ends, padding and unicode.
private let cellText = PropertyBased.zip(
    choice(["", " ", "\t", "  "]),
    choice(["a", "b", "x y", ",", "\"", "\n", "\r\n", " ", "é", "東京", "😀", "q\"q", ";", "|", "\t", "\r"]).array(
        of: 0...5)
).map { padding, pieces in padding + "t" + pieces.joined() }

/// 1 to 5 columns, 1 to 30 rows, each column numbers or text, with missing values.
let tableGenerator = PropertyBased.zip(
    Gen.bool.array(of: 1...5),
    Gen.int(in: 1...30),
    cellText.optional(valueRate: 0.8).array(of: 150),
    Gen.double(in: -1e9...1e9).optional(valueRate: 0.85).array(of: 150),
    choice([UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";"), UInt8(ascii: "|")])
).map { kinds, rows, texts, numbers, separator -> GeneratedTable in
    var columns: [Column] = []
    for (c, isText) in kinds.enumerated() {
        let slice = (0..<rows).map { c * 30 + $0 }
        if isText {
            var levels: [String] = []
            var codes: [Int32] = []
            for (row, i) in slice.enumerated() {
                // Row 0 always has text: an all-missing column reads back as numeric, by design.
                guard let text = texts[i] ?? (row == 0 ? "t" : nil) else {
                    codes.append(-1)
                    continue
                }
                if let code = levels.firstIndex(of: text) {
                    codes.append(Int32(code))
                } else {
                    codes.append(Int32(levels.count))
                    levels.append(text)
                }
            }
            columns.append(Column(name: "text \"\(c)\",\n", data: .categorical(codes: codes, levels: levels)))
        } else {
            columns.append(Column(name: " num\(c) ", data: .numeric(slice.map { numbers[$0] ?? .nan })))
        }
    }
    // Names are unique by construction, lengths equal: this cannot throw.
    let frame = (try? DataFrame(columns: columns)) ?? DataFrame(unchecked: [], rowCount: 0)
    return GeneratedTable(frame: frame, separator: separator)
}

@Suite("CSV properties")
struct CSVPropertyTests {
    /// Any table (quotes, separators, newlines, unicode, padding, missing) reads back as written,
    /// with any thread count and chunk size.
    @Test func writeThenReadIsTheSameTable() throws {
        try forAll(tableGenerator, count: 300, seed: 1) { table, trial in
            var options = CSVOptions()
            options.separator = table.separator
            let text = CSVWriter.string(table.frame, separator: table.separator)
            let back = try loadCSV(text, options: options, threads: 1 + trial % 3, chunkSize: 1 + trial % 11)
            #expect(sameFrame(back, table.frame), "\(table)")
        }
    }

    /// Arbitrary bytes never crash the reader: a table, or a `TabularError` that names the file.
    @Test func arbitraryBytesLoadOrFailWithATabularError() throws {
        let bytes = choice(Array(",;\t|\"\r\n ax1.-é".utf8) + [0xFF, 0xC3]).array(of: 0...80)
        try forAll(bytes, count: 500, seed: 2) { input, trial in
            do {
                let frame = try CSVReader.read(
                    data: input, name: "t.csv", options: CSVOptions(), chunkSize: 1 + trial % 7,
                    windowSize: (1 + trial % 7) * (1 + trial % 5))
                #expect(frame.columns.allSatisfy { $0.data.count == frame.rowCount })
            } catch let error as TabularError {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
