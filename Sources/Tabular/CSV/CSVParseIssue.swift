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

    /// The same issue with its offset moved by `delta` (from a window's bytes to the file's).
    func shifted(by delta: Int) -> CSVParseIssue {
        switch self {
        case .unexpectedQuote(let o, let f): .unexpectedQuote(offset: o + delta, field: f)
        case .unterminatedQuote(let o, let f): .unterminatedQuote(offset: o + delta, field: f)
        case .ragged(let o, let e, let f): .ragged(offset: o + delta, expected: e, found: f)
        case .invalidUTF8(let o, let f): .invalidUTF8(offset: o + delta, field: f)
        case .notNumeric(let o, let f, let v): .notNumeric(offset: o + delta, field: f, value: v)
        case .recordCountMismatch(let o): .recordCountMismatch(offset: o + delta)
        }
    }
}
