/// How to read a CSV/TSV file: separator, header, per-column types, missing-value tokens, threads, memory budget.
public struct CSVOptions: Sendable {
    /// The field separator byte; `nil` picks tab for `.tsv`/`.tab` files and comma otherwise.
    public var separator: UInt8?
    /// Whether the first record names the columns; without one they are `column_1`, `column_2`, ….
    public var hasHeader: Bool = true
    /// Per-column kind overrides: `.text` forces categorical; `.number` forces numeric and makes a
    /// non-number an error with its file:line:column.
    public var types: [String: ColumnKind] = [:]
    /// Field values that mean "missing", compared ASCII-case-insensitively after trimming spaces.
    public var missingTokens: Set<String> = ["", "NA", "NaN", "null"]
    /// Worker threads; 0 means all active cores.
    public var threads: Int = 0
    /// When set, the reader estimates the decoded size first and throws `TabularError.tooLarge` if over.
    public var memoryBudgetBytes: Int? = nil

    public init() {}
}

extension CSVOptions {
    /// The separator to use for a file called `name`.
    func resolvedSeparator(forName name: String) -> UInt8 {
        separator ?? Self.defaultSeparator(forName: name)
    }

    /// Tab for `.tsv`/`.tab` files, comma otherwise.
    static func defaultSeparator(forName name: String) -> UInt8 {
        let lower = name.lowercased()
        return lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") ? UInt8(ascii: "\t") : UInt8(ascii: ",")
    }
}
