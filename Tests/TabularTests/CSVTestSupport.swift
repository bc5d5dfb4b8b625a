import TestSupport
@testable import Tabular

/// Reads CSV text through the in-memory entry point, optionally with tiny chunks or a thread count.
/// Tiny chunks come with windows of three chunks, so window boundaries fall everywhere too.
func loadCSV(
    _ text: String, name: String = "t.csv", options: CSVOptions = CSVOptions(),
    threads: Int = 1, chunkSize: Int = CSVReader.defaultChunkSize
) throws -> DataFrame {
    var options = options
    options.threads = threads
    return try CSVReader.read(
        data: Array(text.utf8), name: name, options: options, chunkSize: chunkSize,
        windowSize: chunkSize == CSVReader.defaultChunkSize ? CSVReader.defaultWindowSize : 3 * chunkSize)
}

/// Same as `loadCSV`, for raw bytes.
func loadCSVBytes(_ bytes: [UInt8], name: String = "t.csv", options: CSVOptions = CSVOptions()) throws -> DataFrame {
    try CSVReader.read(data: bytes, name: name, options: options)
}

/// A column's present values as text, `nil` for missing, for compact expectations.
func texts(_ frame: DataFrame, _ column: String) -> [String?] {
    guard let c = frame.column(named: column) else { return [] }
    return (0..<frame.rowCount).map { c.text(at: $0) }
}

/// Frames equal, with NaN == NaN (the derived `==` says NaN != NaN).
func sameFrame(_ a: DataFrame, _ b: DataFrame) -> Bool {
    guard a.columnNames == b.columnNames, a.rowCount == b.rowCount else { return false }
    for (x, y) in zip(a.columns, b.columns) {
        switch (x.data, y.data) {
        case (.numeric(let u), .numeric(let v)):
            guard zip(u, v).allSatisfy({ $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }) else {
                return false
            }
        case (.categorical(let c1, let l1), .categorical(let c2, let l2)):
            guard c1 == c2, l1 == l2 else { return false }
        default:
            return false
        }
    }
    return true
}
