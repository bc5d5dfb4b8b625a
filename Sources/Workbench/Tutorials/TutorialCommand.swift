import Bundles
import CommandLanguage
import Diagnostics
import Foundation
import Tabular

extension CommandTable {
    /// Actions of `tutorial`, in the order `help` lists them.
    static let tutorialActions = [
        "list", "start", "next", "hint", "solution", "skip", "back", "step", "quit", "resume", "make", "report",
    ]

    /// `tutorial [ACTION] [NAME]`: lists, starts and steers the guided lessons of `tutorials/`.
    static let tutorial = CommandSpec(
        "tutorial", topic: "session",
        summary: "guided lessons: list them, start one, and get hints while you work",
        discussion: """
            A lesson is a sequence of steps: explanations ('tutorial next' continues), things to do with \
            real commands (the step checks what your command did, not how you typed it) and questions \
            ('answer …'). Each wrong attempt reveals the next hint; 'tutorial solution' shows the solution. \
            'tutorial skip' and 'tutorial back' move between steps, 'tutorial step' shows the current one \
            again, 'tutorial quit' leaves, 'tutorial resume' continues where you left off (progress is kept \
            in $WORKBENCH_HOME/tutorials). The lessons built into workbench are always there; \
            Markdown lessons in tutorials/ of the current folder and in the folders of $WORKBENCH_TUTORIALS \
            (separated by :) are listed beside them, and a file whose lesson name is taken is reported, \
            never used in place of the other. 'tutorial make "BUNDLE" to "tutorials/NAME.md"' writes a \
            lesson about one exported model: how to call it with a real row of its schema, what its outputs \
            mean, its verdict and limitations, and two questions about its own answers; it plays that lesson \
            end to end first (every command it teaches in the session must succeed, the shell lines it \
            shows are run through the code the workbench predict and serve commands run — a file of the \
            lesson's row scored, the curl request answered — and every expected number is recomputed) and \
            writes nothing if a step fails. Progress is kept per learner: \
            'tutorial start NAME as alice' (or $WORKBENCH_LEARNER) keeps alice's attempts, hints, solutions and \
            time per step in tutorials/learners/alice.json under $WORKBENCH_HOME, or in $WORKBENCH_PROGRESS when \
            a class shares one folder. 'tutorial report "DIR" to "progress.html"' (or .json) is the trainer's view \
            of such folders: who finished which lesson, the steps that needed most help, and with \
            bundle="B" lesson=NAME each learner's readiness for the lesson tutorial make wrote about B.
            """,
        positionals: [
            PositionalSpec(.action, .choice(tutorialActions), optional: true),
            PositionalSpec(.name, .lesson, optional: true),
            PositionalSpec(.path, keyword: "to", .path, optional: true),
            PositionalSpec(.learner, keyword: "as", .text, optional: true),
        ],
        options: [
            CommonOption.overwrite.help("tutorial make, tutorial report: replace an existing file").spec,
            OptionSpec(
                "bundle", .path, help: "tutorial report: the bundle whose generated lesson readiness is judged for"),
            OptionSpec("lesson", .lesson, help: "tutorial report: the name of that bundle's generated lesson"),
        ],
        examples: [
            "tutorial", "tutorial start first-steps", "tutorial start first-steps as alice", "tutorial hint",
            "tutorial resume", "tutorial make \"bundles/penguins\" to \"tutorials/10-penguin-model.md\"",
            "tutorial report \"progress\" to \"progress.html\" bundle=\"bundles/penguins\" lesson=penguin-model",
        ],
        reopen: .actsOutside,
        run: runTutorial)

    /// `answer VALUE`: answers the current tutorial question.
    static let answer = CommandSpec(
        "answer", topic: "session",
        summary: "answer the current tutorial question: a number (0.62, .62, 62%) or a choice letter",
        discussion:
            "Numbers are compared with the value your session computed, within a small tolerance; choices by letter, in any case. Text with spaces goes in quotes.",
        positionals: [PositionalSpec(.value, .text)],
        examples: ["answer 0.62", "answer 62%", "answer b"],
        reopen: .actsOutside,
        run: { context in
            guard let run = context.session.tutorial else {
                throw CommandError(
                    "no tutorial question is waiting for an answer",
                    hint: "'tutorial' lists the lessons; 'tutorial resume' continues the last one")
            }
            let text = try context.text(.value)
            run.touch()
            context.print(try run.answer(text, session: context.session).joined(separator: "\n"))
        })

