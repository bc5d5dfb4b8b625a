import Tabular

/// The CSV reader on arbitrary bytes. The first byte picks the separator, header and thread count;
/// the rest is the file. A table that loads must be well formed and survive a write and re-read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let flags = input[0]
    var options = CSVOptions()
    let separator = [UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";"), UInt8(ascii: "|")][Int(flags & 3)]
    options.separator = separator
    options.hasHeader = flags & 4 == 0
    options.threads = flags & 8 == 0 ? 1 : 3
    options.memoryBudgetBytes = 256 << 20
    guard let frame = try? CSVReader.read(data: Array(input[1...]), name: "fuzz.csv", options: options) else {
        return 0
    }
    check(frame)
    if options.hasHeader {
        // Written with the same separator and read back, the text of every cell is the same.
        // (Types may differ: a text column of numbers written out reads back as numbers.)
        var again = options
        again.types = Dictionary(uniqueKeysWithValues: frame.columns.map { ($0.name, $0.kind) })
        let text = CSVWriter.string(frame, separator: separator)
        do {
            let reread = try CSVReader.read(data: Array(text.utf8), name: "fuzz.csv", options: again)
            precondition(
                reread.rowCount == frame.rowCount && reread.columnNames == frame.columnNames,
                "round trip changed the shape")
            for (a, b) in zip(frame.columns, reread.columns) where a.kind == .text {
                for row in 0..<frame.rowCount {
                    precondition(
                        a.text(at: row) == b.text(at: row) || (a.text(at: row)?.trimmingSpaces.isEmpty ?? true),
                        "round trip changed '\(a.text(at: row) ?? "")' to '\(b.text(at: row) ?? "")' in \(a.name)")
                }
            }
        } catch {
            preconditionFailure("a written table does not read back: \(error)\n\(text)")
        }
    }
    return 0
}

/// Every column as long as the table; every code a level or missing.
private func check(_ frame: DataFrame) {
    for column in frame.columns {
        precondition(
            column.data.count == frame.rowCount,
            "column \(column.name) has \(column.data.count) values, table has \(frame.rowCount) rows")
        if case .categorical(let codes, let levels) = column.data {
            precondition(
                codes.allSatisfy { $0 >= -1 && Int($0) < levels.count }, "a code outside the levels in \(column.name)")
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
