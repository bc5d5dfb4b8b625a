import CommandLanguage
import Foundation
import Learning

/// A lesson in progress in one session: which step the learner is on, the hints shown, and what
/// the cells of this step did. It reviews every cell after it runs (see `Session.tutorial`), and
/// its feedback becomes part of that cell's output, so transcripts record and replay it.
public final class TutorialRun {
    public let lesson: Lesson
    public private(set) var index: Int
    /// Hints of the current step shown so far.
    private(set) var hintsShown = 0
    /// What cells did during the current step.
    private var facts: [TutorialFact] = []
    /// The latest evaluation the learner ran while this lesson was active, for questions that read
    /// a metric from it.
    private var lastEvaluation: Scores?
    private var done: [String]
    private let store: ProgressStore
    /// What the learner did on each step (attempts, hints, solution, time), kept with the progress.
    private(set) var records: [String: TutorialProgress.StepRecord]
    /// The clock for time spent (injected by tests).
    private let clock: () -> Date
    private var lastActivity: Date
    /// A longer pause between two commands counts as this long: the learner was away.
    static let longestPause: Double = 300

    /// Commands that look around rather than attempt a step: they never count as a wrong attempt.
    static let neutralCommands: Set<String> = [
        "tutorial", "answer", "help", "ls", "history", "save", "quit", "algorithms", "runs",
    ]
    /// Commands that only look (and that hints suggest: 'servers' lists the servers): neutral too,
    /// unless the step asks for that very command.
    static let lookingCommands: Set<String> = ["servers", "show", "describe", "card"]

    /// Whether a cell running `verb` is no attempt at the current step: a command that only looks,
    /// or one a hint of the step suggests in quotes ('servers', 'ls'), unless the step asks for that
    /// very command (in a `ran` check or its solution).
    func isNeutral(_ verb: String) -> Bool {
        if Self.neutralCommands.contains(verb) { return true }
        guard Self.lookingCommands.contains(verb) || Self.suggestedCommands(in: step.hints).contains(verb) else {
            return false
        }
        if step.solution.contains(where: { (try? CommandTable.parse($0))?.verb == verb }) { return false }
        return !step.checks.contains { if case .ran(let command, _) = $0 { command == verb } else { false } }
    }

    /// The commands hints quote, as in "'servers' shows the number".
    static func suggestedCommands(in hints: [String]) -> Set<String> {
        var verbs: Set<String> = []
        for hint in hints {
            for (i, piece) in hint.split(separator: "'", omittingEmptySubsequences: false).enumerated() where i % 2 == 1
            {
                if let verb = (try? CommandTable.parse(String(piece)))?.verb, CommandTable.command(named: verb) != nil {
                    verbs.insert(verb)
                }
            }
        }
        return verbs
    }

    init(
        lesson: Lesson, index: Int = 0, done: [String] = [], store: ProgressStore,
        clock: @escaping () -> Date = Date.init
    ) {
        self.lesson = lesson
        self.index = min(max(index, 0), max(lesson.steps.count - 1, 0))
        self.done = done
        self.store = store
        self.clock = clock
        lastActivity = clock()
        records = store.load().lessons[lesson.name]?.steps ?? [:]
    }

    /// Adds the time since the last command to the current step (a long pause counts as `longestPause`).
    func touch() {
        let now = clock()
        let gap = max(0, now.timeIntervalSince(lastActivity))
        lastActivity = now
        guard !lesson.steps.isEmpty else { return }
        records[step.id, default: .init()].seconds += min(gap, Self.longestPause)
    }

    /// Counts a try at the current step that did not finish it.
    private func recordAttempt() {
        records[step.id, default: .init()].attempts += 1
    }

    var step: Step { lesson.steps[index] }

    /// "step 2/7 [load]".
    var position: String { "step \(index + 1)/\(lesson.steps.count) [\(step.id)]" }

    // MARK: showing steps

    /// The current step as the learner reads it.
    func presentStep() -> [String] {
        var lines = ["", "\(position) \(step.title)"]
        if !step.text.isEmpty { lines += step.text }
        switch step.kind {
        case .explain:
            lines += ["", "(type 'tutorial next' to continue)"]
        case .do:
            lines += [
                "", "(run it yourself; the step checks what your command does — 'tutorial hint' if you are stuck)",
            ]
        case .question:
            if !step.choices.isEmpty { lines += [""] + step.choices.map { "  \($0.letter)) \($0.text)" } }
            lines += [
                "",
                step.choices.isEmpty
                    ? "(answer with: answer NUMBER, e.g. answer 0.62 or answer 62%)"
                    : "(answer with: answer LETTER, e.g. answer \(step.choices.first?.letter ?? "a"))",
            ]
        }
        return lines
    }

