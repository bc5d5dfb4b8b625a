/// Turns byte offsets into file:line:column for error messages (lines are physical lines, 1-based).
struct CSVErrorLocator {
    let bytes: UnsafeBufferPointer<UInt8>
    let name: String

    func location(_ offset: Int, column: Int) -> FileLocation {
        var line = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A { line += 1 }
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
            .typeOverrideNotNumeric(location(offset, column: field),
                                    column: field - 1 < columns.count ? columns[field - 1] : "column_\(field)", value: value)
        case .recordCountMismatch(let offset):
            .unreadable(path: name, reason: "internal error: record count mismatch near \(location(offset, column: 1))")
        }
    }
}
