import Foundation
import Testing
import TestSupport
@testable import Workbench

/// Lessons played headless: every shipped lesson can be finished, wrong attempts are refused, and
/// a lesson whose "wrong" attempt passes (or whose solution fails) is reported by step.
@Suite("Lesson player and tutorial check")
struct LessonPlayerTests {
    static let lesson = """
        # Tiny
        summary: One do step.

        ## load: Load the penguins
        kind: do

        Load them.

        ```check
        dataset file=examples/penguins.csv rows=344
        ```

        ```hints
        Use load.
        ```

        ```wrong
        WRONG
        ```

        ```solution
        load "examples/penguins.csv"
        ```
        """

    static func play(_ text: String) throws -> LessonPlayer.Report {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try text.write(toFile: folder + "/10-tiny.md", atomically: true, encoding: .utf8)
        return try LessonPlayer.check(file: folder + "/10-tiny.md", workingDirectory: folder)
    }

    @Test func everyShippedLessonPlaysToTheEnd() async throws {
        for file in LessonLibrary.files(in: repositoryRoot + "/tutorials") {
            let folder = try temporaryFolder()
            // Off the cooperative pool: a lesson may `serve` (see offPool).
            let report = try await offPool { try LessonPlayer.check(file: file, workingDirectory: folder) }
            #expect(report.succeeded, "\(file): \(report.problems)")
            #expect(report.stepsPassed == report.stepCount)
        }
    }

    @Test func aWrongAttemptIsRefusedAndTheSolutionPasses() throws {
        let report = try Self.play(Self.lesson.replacingOccurrences(of: "WRONG", with: "load \"examples/iris.csv\""))
        #expect(report.succeeded, "\(report.problems)")
        #expect(report.wrongAttemptsRefused == 1)
        #expect(report.commands == ["load \"examples/iris.csv\"", "load \"examples/penguins.csv\""])
    }

    @Test func aWrongAttemptThatPassesIsReported() throws {
        let report = try Self.play(
            Self.lesson.replacingOccurrences(of: "WRONG", with: "load \"examples/penguins.csv\" as p"))
        #expect(!report.succeeded)
        #expect(report.problems == ["[load]: the wrong attempt 'load \"examples/penguins.csv\" as p' passed the step"])
    }

    @Test func aSolutionThatFailsIsReported() throws {
        let text = Self.lesson.replacingOccurrences(of: "WRONG", with: "load \"examples/iris.csv\"")
            .replacingOccurrences(of: "load \"examples/penguins.csv\"\n```", with: "load \"examples/penguin.csv\"\n```")
        let report = try Self.play(text)
        #expect(!report.succeeded)
        #expect(
            report.problems.contains {
                $0.hasPrefix("[load]: the solution's command 'load \"examples/penguin.csv\"' failed")
            })
    }

    @Test func theShellChecksLessonFiles() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.lesson.replacingOccurrences(of: "WRONG", with: "load \"examples/penguins.csv\" as p")
            .write(toFile: folder + "/bad.md", atomically: true, encoding: .utf8)
        let binary = BuiltProducts.workbench
        let good = try Subprocess(
            binary, ["tutorial", "check", repositoryRoot + "/tutorials/01-first-steps.md"], in: folder)
        #expect(good.wait(timeout: 120) == 0)
        #expect(good.output.contains("01-first-steps.md: ok — lesson first-steps, 10 steps played to the end"))
        let bad = try Subprocess(binary, ["tutorial", "check", "bad.md"], in: folder)
        #expect(bad.wait(timeout: 120) == 1)
        #expect(bad.output.contains("bad.md: FAIL") && bad.output.contains("passed the step"))
        let list = try Subprocess(
            binary, ["tutorial"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/home", "PATH": "/usr/bin:/bin"])
        #expect(list.wait(timeout: 60) == 0)
        #expect(list.output.contains("when-not-to-trust"))
    }
}

@Suite("Commands that only look are no attempts")
struct NeutralCommandTests {
    @Test func serversDuringTheStopStepIsNoFailedAttempt() throws {
        let session = makeSession(in: try temporaryFolder())
        let lesson = try LessonLibrary.lesson(named: "invoking-a-model", workingDirectory: repositoryRoot)
        let stop = try #require(lesson.index(of: "stop"))
        session.tutorial = TutorialRun(lesson: lesson, index: stop, store: ProgressStore(home: ""))
        let cell = try #require(run(session, "servers"))
        #expect(!cell.output.plainText.contains("✗"), "\(cell.output.plainText)")
        #expect(session.tutorial?.hintsShown == 0)
    }

    @Test func theCommandAStepAsksForStillCounts() throws {
        let session = makeSession(in: try temporaryFolder())
        let lesson = try LessonLibrary.lesson(named: "first-steps", workingDirectory: repositoryRoot)
        let show = try #require(lesson.index(of: "show"))
        session.tutorial = TutorialRun(lesson: lesson, index: show, store: ProgressStore(home: ""))
        run(session, "load \"examples/iris.csv\"")
        let cell = try #require(run(session, "show iris"))
        #expect(cell.output.plainText.contains("✗ [show] not done yet"))
    }
}

@Suite("Generated lessons teach commands that work")
struct GeneratedLessonCommandTests {
    @Test func theShellPredictLineOfAGeneratedLessonRuns() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession(in: folder)
        run(
            session, "load \"examples/penguins.csv\"", "m = train linear on penguins target=species",
            "export m to \"bundles/penguins\"",
            "tutorial make \"bundles/penguins\" to \"tutorials/10-penguin-model.md\"")
        let text = try String(contentsOfFile: folder + "/tutorials/10-penguin-model.md", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("`workbench predict") })
        let command = try #require(line.split(separator: "`").first { $0.hasPrefix("workbench predict") })
        try FileManager.default.copyItem(atPath: exampleData + "/penguins_fresh.csv", toPath: folder + "/rows.csv")
        let binary = BuiltProducts.workbench
        let process = try Subprocess(
            "/bin/sh", ["-c", String(command)], in: folder,
            environment: [
                "PATH": (binary as NSString).deletingLastPathComponent + ":/usr/bin:/bin",
                "WORKBENCH_HOME": folder + "/home",
            ])
        #expect(process.wait(timeout: 120) == 0, "\(command): \(process.errorOutput)")
        // And the lesson itself plays to the end.
        let report = try LessonPlayer.check(file: folder + "/tutorials/10-penguin-model.md", workingDirectory: folder)
        #expect(report.succeeded, "\(report.problems)")
    }
}
