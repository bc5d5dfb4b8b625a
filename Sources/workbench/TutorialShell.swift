import ArgumentParser
import Foundation
import Workbench
import Diagnostics

/// `workbench tutorial`: the lessons from the shell.
struct TutorialShell: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tutorial",
        abstract: "List the lessons, start one in a new session, check lesson files, or report learners' progress.",
        discussion: """
            workbench tutorial                      lists the lessons and your progress
            workbench tutorial start NAME [as WHO]  opens the REPL in the lesson (progress kept for learner WHO, \
            or $WORKBENCH_LEARNER)
            workbench tutorial check FILE.md…       loads each lesson and plays it to the end in a scratch \
            session (its wrong attempts must be refused, its solutions must pass); exit status 1 if any fails
            workbench tutorial report DIR…          the trainer's view of learners' progress folders: who finished \
            which lesson, the steps that needed most help, and with --bundle B --lesson NAME each learner's \
            readiness for B's generated lesson; -o FILE.html writes a page, -o FILE.json or --json the JSON form
            """)

    @Argument(help: "list, start, check or report.")
    var action: String = "list"

    @Argument(
        help:
            "The lesson to start (optionally 'as WHO'), the lesson files to check, or the progress folders to report on."
    )
    var names: [String] = []

    @Option(name: .shortAndLong, help: "report: the page (.html) or JSON (.json) to write.")
    var output: String?

    @Flag(name: .long, help: "report: print the JSON form instead of tables.")
    var json = false

    @Option(name: .long, help: "report: the bundle whose generated lesson readiness is judged for.")
    var bundle: String?

    @Option(name: .long, help: "report: the name of the bundle's generated lesson (with --bundle).")
    var lesson: String?

    @Flag(name: .long, help: "report: replace an existing output file.")
    var overwrite = false

    func run() throws {
        let cwd = FileManager.default.currentDirectoryPath
        guard action == "report" || (output == nil && !json && bundle == nil && lesson == nil && !overwrite) else {
            throw ValidationError(
                "-o, --json, --bundle, --lesson and --overwrite belong to 'workbench tutorial report'")
        }
        switch action {
        case "list":
            guard names.isEmpty else {
                throw ValidationError(
                    "'workbench tutorial' lists every lesson; 'workbench tutorial start NAME' starts one")
            }
            let session = Session(
                environment: SessionEnvironment(
                    workingDirectory: cwd, home: SessionEnvironment.defaultHome(),
                    learner: LearnerName.fromEnvironment(), progressFolder: ProgressStore.sharedFolder()))
            if let cell = session.execute("tutorial") { print(session.display(cell.output)) }
        case "start":
            var arguments: [String]
            switch names.count {
            case 1: arguments = ["--tutorial", names[0]]
            case 3 where names[1] == "as": arguments = ["--tutorial", names[0], "--learner", names[2]]
            default:
                throw ValidationError(
                    "which lesson? workbench tutorial start NAME [as LEARNER] ('workbench tutorial' lists them)")
            }
            let repl = try Repl.parse(arguments)
            try repl.run()
        case "check":
            guard !names.isEmpty else {
                throw ValidationError("which lesson files? workbench tutorial check FILE.md …")
            }
            try check(cwd: cwd)
        case "report":
            guard !names.isEmpty else {
                throw ValidationError("which progress folders? workbench tutorial report DIR …")
            }
            guard (bundle == nil) == (lesson == nil) else {
                throw ValidationError(
                    "--bundle and --lesson go together: the bundle and the name of the lesson tutorial make wrote about it"
                )
            }
            try report(cwd: cwd)
        default:
            throw ValidationError("unknown action '\(action)': list, start, check or report")
        }
    }

    private func check(cwd: String) throws {
        var failed = 0
        for file in names {
            do {
                let report = try LessonPlayer.check(file: file, workingDirectory: cwd)
                if report.succeeded {
                    print(
                        "\(file): ok — lesson \(report.lesson), \(report.stepsPassed) steps played to the end, \(report.wrongAttemptsRefused) wrong attempt\(report.wrongAttemptsRefused == 1 ? "" : "s") refused"
                    )
                } else {
                    failed += 1
                    print(
                        "\(file): FAIL — lesson \(report.lesson), \(report.stepsPassed) of \(report.stepCount) steps passed"
                    )
                    for problem in report.problems { print("  " + problem) }
                }
            } catch {
                failed += 1
                print("\(file): FAIL — \(error.description)")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    private func report(cwd: String) throws {
        func absolute(_ path: String) -> String { DataFileLocation.resolvePath(path, workingDirectory: cwd) }
        do {
            let target = output.map {
                FileTarget(path: absolute($0), shown: $0, overwrite: overwrite)
            }
            // The target is checked before the folders are read, so a refusal costs nothing.
            _ = try target?.destination()
            let report = try TrainerReport.build(
                folders: names.map(absolute), workingDirectory: cwd,
                bundle: bundle.map { ($0, lesson ?? "") }, resolve: absolute)
            if json {
                print(String(decoding: try report.json(), as: UTF8.self))
            } else {
                let session = Session(environment: SessionEnvironment(workingDirectory: cwd, home: ""))
                print(session.display(report.output(width: 100)))
            }
            if let target {
                try TrainerReport.write(report, to: target)
                FileHandle.standardError.write(Data("wrote \(target.shown)\n".utf8))
            }
        } catch {
            reportError(error)
            throw ExitCode(2)
        }
    }
}