    private static func runTutorial(_ context: inout CommandContext) throws {
        let session = context.session
        let action: String
        if let expression = context.invocation.positionals[.action] {
            let word = try context.text(.action)
            guard tutorialActions.contains(word) else {
                throw LanguageError.semantic(
                    "unknown tutorial action '\(word)'", at: expression.range,
                    hint: (closestMatch(word, among: tutorialActions).map { "did you mean '\($0)'? " } ?? "")
                        + "actions: " + tutorialActions.joined(separator: ", "))
            }
            action = word
        } else {
            action = "list"
        }
        let name = context.invocation.positionals[.name] == nil ? nil : try context.text(.name)
        if name != nil, !["start", "resume", "make", "report"].contains(action) {
            throw LanguageError.unexpectedArgument(
                at: context.invocation.range(of: .name), usage: "tutorial \(action)")
        }
        if context.invocation.positionals[.path] != nil, action != "make", action != "report" {
            throw LanguageError.unexpectedArgument(
                at: context.invocation.range(of: .path), usage: "tutorial \(action)")
        }
        if context.invocation.positionals[.learner] != nil {
            guard ["start", "resume"].contains(action) else {
                throw LanguageError.unexpectedArgument(
                    at: context.invocation.range(of: .learner), usage: "tutorial \(action)")
            }
            let learner = try LearnerName.validate(try context.text(.learner))
            if session.learner != learner, let current = session.tutorial {
                context.print(
                    "left lesson \(current.lesson.name) at \(current.position) (learner \(session.learner ?? "unnamed"))"
                )
                session.tutorial = nil
            }
            session.learner = learner
        }
        let store = session.progressStore

        switch action {
        case "make":
            try makeLesson(&context)
        case "report":
            try trainerReport(&context)
        case "list":
            try listLessons(&context, store: store)
        case "start", "resume":
            let progress = store.load()
            guard let lessonName = name ?? (action == "resume" ? progress.current : nil) else {
                throw CommandError(
                    action == "start" ? "which lesson? tutorial start NAME" : "there is no lesson to resume",
                    hint: "'tutorial' lists the lessons")
            }
            let lesson = try LessonLibrary.lesson(
                named: lessonName, workingDirectory: context.environment.workingDirectory)
            if let current = session.tutorial, current.lesson.name != lesson.name {
                context.print(
                    "left lesson \(current.lesson.name) at \(current.position); 'tutorial resume \(current.lesson.name)' returns to it"
                )
            }
            var index = 0
            var done: [String] = []
            if action == "resume", let entry = progress.lessons[lesson.name], !entry.finished {
                if let i = lesson.index(of: entry.step) {
                    index = i
                } else {
                    context.print("note: step '\(entry.step)' is no longer in the lesson; starting from the beginning")
                }
                done = entry.done
            }
            let run = TutorialRun(lesson: lesson, index: index, done: done, store: store)
            session.tutorial = run
            var lines: [String]
            if index == 0 {
                lines = [
                    "lesson \(lesson.name): \(lesson.title) (\(lesson.steps.count) steps"
                        + (lesson.minutes.map { ", about \($0) minutes" } ?? "") + ")"
                        + (session.learner.map { "; progress kept for learner \($0)" } ?? "")
                ]
                if !lesson.introduction.isEmpty { lines += [""] + lesson.introduction }
            } else {
                lines = [
                    "resuming \(lesson.name) at step \(index + 1)/\(lesson.steps.count); names bound in an earlier session are gone, so re-run earlier steps' commands if this one needs them ('tutorial back')"
                ]
            }
            let entered = run.enter(session: session)
            if entered.finished { session.tutorial = nil }
            context.print((lines + entered.lines).joined(separator: "\n"))
        default:
            guard let run = session.tutorial else {
                throw CommandError(
                    "no lesson is running",
                    hint: "'tutorial start NAME' starts one, 'tutorial resume' continues the last one")
            }
            run.touch()
            defer { if action == "hint" || action == "solution" { run.save() } }
            let lines: [String] =
                switch action {
                case "next": try run.next(session: session)
                case "hint": run.nextHint()
                case "solution": run.solution(session: session)
                case "skip": run.skip(session: session)
                case "back": try run.back()
                case "step": run.presentStep().dropFirst().map { $0 }
                default: quit(run, session: session)
                }
            context.print(lines.joined(separator: "\n"))
        }
    }

