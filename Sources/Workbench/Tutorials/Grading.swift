import Foundation

/// Grading by meaning: numbers in any common spelling within a tolerance, choices by letter or text
/// regardless of case and spacing.
public enum Grading {
    /// A number as a learner or author writes it: `0.62`, `.62`, `0.620`, `62%`, `-1.5e3`, `1,234`.
    public static func number(from text: String) -> (value: Double, percent: Bool)? {
        var s = text.trimmingCharacters(in: .whitespaces)
        var percent = false
        if s.hasSuffix("%") {
            percent = true
            s = String(s.dropLast()).trimmingCharacters(in: .whitespaces)
        }
        // Thousands separators only between digit groups of three, so "1,5" is not read as 15.
        if s.contains(",") {
            let groups = s.split(separator: ",", omittingEmptySubsequences: false)
            guard groups.dropFirst().allSatisfy({ $0.prefix(while: \.isNumber).count == 3 }) else { return nil }
            s = groups.joined()
        }
        if s.hasPrefix(".") { s = "0" + s }
        if s.hasPrefix("-.") || s.hasPrefix("+.") { s = String(s.prefix(1)) + "0" + s.dropFirst() }
        guard !s.isEmpty, s.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }), let v = Double(s), v.isFinite else {
            return nil
        }
        return (percent ? v / 100 : v, percent)
    }

    /// The tolerance used when a lesson gives none: a little more than the rounding of the three
    /// decimals the workbench prints, and relative for large values.
    public static func defaultTolerance(for expected: Double) -> Double {
        0.001 * max(1, abs(expected))
    }

    /// Whether `answer` means `expected`: within tolerance; a percentage answer is compared as a
    /// fraction (62% = 0.62), and also as a plain number when the expected value is not a fraction.
    public static func numberMatches(_ answer: String, expected: Double, tolerance: Tolerance?) -> Bool {
        guard let parsed = number(from: answer) else { return false }
        let allowed: Double =
            switch tolerance {
            case .absolute(let t)?: t
            case .relative(let r)?: r * abs(expected)
            case nil: defaultTolerance(for: expected)
            }
        // A small epsilon so that a tolerance written as 0.01 admits exactly 0.01 away.
        let slack = allowed + 1e-12 * max(1, abs(expected))
        if abs(parsed.value - expected) <= slack { return true }
        if parsed.percent, abs(expected) > 1, abs(parsed.value * 100 - expected) <= slack { return true }
        return false
    }

    /// Lowercased, trimmed, inner whitespace collapsed, a trailing `)` or `.` dropped.
    public static func normalizedChoice(_ text: String) -> String {
        var s = text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        while let last = s.last, last == ")" || last == "." { s.removeLast() }
        if s.hasPrefix("(") { s.removeFirst() }
        return s.trimmingCharacters(in: .whitespaces)
    }

    /// The letter of the choice an answer picks (by letter or by its full text), if any.
    public static func choiceLetter(_ answer: String, among choices: [Choice]) -> String? {
        let a = normalizedChoice(answer)
        if let c = choices.first(where: { $0.letter == a }) { return c.letter }
        return choices.first(where: { normalizedChoice($0.text) == a })?.letter
    }
}
