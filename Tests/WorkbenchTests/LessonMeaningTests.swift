import Foundation
import Tabular
import Testing
import TestSupport
@testable import Workbench
import Diagnostics

/// Checks by meaning: a stratified split is one whose parts keep the class shares, an evaluation
/// counts only on rows the model did not train on, and every step of every shipped lesson refuses
/// its wrong-but-plausible attempts with one of its hints.
@Suite("Lesson checks by meaning")
struct LessonMeaningTests {
    static let shippedLessons = LessonLibrary.files(in: repositoryRoot + "/tutorials")

    @Test(arguments: shippedLessons)
    func everyWrongAttemptOfAShippedLessonIsRefusedWithAHint(file: String) async throws {
        let lesson = try LessonParser.load(path: file)
        for step in lesson.steps where step.kind != .explain {
            #expect(!step.wrongAttempts.isEmpty, "\(lesson.name) [\(step.id)] has no wrong attempts")
        }
        // Off the cooperative pool: a lesson may `serve` (see offPool).
        let folder = try temporaryFolder()
        let report = try await offPool { try LessonPlayer.check(file: file, workingDirectory: folder) }
        #expect(report.succeeded, "\(lesson.name): \(report.problems)")
        #expect(report.wrongAttemptsRefused == lesson.steps.reduce(0) { $0 + $1.wrongAttempts.count })
    }

    /// A session on the step `id` of a shipped lesson, after `setup`.
    static func session(on id: String, of name: String, after setup: String...) throws -> Session {
        let session = makeSession(in: try temporaryFolder())
        for line in setup { run(session, line) }
        let lesson = try LessonLibrary.lesson(named: name, workingDirectory: repositoryRoot)
        session.tutorial = TutorialRun(
            lesson: lesson, index: try #require(lesson.index(of: id)), store: ProgressStore(home: ""))
        return session
    }

    @Test func anUnstratifiedSplitIsRefusedWithTheStepsHint() throws {
        let session = try Self.session(
            on: "split", of: "reading-classification", after: "load \"examples/penguins.csv\"")
        let cell = try #require(run(session, "split penguins test=0.2 seed=3"))
        let text = cell.output.plainText
        #expect(
            text.contains(
                "✗ [split] not done yet: a split into two parts of 344 rows, 69 rows in the test part, each part keeping the share of every species"
            ), "\(text)")
        #expect(text.contains("penguins.test has"), "\(text)")
        #expect(text.contains("hint 1/2: The command is split"), "\(text)")
        #expect(session.tutorial?.step.id == "split")
    }

    @Test func anyStratifiedSplitOfTheRightSizePassesWhateverItsNames() throws {
        let session = try Self.session(
            on: "split", of: "reading-classification", after: "load \"examples/penguins.csv\"")
        let cell = try #require(run(session, "learn, held = split penguins test=20% stratify=species seed=11"))
        #expect(cell.output.plainText.contains("✓ [split] done (learn and held)"), "\(cell.output.plainText)")
    }

