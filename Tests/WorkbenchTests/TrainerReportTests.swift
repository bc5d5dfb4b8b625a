import Foundation
import Testing
import TestSupport
@testable import Workbench

/// Learners have names and their own progress files (attempts, hints, solutions, time per step);
/// the trainer's report reads folders of such files.
@Suite("Learners and the trainer's report")
struct TrainerReportTests {
    static let fixtures = repositoryRoot + "/Tests/WorkbenchTests/Fixtures"

    @Test func aNamedLearnersProgressRecordsAttemptsHintsSolutionsAndTime() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let home = folder + "/home"
        let session = Session(environment: SessionEnvironment(workingDirectory: folder, home: home))
        let start = try #require(run(session, "tutorial start first-steps as alice"))
        #expect(start.output.plainText.contains("progress kept for learner alice"), "\(start.output.plainText)")
        // A clock the test moves: a minute per command, and once a ten-minute pause (counted as five).
        let lesson = try #require(session.tutorial?.lesson)
        var now = Date(timeIntervalSince1970: 0)
        session.tutorial = TutorialRun(lesson: lesson, store: session.progressStore, clock: { now })
        for (minutes, line) in [
            (1, "tutorial next"), (1, "load examples/penguins.csv"), (10, "load \"examples/iris.csv\""),
            (1, "tutorial solution"), (1, "load \"examples/penguins.csv\""),
        ] {
            now += Double(minutes) * 60
            run(session, line)
        }
        let path = home + "/tutorials/learners/alice.json"
        let progress = try JSONDecoder().decode(
            TutorialProgress.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let load = try #require(progress.lessons["first-steps"]?.steps["load"])
        #expect(load.attempts == 2)
        #expect(load.hints == 2)
        #expect(load.solution)
        // 60 + 300 (the pause) + 60 + 60; the first minute was the welcome step's.
        #expect(load.seconds == 480, "\(load)")
        #expect(progress.lessons["first-steps"]?.steps["welcome"]?.seconds == 60)
        #expect(progress.lessons["first-steps"]?.done == ["welcome", "load"])
        // The unnamed learner's file is untouched.
        #expect(!FileManager.default.fileExists(atPath: home + "/tutorials/progress.json"))
    }