    /// Enters the current step: a `do` step the session already satisfies passes at once (after a
    /// resume, or when the learner got ahead). Returns what to print; `finished` when the lesson ended.
    func enter(session: Session) -> (lines: [String], finished: Bool) {
        facts = []
        hintsShown = 0
        var lines: [String] = []
        while step.kind == .do, let met = unmet(session: session), met.isEmpty {
            lines += ["", "✓ [\(step.id)] already done"]
            if let end = advance(markDone: true) { return (lines + end, true) }
            facts = []
            hintsShown = 0
        }
        save()
        return (lines + presentStep(), false)
    }

    /// The checks of the current step that are not met yet (empty: all met); nil for steps without checks.
    private func unmet(session: Session) -> [Requirement]? {
        guard step.kind == .do else { return nil }
        return step.checks.filter { $0.satisfied(by: session, facts: facts) == nil }
    }

    /// Moves to the next step; returns the closing lines when the lesson is over.
    private func advance(markDone: Bool) -> [String]? {
        if markDone, !done.contains(step.id) { done.append(step.id) }
        guard index + 1 < lesson.steps.count else {
            store.update { progress in
                progress.lessons[lesson.name] = .init(step: step.id, done: done, finished: true, steps: records)
                if progress.current == lesson.name { progress.current = nil }
            }
            let count = lesson.steps.filter { done.contains($0.id) }.count
            return [
                "",
                "lesson \(lesson.name) finished: \(count) of \(lesson.steps.count) steps done. 'tutorial' lists the other lessons.",
            ]
        }
        index += 1
        return nil
    }

    func save() {
        store.update { progress in
            progress.current = lesson.name
            progress.lessons[lesson.name] = .init(step: step.id, done: done, finished: false, steps: records)
        }
    }

    // MARK: reviewing cells

    /// Called by the session after every cell while the lesson runs; returns feedback to add to
    /// the cell's output, or nil to add nothing.
    func review(command: String, succeeded: Bool, effects: [CellEffect], in session: Session) -> Output? {
        touch()
        // A line that does not even parse is still an attempt at the step (and earns a hint).
        if let verb = (try? CommandTable.parse(command))?.verb, isNeutral(verb) { return nil }
        let newFacts = succeeded ? effects.map(TutorialFact.init) : []
        for case .evaluated(_, let scores, _) in newFacts { lastEvaluation = scores }
        facts += newFacts
        guard step.kind == .do, let missing = unmet(session: session) else { return nil }
        var lines: [String] = [""]
        if missing.isEmpty {
            let what = step.checks.compactMap { $0.satisfied(by: session, facts: facts) }
            lines.append(
                "✓ [\(step.id)] done"
                    + (what.isEmpty ? "" : " (" + Array(Set(what)).sorted().joined(separator: ", ") + ")"))
            if let end = advance(markDone: true) {
                session.tutorial = nil
                return Output((lines + end).joined(separator: "\n"))
            }
            let entered = enter(session: session)
            if entered.finished { session.tutorial = nil }
            return Output((lines + entered.lines).joined(separator: "\n"))
        }
        recordAttempt()
        lines.append("✗ [\(step.id)] not done yet: " + joinedPhrase(missing.map(\.phrase)))
        lines += missing.compactMap { $0.otherData(in: session, facts: facts) }
        lines += wrongAttempt()
        save()
        return Output(lines.joined(separator: "\n"))
    }

    /// After a wrong attempt: the next hint, or the solution once every hint is out.
    private func wrongAttempt() -> [String] {
        if hintsShown < step.hints.count { return nextHint() }
        return solution()
    }

    func nextHint() -> [String] {
        guard hintsShown < step.hints.count else {
            return [
                step.hints.isEmpty
                    ? "[\(step.id)] has no hints; 'tutorial solution' shows the solution"
                    : "no more hints for [\(step.id)]; 'tutorial solution' shows the solution"
            ]
        }
        hintsShown += 1
        records[step.id, default: .init()].hints = max(records[step.id]?.hints ?? 0, hintsShown)
        return ["hint \(hintsShown)/\(step.hints.count): \(step.hints[hintsShown - 1])"]
    }

