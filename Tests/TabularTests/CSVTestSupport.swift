@testable import Tabular

/// SplitMix64: a tiny seeded generator, so property tests are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Reads CSV text through the in-memory entry point, optionally with tiny chunks or a thread count.
func loadCSV(_ text: String, name: String = "t.csv", options: CSVOptions = CSVOptions(),
             threads: Int = 1, chunkSize: Int = CSVReader.defaultChunkSize) throws -> DataFrame {
    var options = options
    options.threads = threads
    return try CSVReader.read(data: Array(text.utf8), name: name, options: options, chunkSize: chunkSize)
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
            guard zip(u, v).allSatisfy({ $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }) else { return false }
        case (.categorical(let c1, let l1), .categorical(let c2, let l2)):
            guard c1 == c2, l1 == l2 else { return false }
        default:
            return false
        }
    }
    return true
}

/// A file of the repository's `examples/` folder, found from this file's path.
func exampleDataPath(_ file: String, filePath: String = #filePath) -> String {
    var parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/TabularTests/<file>.swift → repository root
    let root = parts.joined(separator: "/")
    return root + "/examples/" + file
}