    @Test func sharesAreKeptWithinOneRowPerClass() throws {
        func frame(_ labels: [String]) throws -> DataFrame {
            let levels = Array(Set(labels)).sorted()
            return try DataFrame(columns: [
                Column(
                    name: "y",
                    data: .categorical(codes: labels.map { Int32(levels.firstIndex(of: $0)!) }, levels: levels))
            ])
        }
        // Whole: 4 a, 4 b. A test part of 4 should hold 2 a, 2 b; 3 a and 1 b is one row off (kept),
        // 4 a and 0 b is two rows off (not kept).
        #expect(
            SplitMeaning.sharesNotKept(
                [try frame(["a", "b", "b", "b"]), try frame(["a", "a", "a", "b"])], column: "y"
            ).isEmpty)
        let drifts = SplitMeaning.sharesNotKept(
            [try frame(["b", "b", "b", "b"]), try frame(["a", "a", "a", "a"])], column: "y")
        #expect(drifts.contains(SplitMeaning.Drift(part: 1, value: "a", count: 4, expected: 2)))
    }

    @Test func anEvaluationOnTrainingRowsIsRefused() throws {
        let session = try Self.session(
            on: "evaluate", of: "reading-classification",
            after: "load \"examples/penguins.csv\"", "split penguins test=0.2 stratify=species seed=3",
            "m = train forest on penguins.train target=species")
        for wrong in ["e = evaluate m on penguins.train", "e = evaluate m on penguins"] {
            let text = try #require(run(session, wrong)).output.plainText
            #expect(
                text.contains(
                    "✗ [evaluate] not done yet: a model predicting species is evaluated on rows it did not train on"),
                "\(text)")
            #expect(text.contains("m trained on 275 of the rows it was evaluated on"), "\(text)")
        }
        let right = try #require(run(session, "evaluate m on penguins.test")).output.plainText
        #expect(right.contains("✓ [evaluate] done (m)"), "\(right)")
    }

    @Test func rowsSeenCountsTrainingRowsByContent() throws {
        let session = makeSession(in: try temporaryFolder())
        run(session, "load \"examples/penguins.csv\"", "split penguins test=0.2 seed=3")
        guard case .dataset(let whole)? = session.lookup("penguins"),
            case .dataset(let train)? = session.lookup("penguins.train"),
            case .dataset(let test)? = session.lookup("penguins.test")
        else {
            Issue.record("no split")
            return
        }
        #expect(SplitMeaning.rowsSeen(test.frame, in: train.frame) == 0)
        #expect(SplitMeaning.rowsSeen(whole.frame, in: train.frame) == 275)
        #expect(SplitMeaning.rowsSeen(train.frame, in: train.frame) == 275)
    }

    @Test func aCommandAHintQuotesIsNoFailedAttempt() throws {
        let text = """
            # T
            summary: s

            ## train: Train
            kind: do

            Train a model.

            ```check
            model target=species
            ```

            ```hints
            'plot penguins' shows the data first, if you like.
            ```

            ```solution
            m = train forest on penguins target=species
            ```
            """
        let lesson = try LessonParser.parse(text, path: "t.md", name: "t")
        let session = makeSession(in: try temporaryFolder())
        run(session, "load \"examples/penguins.csv\"")
        session.tutorial = TutorialRun(lesson: lesson, store: ProgressStore(home: ""))
        let cell = try #require(run(session, "plot penguins"))
        #expect(!cell.output.plainText.contains("✗"), "\(cell.output.plainText)")
        #expect(session.tutorial?.hintsShown == 0)
        // A command the hints do not suggest is an attempt.
        #expect(
            try #require(run(session, "m = train forest on penguins target=island")).output.plainText.contains(
                "✗ [train]"))
    }

    @Test(arguments: [
        (
            "split rows=344 test=69 stratified=species",
            Requirement.split(SplitFilter(rows: 344, test: 69, stratified: "species"))
        ),
        ("evaluated target=species unseen=yes", Requirement.evaluated(ModelFilter(target: "species"), unseen: true)),
    ])
    func checksByMeaningParse(line: String, expected: Requirement) throws {
        let text = "# T\n\n## s: S\nkind: do\n\n```check\n\(line)\n```\n\n```solution\nx\n```\n"
        #expect(try LessonParser.parse(text, path: "t.md", name: "t").steps[0].checks == [expected])
    }

    @Test func aWrongAttemptAtAQuestionIsAnAnswer() throws {
        let text = "# T\n\n## q: Q\nkind: question\n\n```answer\nnumber 8\n```\n\n```wrong\nload x\n```\n"
        let error = try #require(throws: LessonError.self) { try LessonParser.parse(text, path: "t.md", name: "t") }
        #expect(error.description.contains("a wrong attempt at question 'q' is an answer"), "\(error)")
    }
}
