import CommandLanguage
import Testing
@testable import Workbench

@Suite("Binding statements to the command table")
struct CommandTableBindingTests {
    private func bind(_ line: String) throws -> Invocation {
        let statement = try #require(try Parser.parse(line))
        let spec = try #require(CommandTable.command(named: statement.verb))
        return try Invocation(signature: spec.signature, statement: statement, line: line)
    }

    @Test func keywordsAndOptionalPositionals() throws {
        let inv = try bind(#"load "data/x.csv" as survey header=no"#)
        #expect(inv.positionals[.path] == .string("data/x.csv", SourceRange(5, 17)))
        #expect(inv.positionals[.name]?.dottedName == "survey")
        #expect(inv.word("header") == "no")
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
        (
            #"load "x.csv" sa y"#, "unexpected 'sa'",
            "did you mean 'as'? usage: [NAME =] load PATH [as NAME] [sep=by extension] [header=yes] [types=…] [table=…] [query=…]"
        ),
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
                let statement = try #require(try CommandTable.parse(example), "example of \(spec.name) is blank")
                #expect(statement.verb == spec.name)
                _ = try Invocation(signature: spec.signature, statement: statement, line: example)
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
