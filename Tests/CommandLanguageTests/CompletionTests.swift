import CommandLanguage
import Testing

/// A session stand-in: two datasets, a model and a small file tree.
private struct FakeSource: CompletionSource {
    var boundNames = ["penguins", "penguins.train", "iris", "m"]
    func columns(of name: String) -> [String]? {
        switch name {
        case "penguins", "penguins.train": ["species", "island", "sex", "bill length"]
        case "iris": ["sepal_length", "species"]
        default: nil
        }
    }
    func directoryEntries(_ folder: String) -> [String] {
        switch folder {
        case "": ["examples/", "README.md", ".hidden"]
        case "examples/": ["penguins.csv", "iris.csv"]
        default: []
        }
    }
}

@Suite("Completion over a list of signatures")
struct CompletionTests {
    private func complete(_ line: String, cursor: Int? = nil, commands: [CommandSignature] = TestCommands.all)
        -> Completion.Result
    {
        Completion.complete(line: line, cursor: cursor ?? line.count, source: FakeSource(), commands: commands)
    }

    @Test func commandNamesComeFromTheSignaturesInTheirOrder() {
        #expect(complete("").candidates == ["load", "describe", "split", "select", "train", "help"])
        #expect(complete("s") == .init(start: 0, candidates: ["split", "select"]))
        #expect(complete("a, b = s") == .init(start: 7, candidates: ["split", "select"]))
        #expect(complete("s", commands: [TestCommands.select]).candidates == ["select"])
        #expect(complete("help d") == .init(start: 5, candidates: ["describe"]))
    }

    @Test func anUnknownVerbOffersNothing() {
        #expect(complete("frobnicate ").candidates.isEmpty)
        #expect(complete("describe ", commands: []).candidates.isEmpty)
    }

    @Test func datasetsWhereADatasetGoes() {
        // `m` is bound but has no columns, so it is no dataset.
        #expect(complete("describe ").candidates == ["penguins", "penguins.train", "iris"])
        #expect(complete("describe pen") == .init(start: 9, candidates: ["penguins", "penguins.train"]))
    }

    @Test func keywordsThenWhatFollowsThem() {
        // After ALGORITHM comes the required `on`, and the options.
        #expect(complete("train tree ").candidates == ["on", "target=", "rate="])
        #expect(complete("train tree on ").candidates == ["penguins", "penguins.train", "iris", "target=", "rate="])
        #expect(complete(#"load "x.csv" "#).candidates == ["as", "header=", "sep="])
    }

    @Test func optionValuesByKind() {
        #expect(complete("split iris stratify=").candidates == ["sepal_length", "species"])
        #expect(complete(#"load "x.csv" header="#).candidates == ["yes", "no"])
        #expect(complete(#"load "x.csv" sep="#).candidates == [",", ";", "tab"])
        // A number takes no completion.
        #expect(complete("split iris seed=").candidates.isEmpty)
    }

    @Test func columnsOfTheNamedDatasetQuotedWhenNeeded() {
        // A name with a space is offered in quotes (typing the quote itself starts a path instead).
        #expect(complete("select penguins ").candidates == ["species", "island", "sex", #""bill length""#])
        #expect(complete("select penguins species, s").candidates == ["species", "sex"])
        #expect(complete("select iris [se").candidates == ["sepal_length"])
    }

    @Test func pathsInsideStrings() {
        #expect(complete(#"load "ex"#) == .init(start: 6, candidates: ["examples/"]))
        // A file closes the string; a folder leaves it open.
        #expect(complete(#"load "examples/i"#) == .init(start: 6, candidates: [#"examples/iris.csv""#]))
        #expect(complete(#"load ""#).candidates == ["README.md\"", "examples/"])
        #expect(complete(#"load ".h"#).candidates == [".hidden\""])
    }

    @Test func onlyTheTextBeforeTheCursorCounts() {
        #expect(complete("desc penguins", cursor: 4) == .init(start: 0, candidates: ["describe"]))
    }
}
