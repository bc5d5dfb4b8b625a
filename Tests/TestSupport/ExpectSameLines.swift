package import Testing

/// Expects `actual` to be exactly `expected` (a transcript, a rendered table, an SVG golden) and, on a
/// difference, names the first line that differs (number, expected, actual) instead of printing two
/// long strings side by side.
package func expectSameLines(
    _ actual: String, _ expected: String, _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual != expected else { return }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let context = comment.map { "\($0.rawValue)\n" } ?? ""
    let first = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
    let shown = { (lines: [Substring]) in first < lines.count ? "\"\(lines[first])\"" : "(no line: the text ends)" }
    Issue.record(
        """
        \(context)line \(first + 1) differs (\(a.count) lines, expected \(e.count)):
          expected: \(shown(e))
          actual:   \(shown(a))
        """, sourceLocation: sourceLocation)
}