    @Test func oneLearnersFileCannotAffectAnothers() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let shared = folder + "/class"
        func session(_ learner: String) -> Session {
            Session(
                environment: SessionEnvironment(
                    workingDirectory: folder, home: folder + "/home-" + learner, learner: learner,
                    progressFolder: shared))
        }
        let alice = session("alice"), bob = session("bob")
        run(alice, "tutorial start first-steps", "tutorial next")
        run(bob, "tutorial start first-steps", "tutorial next", "load \"examples/iris.csv\"")
        let before = try Data(contentsOf: URL(fileURLWithPath: shared + "/alice.json"))
        run(bob, "tutorial hint", "tutorial solution")
        #expect(try Data(contentsOf: URL(fileURLWithPath: shared + "/alice.json")) == before)
        let names = try FileManager.default.contentsOfDirectory(atPath: shared).sorted()
        #expect(names == ["alice.json", "bob.json"], "no temporary files are left behind")
        let bobs = try JSONDecoder().decode(
            TutorialProgress.self, from: Data(contentsOf: URL(fileURLWithPath: shared + "/bob.json")))
        #expect(bobs.learner == "bob")
        #expect(
            bobs.lessons["first-steps"]?.steps["load"]
                == .init(
                    attempts: 1, hints: 2, solution: true,
                    seconds: bobs.lessons["first-steps"]?.steps["load"]?.seconds ?? -1))
    }

    @Test(arguments: ["../eve", "a/b", ".hidden", "", "-rf", String(repeating: "x", count: 65)])
    func aLearnersNameIsNeverAPath(_ name: String) throws {
        #expect(throws: CommandError.self) { try LearnerName.validate(name) }
        let session = makeSession(in: try temporaryFolder())
        let cell = try #require(run(session, "tutorial start first-steps as \"\(name)\""))
        #expect(!cell.succeeded)
        #expect(session.learner == nil)
    }

    @Test func theLearnerComesFromTheEnvironment() {
        #expect(LearnerName.fromEnvironment(["WORKBENCH_LEARNER": "j.smith"]) == "j.smith")
        #expect(LearnerName.fromEnvironment(["WORKBENCH_LEARNER": "../x"]) == nil)
        #expect(LearnerName.fromEnvironment([:]) == nil)
    }

    @Test func theShellStartsALessonForANamedLearnerOrTheOneInTheEnvironment() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let binary = BuiltProducts.workbench
        let named = try Subprocess(
            binary, ["tutorial", "start", "first-steps", "as", "alice"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/home", "PATH": "/usr/bin:/bin"], input: "tutorial next\n")
        #expect(named.wait(timeout: 120) == 0, "\(named.errorOutput)")
        #expect(named.output.contains("progress kept for learner alice"))
        #expect(FileManager.default.fileExists(atPath: folder + "/home/tutorials/learners/alice.json"))
        let shared = try Subprocess(
            binary, ["tutorial", "start", "first-steps"], in: folder,
            environment: [
                "WORKBENCH_HOME": folder + "/home", "WORKBENCH_LEARNER": "bob", "WORKBENCH_PROGRESS": folder + "/class",
                "PATH": "/usr/bin:/bin",
            ],
            input: "tutorial next\n")
        #expect(shared.wait(timeout: 120) == 0, "\(shared.errorOutput)")
        #expect(FileManager.default.fileExists(atPath: folder + "/class/bob.json"))
        let bad = try Subprocess(
            binary, ["tutorial", "start", "first-steps", "as", "../eve"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/home"], input: "")
        #expect(bad.wait(timeout: 120) != 0)
        #expect(bad.errorOutput.contains("cannot be a learner's name"), "\(bad.errorOutput)")
    }

    @Test func olderProgressFilesStillLoad() throws {
        let old =
            #"{"current":"first-steps","lessons":{"first-steps":{"step":"load","done":["welcome"],"finished":false}}}"#
        let progress = try JSONDecoder().decode(TutorialProgress.self, from: Data(old.utf8))
        #expect(progress.lessons["first-steps"]?.steps == [:])
    }

    /// A folder with the generated lesson about a linear penguin classifier at bundles/p.
    static func classroom() throws -> String {
        let folder = try temporaryFolder()
        let session = makeSession(in: folder)
        run(
            session, "load \"examples/penguins.csv\"", "m = train linear on penguins target=species",
            "export m to \"bundles/p\"",
            "tutorial make \"bundles/p\" to \"tutorials/10-penguin-model.md\"")
        return folder
    }

    @Test func theJSONFormOfThreeLearnersMatchesTheFixture() throws {
        let folder = try Self.classroom()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let report = try TrainerReport.build(
            folders: [Self.fixtures + "/learners"], workingDirectory: folder,
            bundle: ("bundles/p", "penguin-model"), resolve: { folder + "/" + $0 })
        let json = String(decoding: try report.json(), as: UTF8.self) + "\n"
        let fixture = Self.fixtures + "/trainer-report.json"
        if ProcessInfo.processInfo.environment["WORKBENCH_RECORD"] == "1" {
            try json.write(toFile: fixture, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: fixture, encoding: .utf8)
        expectSameLines(
            json, expected, "WORKBENCH_RECORD=1 swift test --filter TrainerReportTests rewrites the fixture")
        // What the fixture says, spelled out.
        #expect(report.learners.map(\.name) == ["alice", "bob", "carol"])
        #expect(report.readiness?.learners.map(\.status) == [.ready, .review, .notReady])
        #expect(report.hardestSteps.first.map { "\($0.lesson) [\($0.step)]" } == "reading-classification [split]")
    }

    @Test func theReportIsPrintedAndWrittenAsAPageThatReusesTheSessionReportsDrawing() throws {
        let folder = try Self.classroom()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession(in: folder)
        let cell = try #require(
            run(
                session,
                "tutorial report \"\(Self.fixtures)/learners\" to \"progress.html\" bundle=\"bundles/p\" lesson=penguin-model"
            ))
        let text = cell.output.plainText
        #expect(cell.succeeded, "\(text)")
        #expect(text.contains("3 learners"))
        #expect(text.contains("Steps where learners needed the most help"))
        #expect(text.contains("needs review"))
        let html = try String(contentsOfFile: folder + "/progress.html", encoding: .utf8)
        for id in ["finished-table", "hardest-table", "readiness-table"] {
            #expect(html.contains("<table id=\"\(id)\""), "\(id)")
        }
        for id in ["finished-chart", "hardest-chart"] {
            #expect(html.contains("id=\"\(id)\" class=\"chart\""), "\(id)")
        }
        #expect(!html.contains("<script"))
        // Written once; again only with overwrite=yes.
        let again = try #require(run(session, "tutorial report \"\(Self.fixtures)/learners\" to \"progress.html\""))
        #expect(!again.succeeded)
        #expect(again.output.plainText.contains("progress.html already exists"))
        #expect(
            try #require(
                run(session, "tutorial report \"\(Self.fixtures)/learners\" to \"progress.html\" overwrite=yes")
            ).succeeded)
    }

    @Test func theShellReportRefusesToOverwriteAndPrintsJSON() throws {
        let folder = try Self.classroom()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let binary = BuiltProducts.workbench
        let learners = Self.fixtures + "/learners"
        let first = try Subprocess(
            binary,
            ["tutorial", "report", learners, "-o", "p.json", "--bundle", "bundles/p", "--lesson", "penguin-model"],
            in: folder)
        #expect(first.wait(timeout: 120) == 0, "\(first.errorOutput)")
        let written = try String(contentsOfFile: folder + "/p.json", encoding: .utf8)
        #expect(
            written == (try String(contentsOfFile: Self.fixtures + "/trainer-report.json", encoding: .utf8)).dropLast(1)
        )
        let second = try Subprocess(binary, ["tutorial", "report", learners, "-o", "p.json"], in: folder)
        #expect(second.wait(timeout: 120) == 2)
        #expect(
            second.errorOutput.contains("p.json already exists") && second.errorOutput.contains("add --overwrite"),
            "\(second.errorOutput)")
        let json = try Subprocess(binary, ["tutorial", "report", learners, "--json"], in: folder)
        #expect(json.wait(timeout: 120) == 0)
        #expect(json.output.contains("\"learners\""))
    }

    @Test func aFileThatIsNotProgressIsANote() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: Self.fixtures + "/learners/carol.json", toPath: folder + "/carol.json")
        try "not json".write(toFile: folder + "/dave.json", atomically: true, encoding: .utf8)
        let report = try TrainerReport.build(folders: [folder], catalog: [])
        #expect(report.learners.map(\.name) == ["carol"])
        #expect(report.notes == ["\(folder)/dave.json is not a progress file; skipped"])
    }
}
