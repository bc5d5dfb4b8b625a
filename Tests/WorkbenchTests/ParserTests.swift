import Testing
import TestSupport
@testable import Workbench

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
        let s = try #require(try Parser.parse(#"validate lb.top(3) on "f.csv" cols=[a, "mean radius"] row={x: 1, "y z": "v"}"#))
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
        expectSameLines(error.render(line: "shwo iris"), """
            error: unknown command 'shwo'
              shwo iris
              ^^^^
            hint: did you mean 'show'? (type 'help' for all commands)
            """)
    }
}

@Suite("Binding statements to the command table")
struct InvocationTests {
    private func bind(_ line: String) throws -> Invocation {
        let statement = try #require(try Parser.parse(line))
        let spec = try #require(CommandTable.command(named: statement.verb))
        return try Invocation(spec: spec, statement: statement, line: line)
    }

    @Test func keywordsAndOptionalPositionals() throws {
        let inv = try bind(#"load "data/x.csv" as survey header=no"#)
        #expect(inv.positionals["PATH"] == .string("data/x.csv", SourceRange(5, 17)))
        #expect(inv.positionals["NAME"]?.dottedName == "survey")
        #expect(inv.flag("header", default: true) == false)
    }

    @Test(arguments: [
        ("split iris tset=0.3", "'split' has no option 'tset'", "did you mean 'test'?"),
        ("split iris test=0.3 test=0.2", "option 'test' is given twice", nil),
        ("split iris test=1.5", "test must be a fraction between 0 and 1 (like 0.2 or 20%)", nil),
        ("show iris rows=-1", "rows must be a whole number from 1 to 10000", nil),
        ("show", "'show' needs NAME", "usage: show NAME [rows=10]"),
        ("show a b", "unexpected argument", "usage: show NAME [rows=10]"),
        ("a, b = show iris", "'show' returns nothing to bind", nil),
        ("a, b, c = split iris", "'split' binds at most 2 names", nil),
        (#"load "x.csv" sa y"#, "unexpected 'sa'", "did you mean 'as'? usage: [NAME =] load PATH [as NAME] [sep=by extension] [header=yes] [types=…] [table=…] [query=…]"),
        ("load \"x.csv\" header=maybe", "header must be yes or no", nil),
    ])
    func bindingErrors(line: String, message: String, hint: String?) {
        do {
            _ = try bind(line)
            Issue.record("expected an error for \(line)")
        } catch let error as LanguageError {
            #expect(error.message == message)
            #expect(error.hint == hint)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func everyCommandHasHelpAndExamplesThatParse() throws {
        for spec in CommandTable.all {
            #expect(!spec.summary.isEmpty, "\(spec.name) has no summary")
            #expect(!spec.examples.isEmpty, "\(spec.name) has no example")
            for example in spec.examples {
                let statement = try #require(try Parser.parse(example), "example of \(spec.name) is blank")
                #expect(statement.verb == spec.name)
                _ = try Invocation(spec: spec, statement: statement, line: example)
            }
        }
    }

    @Test func unknownCommandSuggests() {
        let session = makeSession()
        let cell = session.execute("descrbe x")
        #expect(cell?.succeeded == false)
        #expect(cell?.output.plainText.contains("did you mean 'describe'?") == true)
    }
}