    /// The solution of the current step: the lesson's, or for a question, the expected answer.
    func solution(session: Session? = nil) -> [String] {
        records[step.id, default: .init()].solution = true
        if !step.solution.isEmpty {
            return ["solution for [\(step.id)]:"] + step.solution.map { "  " + $0 }
        }
        switch step.answer {
        case .choice(let letter)?:
            let text = step.choices.first { $0.letter == letter }?.text ?? ""
            return ["solution for [\(step.id)]: \(letter)) \(text)"]
        case .number(let source, _)?:
            switch source {
            case .literal(_, let text): return ["solution for [\(step.id)]: \(text)"]
            case .evaluation(let metric):
                return [
                    "solution for [\(step.id)]: the \(metric) your evaluate printed"
                        + (expected(source, session: session).map { " (\(formatStatistic($0, digits: 4)))" } ?? "")
                ]
            case .binding(let name):
                return [
                    "solution for [\(step.id)]: the value of \(name)"
                        + (expected(source, session: session).map { " (\(formatStatistic($0, digits: 4)))" } ?? "")
                ]
            }
        case nil:
            return ["[\(step.id)] has no solution to show"]
        }
    }

    /// The answer the current question expects, as a learner would type it (nil when the session
    /// has not computed the number it reads).
    func expectedAnswerText(session: Session) -> String? {
        switch step.answer {
        case .choice(let letter)?: return letter
        case .number(let source, _)?: return expected(source, session: session).map { "\($0)" }
        case nil: return nil
        }
    }

    /// The number a question expects, as this session computed it.
    private func expected(_ source: NumberSource, session: Session?) -> Double? {
        switch source {
        case .literal(let x, _): return x
        case .evaluation(let metric):
            guard let scores = lastEvaluation, let definition = MetricCatalog.named(metric) else { return nil }
            let x = definition.value(scores)
            return x.isNaN ? nil : x
        case .binding(let name):
            guard case .number(let x)? = session?.lookup(name) else { return nil }
            return x
        }
    }

    // MARK: commands

    /// `answer TEXT` on the current question.
    func answer(_ text: String, session: Session) throws -> [String] {
        guard step.kind == .question, let answer = step.answer else {
            throw CommandError(
                "\(position) is not a question",
                hint: step.kind == .explain
                    ? "'tutorial next' continues" : "run a command that does what the step asks; 'tutorial hint' helps")
        }
        let right: Bool
        switch answer {
        case .choice(let letter):
            guard let picked = Grading.choiceLetter(text, among: step.choices) else {
                throw CommandError(
                    "'\(text)' is not one of the choices of [\(step.id)]",
                    hint: "answer with a letter: " + step.choices.map(\.letter).joined(separator: ", "))
            }
            right = picked == letter
        case .number(let source, let tolerance):
            guard Grading.number(from: text) != nil else {
                throw CommandError(
                    "'\(text)' is not a number",
                    hint: "answer with a number as printed, e.g. answer 0.62, answer .62 or answer 62%")
            }
            guard let value = expected(source, session: session) else {
                let need =
                    if case .evaluation = source { "an evaluation: run evaluate on your model first" } else {
                        "a value the session has not computed yet"
                    }
                throw CommandError(
                    "[\(step.id)] reads a number from \(need)",
                    hint: "'tutorial back' returns to the step that computes it")
            }
            right = Grading.numberMatches(text, expected: value, tolerance: tolerance)
        }
        guard right else {
            recordAttempt()
            defer { save() }
            return ["✗ [\(step.id)] not quite: '\(text)' is not the answer"] + wrongAttempt()
        }
        var lines = ["✓ [\(step.id)] right"]
        if let end = advance(markDone: true) {
            session.tutorial = nil
            return lines + end
        }
        let entered = enter(session: session)
        if entered.finished { session.tutorial = nil }
        lines += entered.lines
        return lines
    }

    /// `tutorial next`: continues past an explanation.
    func next(session: Session) throws -> [String] {
        guard step.kind == .explain else {
            throw CommandError(
                "\(position) is waiting for you to " + (step.kind == .do ? "run a command" : "answer"),
                hint: "'tutorial hint' helps, 'tutorial skip' moves on without it")
        }
        return move(markDone: true, session: session)
    }

    /// `tutorial skip`: moves on without finishing the step.
    func skip(session: Session) -> [String] {
        ["skipped [\(step.id)]"] + move(markDone: false, session: session)
    }

    private func move(markDone: Bool, session: Session) -> [String] {
        if let end = advance(markDone: markDone) {
            session.tutorial = nil
            return end
        }
        let entered = enter(session: session)
        if entered.finished { session.tutorial = nil }
        return entered.lines
    }

    /// `tutorial back`: the previous step again (never passed at once, so it can be redone).
    func back() throws -> [String] {
        guard index > 0 else {
            throw CommandError("\(position) is the first step", hint: "'tutorial start \(lesson.name)' starts over")
        }
        index -= 1
        facts = []
        hintsShown = 0
        save()
        return presentStep()
    }
}
