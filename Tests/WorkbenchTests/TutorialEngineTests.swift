import Foundation
import Testing
import TestSupport
@testable import Workbench

@Suite("Tutorial engine in a session")
struct TutorialEngineTests {
    private func text(_ cell: Cell?) -> String { cell?.output.plainText ?? "" }

    @Test func listShowsLessonsWithProgress() {
        let session = makeSession()
        let out = text(run(session, "tutorial"))
        #expect(out.contains("first-steps"))
        #expect(out.contains("not started"))
        #expect(out.contains("reading-classification"))
    }

    @Test func aDoStepPassesOnItsEffectAndAWrongAttemptRevealsAHint() throws {
        let session = makeSession()
        let start = text(run(session, "tutorial start first-steps"))
        #expect(start.contains("step 1/"))
        #expect(start.contains("[welcome]"))
        #expect(text(run(session, "tutorial next")).contains("[load]"))
        // A command that does not load the penguins is a wrong attempt: first hint.
        let wrong = text(run(session, "load \"examples/iris.csv\""))
        #expect(wrong.contains("✗ [load] not done yet"))
        #expect(wrong.contains("hint 1/2:"))
        // A failing command counts too: second hint.
        let failing = try #require(session.execute("load \"examples/nope.csv\""))
        #expect(!failing.succeeded)
        #expect(failing.output.plainText.contains("hint 2/2:"))
        // After the last hint, the solution.
        #expect(text(run(session, "load \"examples/nope.csv\"")).contains("solution for [load]:"))
        // Loaded under another name, with another spelling of the path: still passes.
        let right = text(run(session, "birds = load \"./examples/penguins.csv\""))
        #expect(right.contains("✓ [load] done (birds)"))
        #expect(right.contains("[rows-columns]"))
    }

    @Test func questionsAreGradedByMeaning() throws {
        let session = makeSession()
        run(session, "tutorial start first-steps", "tutorial next", "load \"examples/penguins.csv\"", "tutorial next")
        let wrong = text(run(session, "answer 7"))
        #expect(wrong.contains("✗ [count-columns] not quite"))
        #expect(wrong.contains("hint 1/2"))
        let notNumber = try #require(session.execute("answer eight"))
        #expect(!notNumber.succeeded)
        #expect(notNumber.output.plainText.contains("is not a number"))
        #expect(text(run(session, "answer 8.0")).contains("✓ [count-columns] right"))
        // show on the dataset passes the show step.
        #expect(text(run(session, "show penguins rows=3")).contains("✓ [show] done (penguins)"))
    }

    @Test func solutionHintSkipBackAndStep() {
        let session = makeSession()
        run(session, "tutorial start first-steps", "tutorial next")
        #expect(text(run(session, "tutorial hint")).contains("hint 1/2"))
        #expect(text(run(session, "tutorial solution")).contains("load \"examples/penguins.csv\""))
        #expect(text(run(session, "tutorial step")).hasPrefix("step 2/"))
        #expect(text(run(session, "tutorial skip")).contains("skipped [load]"))
        #expect(text(run(session, "tutorial back")).contains("[load]"))
        let next = session.execute("tutorial next")
        #expect(next?.succeeded == false)
        #expect(text(next).contains("is waiting for you to run a command"))
    }

    @Test func aDoStepAlreadyDoneIsPassedOnEntry() {
        let session = makeSession()
        run(session, "load \"examples/penguins.csv\"", "tutorial start first-steps")
        let out = text(run(session, "tutorial next"))
        #expect(out.contains("✓ [load] already done"))
        #expect(out.contains("[rows-columns]"))
    }

    @Test func progressIsSavedAndResumedInALaterSession() {
        let home = NSTemporaryDirectory() + "wb-tutor-home-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        let first = Session(environment: SessionEnvironment(workingDirectory: repositoryRoot, home: home))
        run(first, "tutorial start first-steps", "tutorial next", "load \"examples/penguins.csv\"")
        #expect(text(run(first, "tutorial quit")).contains("left lesson first-steps at step 3/"))
        #expect(first.tutorial == nil)

        let second = Session(environment: SessionEnvironment(workingDirectory: repositoryRoot, home: home))
        #expect(text(run(second, "tutorial")).contains("on step 3"))
        let resumed = text(run(second, "tutorial resume"))
        #expect(resumed.contains("resuming first-steps at step 3/"))
        #expect(resumed.contains("[rows-columns]"))
    }

    @Test func aFinishedLessonEndsAndIsListedAsFinished() {
        let session = makeSession()
        run(session, "tutorial start first-steps")
        var last = ""
        for _ in 0..<20 where session.tutorial != nil { last = text(run(session, "tutorial skip")) }
        #expect(session.tutorial == nil)
        #expect(last.contains("lesson first-steps finished: 0 of"))
        #expect(text(run(session, "tutorial")).contains("finished"))
    }

    @Test func errorsSayWhatToDo() {
        let session = makeSession()
        let noLesson = session.execute("tutorial hint")
        #expect(noLesson?.succeeded == false)
        #expect(text(noLesson).contains("no lesson is running"))
        #expect(text(session.execute("answer 3")).contains("no tutorial question is waiting"))
        #expect(text(session.execute("tutorial start first-step")).contains("did you mean 'first-steps'?"))
        #expect(text(session.execute("tutorial strat first-steps")).contains("did you mean 'start'?"))
        #expect(text(session.execute("tutorial resume")).contains("there is no lesson to resume"))
    }

