import Foundation

/// Plays a lesson headless, as a learner who knows every answer would, to prove the lesson can be
/// finished: `tutorial next` on explanations, the expected answer on questions, and on `do` and `question` steps
/// first each `wrong` attempt (which must be refused, with a hint) and then the solution (which
/// must pass). Used by `tutorial check`, by `tutorial make` before it writes a lesson, and by tests.
public enum LessonPlayer {
    /// What the play showed.
    public struct Report: Sendable {
        public var lesson: String
        public var stepsPassed = 0
        public var stepCount: Int
        public var wrongAttemptsRefused = 0
        /// One sentence per problem, naming the step.
        public var problems: [String] = []
        /// The commands typed, in order (for a recorded proof or a failing test's message).
        public var commands: [String] = []

        public var succeeded: Bool { problems.isEmpty && stepsPassed == stepCount }
    }

    /// Checks a lesson file: loads it (any mistake is the error) and plays it in a fresh session
    /// with an empty home, in a scratch folder that links every entry of `workingDirectory` (so the
    /// lesson reads the files there, and a file it writes at a new path lands in the scratch
    /// folder, removed afterwards).
    public static func check(file path: String, workingDirectory: String) throws(LessonError) -> Report {
        let lesson = try LessonParser.load(path: path)
        let scratch = NSTemporaryDirectory() + "workbench-lesson-check-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let folder = scratch + "/work"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: workingDirectory)) ?? [] {
            try? FileManager.default.createSymbolicLink(
                atPath: folder + "/" + entry, withDestinationPath: workingDirectory + "/" + entry)
        }
        let session = Session(environment: SessionEnvironment(workingDirectory: folder, home: scratch + "/home"))
        return play(lesson, in: session)
    }

    /// Plays `lesson` in `session` (which it leaves with the lesson's bindings).
    public static func play(_ lesson: Lesson, in session: Session) -> Report {
        var report = Report(lesson: lesson.name, stepCount: lesson.steps.count)
        let run = TutorialRun(lesson: lesson, store: session.progressStore)
        session.tutorial = run
        if run.enter(session: session).finished { session.tutorial = nil }
        func type(_ line: String) -> Cell? {
            report.commands.append(line)
            return session.execute(line)
        }
        for (index, step) in lesson.steps.enumerated() {
            guard session.tutorial === run, run.index == index else {
                // Entering a step can pass it at once (its checks already hold): count it.
                if session.tutorial !== run || run.index > index {
                    report.stepsPassed += 1
                    continue
                }
                report.problems.append("[\(step.id)]: the lesson is not on this step")
                return report
            }
            for attempt in step.wrongAttempts {
                let cell = type(attempt)
                if session.tutorial !== run || run.index != index {
                    report.problems.append("[\(step.id)]: the wrong attempt '\(attempt)' passed the step")
                    return report
                }
                let feedback = cell?.output.plainText ?? ""
                if !feedback.contains("✗ [\(step.id)]") {
                    report.problems.append("[\(step.id)]: the wrong attempt '\(attempt)' got no feedback")
                } else if !Self.helps(feedback, step: step) {
                    report.problems.append(
                        "[\(step.id)]: the wrong attempt '\(attempt)' was refused without one of the step's hints or its solution"
                    )
                } else {
                    report.wrongAttemptsRefused += 1
                }
            }
            switch step.kind {
            case .explain:
                _ = type("tutorial next")
            case .question:
                guard let answer = run.expectedAnswerText(session: session) else {
                    report.problems.append("[\(step.id)]: the question's answer cannot be computed in this session")
                    return report
                }
                _ = type("answer \(answer)")
            case .do:
                for line in step.solution {
                    if let cell = type(line), !cell.succeeded {
                        report.problems.append(
                            "[\(step.id)]: the solution's command '\(line)' failed: \(cell.output.plainText.split(separator: "\n").first ?? "")"
                        )
                    }
                }
            }
            if session.tutorial === run, run.index == index {
                report.problems.append("[\(step.id)]: the step did not pass after its solution")
                return report
            }
            report.stepsPassed += 1
        }
        return report
    }

    /// Whether a refusal shows one of the step's hints, or its solution once the hints are out.
    static func helps(_ feedback: String, step: Step) -> Bool {
        step.hints.contains { feedback.contains($0) } || feedback.contains("solution for [\(step.id)]")
    }
}