    /// `tutorial make "BUNDLE" to "tutorials/NAME.md"`.
    private static func makeLesson(_ context: inout CommandContext) throws {
        guard context.invocation.positionals[.name] != nil, context.invocation.positionals[.path] != nil else {
            throw CommandError(
                "tutorial make needs a bundle and where to write the lesson",
                hint: "tutorial make \"bundles/penguins\" to \"tutorials/10-penguin-model.md\"")
        }
        let bundleWritten = try context.text(.name)
        let (written, resolved) = try context.outputPath(.path)
        guard resolved.hasSuffix(".md") else {
            throw LanguageError.semantic(
                "a lesson is a Markdown file: the path must end in .md", at: context.invocation.range(of: .path),
                hint: nil)
        }
        let bundle = try BundleReader.open(context.session.resolve(path: bundleWritten))
        let generated = try LessonMaker.lesson(for: bundle, bundlePath: bundleWritten)
        let text = generated.text
        // The generated lesson must pass the same loader as hand-written ones, and play to the end
        // with its numbers and shell lines proven, before it is written.
        let name = LessonParser.lessonName(fromFile: resolved)
        let lesson = try LessonParser.parse(text, path: written, name: name)
        do {
            try LessonProof.prove(
                generated, lesson: lesson, bundle: bundle, workingDirectory: context.environment.workingDirectory)
        } catch {
            throw CommandError(
                "the lesson written for \(bundleWritten) does not hold at \(error.description); nothing was written",
                hint:
                    "this is a fault of tutorial make or of the bundle: export the model again with this workbench, or report it"
            )
        }
        try FileManager.default.createDirectory(
            atPath: (resolved as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try context.fileTarget().write(Data(text.utf8))
        context.recordWritten(WrittenFile(path: written, bytes: Data(text.utf8)))
        context.print(
            "wrote lesson \(name) to \(written): \(lesson.steps.count) steps about \(bundle.manifest.name) (\(bundle.manifest.algorithm) → \(bundle.manifest.target))"
        )
        context.print(
            "start it with: tutorial start \(name)"
                + (written.hasPrefix("tutorials/") ? "" : " (with $WORKBENCH_TUTORIALS set to its folder)"))
    }

    /// `tutorial report "DIR" [to "PATH.html|.json"] [bundle="B" lesson=NAME]`.
    private static func trainerReport(_ context: inout CommandContext) throws {
        guard context.invocation.positionals[.name] != nil else {
            throw CommandError(
                "tutorial report needs a folder of progress files",
                hint: "tutorial report \"progress\" to \"progress.html\"")
        }
        let folder = context.session.resolve(path: try context.text(.name))
        var bundle: (path: String, lesson: String)?
        if let written = context.invocation.word("bundle") {
            guard let lesson = context.invocation.word("lesson") else {
                throw CommandError(
                    "bundle= needs lesson=NAME: the name of the lesson tutorial make wrote about it",
                    hint: "e.g. lesson=penguin-model for tutorials/10-penguin-model.md")
            }
            bundle = (written, lesson)
        }
        let report = try TrainerReport.build(
            folders: [folder], workingDirectory: context.environment.workingDirectory,
            bundle: bundle, resolve: context.session.resolve(path:))
        context.output.append(report.output(width: context.environment.width))
        if context.invocation.positionals[.path] != nil {
            let target = try context.fileTarget()
            try TrainerReport.write(report, to: target)
            context.print("wrote \(target.shown)")
        }
    }

    private static func quit(_ run: TutorialRun, session: Session) -> [String] {
        session.tutorial = nil
        return ["left lesson \(run.lesson.name) at \(run.position); 'tutorial resume' continues from there"]
    }

    /// The lessons with their length and the learner's progress; a broken lesson is listed with its error.
    private static func listLessons(_ context: inout CommandContext, store: ProgressStore) throws {
        let catalog = LessonLibrary.catalog(workingDirectory: context.environment.workingDirectory)
        let progress = store.load()
        var table = TextTable(headers: ["lesson", "steps", "time", "progress", "about"])
        var problems: [String] = []
        for source in catalog.lessons {
            let lesson: Lesson
            do {
                lesson = try source.load()
            } catch {
                problems.append("error: " + error.description)
                continue
            }
            let state: String
            if context.session.tutorial?.lesson.name == lesson.name, let run = context.session.tutorial {
                state = "on step \(run.index + 1) (now)"
            } else if let entry = progress.lessons[lesson.name] {
                state = entry.finished ? "finished" : "on step \((lesson.index(of: entry.step) ?? 0) + 1)"
            } else {
                state = "not started"
            }
            table.add([
                lesson.name, String(lesson.steps.count), lesson.minutes.map { "\($0) min" } ?? "", state,
                lesson.summary,
            ])
        }
        context.print(table)
        for problem in problems { context.print(problem) }
        for clash in catalog.clashes { context.print("note: " + clash) }
        context.print("start one with: tutorial start NAME")
    }
}