    @Test func aBrokenLessonIsRefusedWithFileAndLineAndTheOthersStillWork() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/tutorials", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: repositoryRoot + "/tutorials/01-first-steps.md", toPath: folder + "/tutorials/01-first-steps.md")
        try FileManager.default.copyItem(
            atPath: repositoryRoot + "/Tests/WorkbenchTests/Fixtures/tutorials/unknown-kind.md",
            toPath: folder + "/tutorials/02-broken.md")
        let session = makeSession(in: folder)
        let list = text(run(session, "tutorial"))
        #expect(list.contains("first-steps"))
        #expect(list.contains("02-broken.md:9: unknown step kind 'quiz'"))
        let start = try #require(session.execute("tutorial start broken"))
        #expect(!start.succeeded)
        #expect(start.output.plainText.contains("02-broken.md:9: unknown step kind 'quiz'"))
        #expect(start.output.plainText.contains("hint: "))
        #expect(text(run(session, "tutorial start first-steps")).contains("[welcome]"))
    }

    @Test func rerunCountsAsTheCommandItReran() {
        let session = makeSession()
        run(
            session, "load \"examples/penguins.csv\"", "tutorial start first-steps", "tutorial next", "tutorial next",
            "answer 8")
        #expect(session.tutorial?.step.id == "show")
        // ls looks around: it neither passes nor fails the step.
        run(session, "show penguins rows=2", "ls")
        #expect(session.tutorial?.step.id == "types")
        run(session, "tutorial next")
        #expect(session.tutorial?.step.id == "describe")
        run(session, "describe penguins", "tutorial back")
        #expect(session.tutorial?.step.id == "describe")
        #expect(text(run(session, "rerun 9")).contains("✓ [describe] done (penguins)"))
    }

    @Test func evaluationQuestionsReadTheLearnersOwnNumbers() throws {
        let session = makeSession()
        run(
            session, "tutorial start reading-regression", "load \"examples/diabetes.csv\"", "split diabetes",
            "r = train linear on diabetes.train target=progression")
        run(session, "evaluate r on diabetes.test")
        #expect(session.tutorial?.step.id == "units")
        run(session, "tutorial next")
        // The expected RMSE, computed independently of the tutorial.
        run(session, "e = evaluate r on diabetes.test")
        guard case .number(let rmse)? = session.lookup("e.rmse") else {
            Issue.record("no e.rmse")
            return
        }
        #expect(text(run(session, "answer \(rmse + 5)")).contains("not quite"))
        #expect(text(run(session, "answer \(String(format: "%.2f", rmse))")).contains("✓ [rmse] right"))
    }
}

/// `tutorial make`: a lesson about one exported model that the loader accepts and a learner
/// following its solutions and expected answers can finish, for a classifier and a regressor.
@Suite("Tutorial make")
struct LessonMakerTests {
    @Test(arguments: [("penguins", "boost", "species"), ("diabetes", "linear", "progression")])
    func aMadeLessonLoadsAndCanBeFinished(data: String, algorithm: String, target: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(
            atPath: "\(repositoryRoot)/examples/\(data).csv", toPath: "\(folder)/\(data).csv")
        let session = makeSession(in: folder)
        run(
            session, "load \"\(data).csv\"", "m = train \(algorithm) on \(data) target=\(target)",
            "export m to \"bundles/\(data)\"")
        let made = try #require(run(session, "tutorial make \"bundles/\(data)\" to \"tutorials/10-\(data)-model.md\""))
        #expect(made.succeeded, "\(made.output.plainText)")
        #expect(made.output.plainText.hasPrefix("wrote lesson \(data)-model to tutorials/10-\(data)-model.md"))

        let lesson = try LessonLibrary.lesson(named: "\(data)-model", workingDirectory: folder)
        let text = try String(contentsOfFile: "\(folder)/tutorials/10-\(data)-model.md", encoding: .utf8)
        #expect(text.contains("curl -s -X POST localhost:8080/v1/predict"))
        #expect(text.contains("Known limitations") || text.contains("known limitations"))
        #expect(lesson.steps.filter { $0.kind == .question }.count == 2)

        // A fresh session plays the lesson: solutions for do steps, expected answers for questions.
        let learner = makeSession(in: folder)
        var last = try #require(run(learner, "tutorial start \(data)-model"))
        for step in lesson.steps {
            switch step.kind {
            case .explain: last = try #require(run(learner, "tutorial next"))
            case .do: for line in step.solution { last = try #require(run(learner, line)) }
            case .question:
                guard case .number(.literal(_, let expected), _)? = step.answer else {
                    Issue.record("[\(step.id)] expected a fixed number answer")
                    continue
                }
                // A wrong answer first: it must be refused with a hint.
                let wrong = try #require(run(learner, "answer 123456"))
                #expect(wrong.output.plainText.contains("not quite"))
                last = try #require(run(learner, "answer \(expected)"))
                #expect(last.output.plainText.contains("✓ [\(step.id)] right"), "\(last.output.plainText)")
            }
        }
        #expect(
            last.output.plainText.contains(
                "lesson \(data)-model finished: \(lesson.steps.count) of \(lesson.steps.count) steps done"),
            "\(last.output.plainText)")
    }

    @Test func badRequestsSayWhatToDo() throws {
        let session = makeSession()
        let missing = try #require(run(session, "tutorial make \"no/such/bundle\" to \"tutorials/x.md\""))
        #expect(!missing.succeeded)
        let noTarget = try #require(run(session, "tutorial make \"no/such/bundle\""))
        #expect(noTarget.output.plainText.contains("tutorial make needs a bundle and where to write the lesson"))
        let stray = try #require(run(session, "tutorial hint to \"x.md\""))
        #expect(!stray.succeeded)
    }
}
