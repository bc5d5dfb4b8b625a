import CommandLanguage
import Testing
import TestSupport

@Suite("Lexer and parser")
struct ParserTests {
    @Test func plainCommand() throws {
        let s = try #require(try Parser.parse("describe penguins"))
        #expect(s.verb == "describe")
        #expect(s.targets.isEmpty)
        #expect(s.items == [.positional(.name(["penguins"], SourceRange(9, 17)))])
    }

    @Test func assignmentAndOptions() throws {
        let s = try #require(try Parser.parse("a, b = split iris test=0.25 stratify=species seed=7"))
        #expect(s.targets.map(\.name) == ["a", "b"])
        #expect(s.verb == "split")
        #expect(s.items.count == 4)
        guard case .option(let key, _, .number(let v, _, _)) = s.items[1] else {
            Issue.record("expected test=0.25")
            return
        }
        #expect(key == "test")
        #expect(v == 0.25)
    }

    @Test func dottedNamesCallsListsRecords() throws {
        let s = try #require(
            try Parser.parse(#"validate lb.top(3) on "f.csv" cols=[a, "mean radius"] row={x: 1, "y z": "v"}"#))
        guard case .positional(.call(let name, let args, _)) = s.items[0] else {
            Issue.record("expected a call")
            return
        }
        #expect(name == ["lb", "top"])
        #expect(args.count == 1)
        guard case .option("cols", _, .list(let elements, _)) = s.items[3] else {
            Issue.record("expected a list")
            return
        }
        #expect(elements.count == 2)
        guard case .option("row", _, .record(let fields, _)) = s.items[4] else {
            Issue.record("expected a record")
            return
        }
        #expect(fields.map(\.key) == ["x", "y z"])
    }

    @Test func commaRunBecomesOneList() throws {
        let s = try #require(try Parser.parse("select iris a, b, c"))
        guard case .positional(.list(let items, let range)) = s.items[1] else {
            Issue.record("expected an implicit list")
            return
        }
        #expect(items.count == 3)
        #expect(range == SourceRange(12, 19))
    }

    @Test(arguments: [
        ("62%", 0.62), ("0.62", 0.62), (".62", 0.62), ("-3", -3.0), ("1e-4", 0.0001), ("60s", 60.0), ("2m", 120.0),
    ])
    func numbers(text: String, value: Double) throws {
        let s = try #require(try Parser.parse("x k=\(text)"))
        guard case .option(_, _, .number(let v, let written, _)) = s.items[0] else {
            Issue.record("expected a number")
            return
        }
        #expect(abs(v - value) < 1e-12)
        #expect(written == text)
    }

    @Test func stringEscapes() throws {
        let s = try #require(try Parser.parse(#"load "a \"b\"\tc\\d""#))
        #expect(s.items == [.positional(.string("a \"b\"\tc\\d", SourceRange(5, 20)))])
    }

    @Test func commentsAndBlankLines() throws {
        #expect(try Parser.parse("   ") == nil)
        #expect(try Parser.parse("# just a comment") == nil)
        let s = try #require(try Parser.parse("ls # list"))
        #expect(s.items.isEmpty)
    }

    /// Each error carries the range the caret goes under.
    @Test(arguments: [
        (#"load "abc"#, "unterminated string: a closing \" is missing", 5, 9),
        (#"load "a\q""#, "unknown escape '\\q' in string", 7, 9),
        ("show x rows=3q", "'3q' is not a number", 12, 14),
        ("show x $", "unexpected character '$'", 7, 8),
        ("= show", "expected a command, found '='", 0, 1),
        ("x = ", "expected a command after '=', found end of line", 4, 4),
        ("show x rows=", "expected a value after 'rows=', found end of line", 12, 12),
        ("select x [a, b", "expected ',' or ']', found end of line", 14, 14),
        ("predict m {a 1}", "expected ':' after 'a', found 1", 13, 14),
        ("show iris.", "expected a name after '.', found end of line", 10, 10),
    ])
    func syntaxErrors(line: String, message: String, start: Int, end: Int) {
        do {
            _ = try Parser.parse(line)
            Issue.record("expected an error for \(line)")
        } catch {
            #expect(error.message == message)
            #expect(error.range == SourceRange(start, end))
        }
    }

    @Test func caretRendering() {
        let error = LanguageError.unknownCommand("shwo", at: SourceRange(0, 4), suggestion: "show")
        expectSameLines(
            error.render(line: "shwo iris"),
            """
            error: unknown command 'shwo'
              shwo iris
              ^^^^
            hint: did you mean 'show'? (type 'help' for all commands)
            """)
    }
}
