import CommandLanguage
import Testing

@Suite("Matching statements to signatures")
struct InvocationTests {
    private func bind(_ line: String) throws -> Invocation {
        let statement = try #require(try Parser.parse(line))
        let signature = try #require(TestCommands.all.first { $0.name == statement.verb })
        return try Invocation(signature: signature, statement: statement, line: line)
    }

    @Test func usageLines() {
        #expect(TestCommands.load.usage == "[NAME =] load PATH [as NAME] [header=yes] [sep=…]")
        #expect(TestCommands.split.usage == "[NAME[, NAME] =] split DATA [test=0.2] [stratify=…] [seed=42]")
        #expect(TestCommands.describe.usage == "describe DATA")
        #expect(TestCommands.train.usage == "[NAME =] train ALGORITHM on DATA [target=…] [rate=…] [PARAM=VALUE ...]")
        #expect(TestCommands.help.usage == "help [COMMAND]")
    }

    @Test func positionalsKeywordsAndOptions() throws {
        let load = try bind(#"load "data/x.csv" as survey header=no"#)
        #expect(load.positionals[.path] == .string("data/x.csv", SourceRange(5, 17)))
        #expect(load.positionals[.name]?.dottedName == "survey")
        #expect(load[TestCommands.header] == false)
        #expect(load.range(of: .name) == SourceRange(21, 27))
        // Unset options read as their declared default; the verb stands in for a missing range.
        #expect(load.word("sep") == nil)
        #expect(load.range(of: "sep") == SourceRange(0, 4))

        let split = try bind("a, b = split iris test=25% seed=7")
        #expect(split[TestCommands.test] == 0.25)
        #expect(split[TestCommands.seed] == 7)
        #expect(!split.has("stratify"))
        let defaults = try bind("split iris")
        #expect(defaults[TestCommands.test] == 0.2)
        #expect(defaults[TestCommands.seed] == 42)
        #expect(!defaults.has(TestCommands.seed))
        #expect(try bind(#"load "x.csv""#)[TestCommands.header] == true)
        #expect(try bind(#"load "x.csv" header=false"#)[TestCommands.header] == false)
    }

    @Test func unknownOptionsAreHyperparametersOnlyWhereAccepted() throws {
        let train = try bind("train tree on iris max_depth=3 target=species")
        #expect(train.hyperparameters.map(\.key) == ["max_depth"])
        #expect(train.word("target") == "species")
        #expect(throws: LanguageError.duplicateOption("max_depth", at: SourceRange(31, 40))) {
            try bind("train tree on iris max_depth=3 max_depth=4")
        }
    }

    /// Each error's message and hint, worked out from the signatures in `TestCommands`.
    @Test(arguments: [
        ("split iris tset=0.3", "'split' has no option 'tset'", "did you mean 'test'?"),
        ("describe iris x=1", "'describe' has no option 'x'", "'describe' takes no options"),
        ("split iris zzzz=1", "'split' has no option 'zzzz'", "options: test, stratify, seed"),
        ("split iris test=0.3 test=0.2", "option 'test' is given twice", nil),
        ("split iris test=1.5", "test must be a fraction between 0 and 1 (like 0.2 or 20%)", nil),
        ("split iris seed=-1", "seed must be a whole number ≥ 0", nil),
        ("train tree on iris rate=2", "rate must be a number from 0 to 1", nil),
        ("load \"x.csv\" sep=tap", "sep must be one of ,, ;, tab", "did you mean 'tab'?"),
        ("load \"x.csv\" header=maybe", "header must be yes or no", nil),
        ("describe", "'describe' needs DATA", "usage: describe DATA"),
        (
            "train tree iris", "'train' needs 'on DATA'",
            "usage: [NAME =] train ALGORITHM on DATA [target=…] [rate=…] [PARAM=VALUE ...]"
        ),
        (
            "train tree on", "'train' needs DATA after 'on'",
            "usage: [NAME =] train ALGORITHM on DATA [target=…] [rate=…] [PARAM=VALUE ...]"
        ),
        ("describe a b", "unexpected argument", "usage: describe DATA"),
        ("a = describe iris", "'describe' returns nothing to bind", nil),
        ("a, b, c = split iris", "'split' binds at most 2 names", nil),
        (
            #"load "x.csv" sa y"#, "unexpected 'sa'",
            "did you mean 'as'? usage: [NAME =] load PATH [as NAME] [header=yes] [sep=…]"
        ),
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

    @Test func errorRangesPointAtTheCulprit() throws {
        // "describe" is 8 characters: a missing argument is shown just past the end of the line.
        #expect(
            throws: LanguageError.missingArgument(
                "DATA", command: "describe", usage: "describe DATA", at: SourceRange(8, 9))
        ) {
            try bind("describe")
        }
        // Both targets of `a, b = describe iris` are underlined: 0..<4.
        #expect(throws: LanguageError.tooManyResults(command: "describe", max: 0, at: SourceRange(0, 4))) {
            try bind("a, b = describe iris")
        }
    }

    @Test func theExamplesOfEverySignatureBind() throws {
        for signature in TestCommands.all {
            for example in signature.examples {
                let statement = try #require(try Parser.parse(example))
                #expect(statement.verb == signature.name)
                _ = try Invocation(signature: signature, statement: statement, line: example)
            }
        }
    }
}
