import ArgumentParser
import Foundation
import Workbench

/// `workbench tutorial`: the lessons from the shell.
struct TutorialShell: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tutorial",
        abstract: "List the lessons, start one in a new session, or check lesson files.",
        discussion: """
            workbench tutorial                 lists the lessons and your progress
            workbench tutorial start NAME      opens the REPL in the lesson
            workbench tutorial check FILE.md…  loads each lesson and plays it to the end in a scratch \
            session (its wrong attempts must be refused, its solutions must pass); exit status 1 if any fails
            """)

    @Argument(help: "list, start or check.")
    var action: String = "list"

    @Argument(help: "The lesson to start, or the lesson files to check.")
    var names: [String] = []

    func run() throws {
        let cwd = FileManager.default.currentDirectoryPath
        switch action {
        case "list":
            guard names.isEmpty else { throw ValidationError("'workbench tutorial' lists every lesson; 'workbench tutorial start NAME' starts one") }
            let session = Session(environment: SessionEnvironment(workingDirectory: cwd, home: SessionEnvironment.defaultHome()))
            if let cell = session.execute("tutorial") { print(session.display(cell.output)) }
        case "start":
            guard names.count == 1, let name = names.first else { throw ValidationError("which lesson? workbench tutorial start NAME ('workbench tutorial' lists them)") }
            let repl = try Repl.parse(["--tutorial", name])
            try repl.run()
        case "check":
            guard !names.isEmpty else { throw ValidationError("which lesson files? workbench tutorial check FILE.md …") }
            var failed = 0
            for file in names {
                do {
                    let report = try LessonPlayer.check(file: file, workingDirectory: cwd)
                    if report.succeeded {
                        print("\(file): ok — lesson \(report.lesson), \(report.stepsPassed) steps played to the end, \(report.wrongAttemptsRefused) wrong attempt\(report.wrongAttemptsRefused == 1 ? "" : "s") refused")
                    } else {
                        failed += 1
                        print("\(file): FAIL — lesson \(report.lesson), \(report.stepsPassed) of \(report.stepCount) steps passed")
                        for problem in report.problems { print("  " + problem) }
                    }
                } catch {
                    failed += 1
                    print("\(file): FAIL — \(error.description)")
                }
            }
            if failed > 0 { throw ExitCode(1) }
        default:
            throw ValidationError("unknown action '\(action)': list, start or check")
        }
    }
}
