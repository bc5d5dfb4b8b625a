import CommandLanguage
import PropertyBased
import Testing
import TestSupport
@testable import Workbench

/// Pieces of command lines: valid tokens, near-misses and junk, so random lines reach every branch.
private let linePieces = [
    "load", "train", "m", "=", ",", " ", "  ", "\"", "\"a b\"", "\"x\\\"y\"", "\"\\q\"", "\\", "1", "-2.5", "1e-3",
    "20%", "60s",
    "3x", ".", "..", "[", "]", "{", "}", "(", ")", ":", ";", "#", "target=", "iris.train", "lb.top(3)", "é", "東京", "😀",
    "\t", "-", "+", ".5", "_", "a-b", "/", "~", "@", "\u{0}", "½", "٣",
]

@Suite("Parser properties")
struct ParserPropertyTests {
    /// Any line parses, or fails with an error whose range lies inside the line, and the error
    /// renders with its caret under that range.
    @Test func anyLineParsesOrFailsWithAPosition() throws {
        let lines = choice(linePieces).array(of: 0...14).map { $0.joined() }
        try forAll(lines, count: 2000, seed: 5) { line, _ in
            do throws(LanguageError) {
                _ = try Parser.parse(line)
            } catch {
                let range = error.range
                #expect(
                    range.start >= 0 && range.start <= range.end && range.end <= line.count,
                    "range \(range) in \(line.debugDescription)")
                let rendered = error.render(line: line)
                #expect(rendered.hasPrefix("error: "))
                let caretLine =
                    rendered.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).first ?? ""
                #expect(
                    caretLine.filter { $0 == "^" }.count == max(1, range.end - range.start), "\(line.debugDescription)")
            }
        }
    }

    /// Deeply nested brackets are refused with a position instead of exhausting the stack.
    @Test func deepNestingIsAnErrorNotACrash() throws {
        for opener in ["[", "{a: ", "f("] {
            let line = "show " + String(repeating: opener, count: 100_000)
            #expect(throws: LanguageError.self) { try Parser.parse(line) }
        }
    }
}
