/// Turns byte offsets into file:line:column for error messages (lines are physical lines, 1-based).
/// Only errors count lines, so the bytes before one are read again, a window at a time.
struct CSVErrorLocator {
    let source: any CSVSource
    let name: String

    /// Bytes per read while counting lines.
    private static let window = 1 << 22

    func location(_ offset: Int, column: Int) -> FileLocation {
        var line = 1
        var start = 0
        let end = min(offset, source.count)
        while start < end {
            let length = min(Self.window, end - start)
            let newlines = try? source.withBytes(offset: start, count: length) { bytes in
                bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            }
            line += newlines ?? 0
            start += length
        }
        return FileLocation(file: name, line: line, column: column)
    }

    func error(for issue: CSVParseIssue, columns: [String]) -> TabularError {
        switch issue {
        case .unexpectedQuote(let offset, let field):
            .unexpectedQuote(location(offset, column: field))
        case .unterminatedQuote(let offset, let field):
            .unterminatedQuote(location(offset, column: field))
        case .ragged(let offset, let expected, let found):
            .raggedRow(location(offset, column: min(expected, found) + 1), expected: expected, found: found)
        case .invalidUTF8(let offset, let field):
            .invalidUTF8(location(offset, column: field))
        case .notNumeric(let offset, let field, let value):
            .typeOverrideNotNumeric(
                location(offset, column: field),
                column: field - 1 < columns.count ? columns[field - 1] : "column_\(field)", value: value)
        case .recordCountMismatch(let offset):
            .unreadable(path: name, reason: "internal error: record count mismatch near \(location(offset, column: 1))")
        }
    }
}
