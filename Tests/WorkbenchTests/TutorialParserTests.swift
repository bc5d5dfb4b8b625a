import Foundation
import Testing
import TestSupport
@testable import Workbench
import Diagnostics

@Suite("Tutorial lesson files")
struct TutorialParserTests {
    static let lessonFiles = LessonLibrary.files(in: repositoryRoot + "/tutorials")
    static let fixtures = repositoryRoot + "/Tests/WorkbenchTests/Fixtures/tutorials"

    @Test func thereAreLessons() {
        #expect(Self.lessonFiles.count >= 3)
    }

    @Test(arguments: lessonFiles)
    func lessonLoads(path: String) throws {
        let lesson = try LessonParser.load(path: path)
        #expect(!lesson.steps.isEmpty)
        #expect(!lesson.summary.isEmpty, "\(path): add a summary: line")
        for step in lesson.steps where step.kind != .explain {
            #expect(!step.hints.isEmpty, "\(path):\(step.line): step \(step.id) has no hints")
        }
    }

    @Test func eachLessonHasARecordedSolutionTranscript() {
        for path in Self.lessonFiles {
            let name = LessonParser.lessonName(fromFile: path)
            #expect(
                FileManager.default.fileExists(atPath: repositoryRoot + "/sessions/tutorial-\(name).wbt"),
                "record sessions/tutorial-\(name).wbt")
        }
    }

    /// Each broken lesson fails at load with its file and the exact line of the mistake.
    @Test(arguments: [
        ("unknown-kind.md", 9, "unknown step kind 'quiz'"),
        ("check-names-nothing.md", 8, "names nothing to check"),
        ("check-unknown-command.md", 7, "'ran describ' names no command"),
        ("unterminated-block.md", 10, "```hints block opened here is never closed"),
        ("question-without-answer.md", 8, "question 'how-many' has no ```answer block"),
        ("duplicate-id.md", 17, "duplicate step id 'intro' (first used at line 3)"),
        ("unknown-block.md", 6, "unknown block '```chek'"),
        ("unknown-check.md", 7, "unknown check 'modle'"),
        ("choice-not-offered.md", 12, "the answer 'e' is not one of the choices"),
        ("missing-kind.md", 4, "needs a 'kind:' line"),
    ])
    func brokenLessonIsRejected(file: String, line: Int, message: String) throws {
        let path = Self.fixtures + "/" + file
        let error = try #require(throws: LessonError.self) { try LessonParser.load(path: path) }
        let text = error.description
        #expect(text.contains("\(file):\(line): "), "\(text)")
        #expect(text.contains(message), "\(text)")
    }

    @Test func typosGetASuggestion() throws {
        let error = try #require(throws: LessonError.self) {
            try LessonParser.load(path: Self.fixtures + "/unknown-check.md")
        }
        #expect(error.description.contains("did you mean 'model'?"))
    }

    @Test func lessonNameDropsTheOrderPrefix() {
        #expect(LessonParser.lessonName(fromFile: "tutorials/01-first-steps.md") == "first-steps")
        #expect(LessonParser.lessonName(fromFile: "tutorials/plain.md") == "plain")
    }

    @Test func parsesChecksAnswersAndBlocks() throws {
        let text = """
            # Sample
            summary: s
            minutes: 5

            ## load: Load
            kind: do

            Load it.

            ```check
            dataset file="examples/penguins.csv" rows=344
            model algorithm=forest target=species
            predicted rows=1 row.island=Biscoe
            ran describe
            ```

            ```hints
            - first
            second
            ```

            ```solution
            load "examples/penguins.csv"
            ```

            ## acc: Accuracy
            kind: question

            ```answer
            number evaluation.accuracy tolerance=1%
            ```
            """
        let lesson = try LessonParser.parse(text, path: "sample.md", name: "sample")
        #expect(lesson.minutes == 5)
        #expect(lesson.steps.map(\.id) == ["load", "acc"])
        #expect(
            lesson.steps[0].checks == [
                .dataset(DatasetFilter(rows: 344, file: "examples/penguins.csv")),
                .model(ModelFilter(algorithm: "forest", target: "species")),
                .predicted(ModelFilter(), rows: 1, values: ["island": "Biscoe"]),
                .ran(command: "describe", DatasetFilter()),
            ])
        #expect(lesson.steps[0].hints == ["first", "second"])
        #expect(lesson.steps[0].text == ["Load it."])
        #expect(lesson.steps[1].answer == .number(.evaluation(metric: "accuracy"), tolerance: .relative(0.01)))
    }

    @Test(arguments: [
        ("model algorithm=forrest", "unknown algorithm 'forrest'"),
        ("dataset", "names nothing to look for"),
        ("dataset rowz=3", "'dataset' has no condition 'rowz'"),
        ("dataset rows=many", "rows must be a whole number"),
        ("ran", "'ran' names no command"),
        ("model threshold=maybe", "threshold must be yes or no, found 'maybe'"),
        ("model conformal=1", "conformal must be yes or no"),
        ("ran plot calibratoin", "'plot' has no kind 'calibratoin'"),
    ])
    func badCheckLines(line: String, message: String) throws {
        let text = "# T\n\n## s: S\nkind: do\n\n```check\n\(line)\n```\n\n```solution\nx\n```\n"
        let error = try #require(throws: LessonError.self) { try LessonParser.parse(text, path: "t.md", name: "t") }
        #expect(error.description.hasPrefix("t.md:7: "), "\(error)")
        #expect(error.description.contains(message), "\(error)")
    }

    /// Checks on a model's decision parts, and `ran` with the kind of a command that has kinds.
    @Test func decisionConditionsAndCommandKindsParse() throws {
        let text =
            "# T\n\n## s: S\nkind: do\n\n```check\nmodel threshold=yes calibrated=no conformal=yes\nran plot calibration rows=171\n```\n\n```solution\nx\n```\n"
        let lesson = try LessonParser.parse(text, path: "t.md", name: "t")
        #expect(
            lesson.steps[0].checks == [
                .model(ModelFilter(threshold: true, calibrated: false, conformal: true)),
                .ran(command: "plot calibration", DatasetFilter(rows: 171)),
            ])
    }

    @Test func answerNamingAnUnknownMetricIsRejected() throws {
        let text = "# T\n\n## q: Q\nkind: question\n\n```answer\nnumber evaluation.acuracy\n```\n"
        let error = try #require(throws: LessonError.self) { try LessonParser.parse(text, path: "t.md", name: "t") }
        #expect(error.description.hasPrefix("t.md:7: 'evaluation.acuracy' names no metric"))
        #expect(error.description.contains("did you mean 'evaluation.accuracy'?"))
    }
}
