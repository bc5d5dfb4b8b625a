import CommandLanguage
import Testing
@testable import Workbench

/// A session stand-in: two datasets and a small file tree.
private struct FakeSource: CompletionSource {
    var boundNames = ["penguins", "penguins.train", "iris", "m"]
    var lessonNames = ["first-steps", "invoking-a-model", "reading-classification"]
    func columns(of name: String) -> [String]? {
        switch name {
        case "penguins", "penguins.train": ["species", "island", "sex", "bill_length_mm"]
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

@Suite("Tab completion over the command table")
struct CompletionTests {
    private func complete(_ line: String, cursor: Int? = nil) -> Completion.Result {
        Completion.complete(
            line: line, cursor: cursor ?? line.count, source: FakeSource(), commands: CommandTable.signatures)
    }

    @Test func lessonNamesAfterTutorialStart() {
        #expect(complete("tutorial start fi") == .init(start: 15, candidates: ["first-steps"]))
        #expect(
            complete("tutorial resume ").candidates.prefix(3) == [
                "first-steps", "invoking-a-model", "reading-classification",
            ])
        #expect(complete("tutorial st").candidates == ["start", "step"])
    }

    @Test func commandNames() {
        #expect(complete("de") == .init(start: 0, candidates: ["describe", "derive", "dedupe"]))
        #expect(
            complete("s").candidates == [
                "show", "split", "select", "sort", "sample", "serve", "servers", "stop", "save",
            ])
        #expect(complete("x = sp").candidates == ["split"])
        #expect(complete("a, b = sp") == .init(start: 7, candidates: ["split"]))
    }

    @Test func datasetNamesForDatasetArguments() {
        #expect(complete("describe pen") == .init(start: 9, candidates: ["penguins", "penguins.train"]))
        // `m` is not a dataset, so it is not offered where a dataset goes.
        #expect(!complete("describe ").candidates.contains("m"))
    }

    @Test func columnsAfterColumnOptions() {
        #expect(
            complete("split penguins stratify=")
                == .init(start: 24, candidates: ["species", "island", "sex", "bill_length_mm"]))
        #expect(complete("split penguins stratify=s").candidates == ["species", "sex"])
        #expect(complete("split iris stratify=s").candidates == ["sepal_length", "species"])
    }

    @Test func columnsInColumnLists() {
        #expect(complete("select penguins isl").candidates == ["island"])
        #expect(complete("select penguins species, b").candidates == ["bill_length_mm"])
        #expect(complete("drop iris [sep").candidates == ["sepal_length"])
    }

    @Test func optionNamesAndChoices() {
        #expect(complete("split penguins te").candidates == ["test="])
        #expect(complete("load \"x.csv\" header=").candidates == ["yes", "no"])
        #expect(complete("help sp").candidates == ["split"])
    }

    @Test func keywords() {
        #expect(complete("load \"x.csv\" ").candidates.contains("as"))
    }

    @Test func pathsInsideStrings() {
        #expect(complete("load \"ex") == .init(start: 6, candidates: ["examples/"]))
        #expect(complete("load \"examples/p") == .init(start: 6, candidates: ["examples/penguins.csv\""]))
        // Hidden files only when asked for.
        #expect(!complete("load \"").candidates.contains(".hidden\""))
    }

    @Test func cursorInTheMiddle() {
        // Completing `desc` with more text after the cursor only looks at what is before it.
        #expect(complete("desc penguins", cursor: 4) == .init(start: 0, candidates: ["describe"]))
    }
}
