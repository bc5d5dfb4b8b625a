import CommandLanguage
import Testing

@Suite("Lexer")
struct LexerTests {
    private func kinds(_ line: String) throws -> [Token.Kind] {
        try Lexer.tokenize(line).map(\.kind)
    }

    @Test func namesPunctuationAndRanges() throws {
        let tokens = try Lexer.tokenize("m = lb.top(3)")
        #expect(
            tokens.map(\.kind) == [
                .identifier("m"), .punctuation("="), .identifier("lb"), .punctuation("."), .identifier("top"),
                .punctuation("("), .number(3, text: "3"), .punctuation(")"), .end,
            ])
        // m=0..<1, '='=2..<3, lb=4..<6, '.'=6..<7, top=7..<10, '('=10, 3=11, ')'=12, end at 13.
        #expect(
            tokens.map(\.range) == [
                SourceRange(0, 1), SourceRange(2, 3), SourceRange(4, 6), SourceRange(6, 7), SourceRange(7, 10),
                SourceRange(10, 11), SourceRange(11, 12), SourceRange(12, 13), SourceRange(13, 13),
            ])
    }

    @Test func hyphensInsideNamesButNotAtTheEnd() throws {
        #expect(try kinds("breast-cancer") == [.identifier("breast-cancer"), .end])
        // The trailing '-' is given back as an operator of its own (column expressions use it),
        // which the statement parser refuses outside an expression.
        #expect(try kinds("a-") == [.identifier("a"), .punctuation("-"), .end])
        #expect(throws: LanguageError.self) { try Parser.parse("show a-") }
    }

    @Test(arguments: [
        ("20%", 0.2), ("1.5e3", 1500.0), ("60s", 60.0), ("250ms", 0.25), ("1h", 3600.0), ("+2", 2.0), ("-.5", -0.5),
    ])
    func numbersWithSuffixes(text: String, value: Double) throws {
        let tokens = try Lexer.tokenize(text)
        guard case .number(let v, let written) = tokens[0].kind else {
            Issue.record("expected a number for \(text)")
            return
        }
        #expect(abs(v - value) < 1e-12)
        #expect(written == text)
        #expect(tokens[0].range == SourceRange(0, text.count))
    }

    @Test func aNumberWithAnUnknownUnitIsAnError() {
        // "3q" runs to the next separator, so the whole word is underlined.
        #expect(throws: LanguageError.badNumber("3q", at: SourceRange(0, 2))) { try Lexer.tokenize("3q") }
        #expect(throws: LanguageError.badNumber("5kg", at: SourceRange(2, 5))) { try Lexer.tokenize("[ 5kg]") }
    }

    @Test func stringsAndEscapes() throws {
        #expect(try kinds(#""a\tb\n\"c\"\\""#) == [.string("a\tb\n\"c\"\\"), .end])
        #expect(throws: LanguageError.unterminatedString(at: SourceRange(2, 6))) { try Lexer.tokenize(#"x "abc"#) }
    }

    @Test func commentsEndTheLine() throws {
        let tokens = try Lexer.tokenize("ls # the rest")
        #expect(tokens.map(\.kind) == [.identifier("ls"), .end])
        // The end token spans the comment, so an expression tail ends where the comment starts.
        #expect(tokens[1].range == SourceRange(3, 13))
    }

    @Test func tokensDescribeThemselvesForMessages() throws {
        let tokens = try Lexer.tokenize(#"x "s" 2% ,"#)
        #expect(tokens.map(\.display) == ["'x'", "\"s\"", "2%", "','", "end of line"])
    }
}
