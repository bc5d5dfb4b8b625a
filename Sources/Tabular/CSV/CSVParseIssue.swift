/// A problem found while parsing, located by byte offset; the reader turns it into a `TabularError`
/// with a line number, so the hot loop never counts lines.
enum CSVParseIssue: Error, Sendable {
    case unexpectedQuote(offset: Int, field: Int)
    case unterminatedQuote(offset: Int, field: Int)
    case ragged(offset: Int, expected: Int, found: Int)
    case invalidUTF8(offset: Int, field: Int)
    case notNumeric(offset: Int, field: Int, value: String)
    /// A chunk held a different number of records than the first pass counted: a bug, not bad input
    /// (malformed quoting is reported by the chunk where it starts, before this can happen).
    case recordCountMismatch(offset: Int)

    var offset: Int {
        switch self {
        case .unexpectedQuote(let o, _), .unterminatedQuote(let o, _), .ragged(let o, _, _),
             .invalidUTF8(let o, _), .notNumeric(let o, _, _), .recordCountMismatch(let o):
            o
        }
    }
}
