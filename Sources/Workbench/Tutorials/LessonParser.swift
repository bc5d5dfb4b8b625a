import Diagnostics
import Foundation
import Learning
import Tabular
import CommandLanguage

/// Reads the lesson format: Markdown with a `# Title`, `## id: Title` step headings, a `kind:` line
/// under each heading, and small fenced blocks (`check`, `answer`, `choices`, `hints`, `solution`,
/// `wrong`).
/// Any mistake is reported with the file and line, before the lesson can start.
public enum LessonParser {
    /// Blocks a step may hold; any other fenced block name is a mistake (a plain ``` block is text).
    static let blockNames = ["check", "answer", "choices", "hints", "solution", "wrong"]
    /// Words that may start a line of a check block.
    static let checkNames = ["dataset", "split", "model", "evaluated", "predicted", "ran", "exported"]

    /// Largest lesson file read; lessons are a few kilobytes of Markdown.
    public static let maximumBytes = 1 << 20

    /// Reads and parses one lesson file.
    public static func load(path: String) throws(LessonError) -> Lesson {
        let display = displayName(path)
        let data: Data
        do {
            data = try BoundedFile.read(path, limit: maximumBytes)
        } catch {
            if case .tooLarge(let bytes) = error { throw .tooLarge(file: display, bytes: bytes, limit: maximumBytes) }
            throw .unreadable(file: display)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(file: display)
        }
        return try parse(text, path: display, name: lessonName(fromFile: path))
    }

    /// `tutorials/01-first-steps.md` → `first-steps`.
    public static func lessonName(fromFile path: String) -> String {
        var base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if let dash = base.firstIndex(of: "-"), !base[..<dash].isEmpty, base[..<dash].allSatisfy(\.isNumber) {
            base = String(base[base.index(after: dash)...])
        }
        return base
    }

    /// The path as shown in messages: relative to the current folder when inside it.
    static func displayName(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }

    /// A step being read, before its blocks are checked against its kind.
    private struct Draft {
        var id: String
        var title: String
        var line: Int
        var kind: Step.Kind?
        var kindLine = 0
        var text: [String] = []
        var blocks: [(name: String, line: Int, lines: [(Int, String)])] = []
    }

    public static func parse(_ text: String, path: String, name: String) throws(LessonError) -> Lesson {
        var title: String?
        var summary = ""
        var minutes: Int?
        var introduction: [String] = []
        var drafts: [Draft] = []
        var fence: (name: String, line: Int, lines: [(Int, String)])?
        var number = 0

        func fail(_ line: Int, _ message: String, _ hint: String? = nil) -> LessonError {
            .invalid(file: path, line: line, message: message, hint: hint)
        }

        for raw in textLines(text) {
            number += 1
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)

            if var open = fence {
                if trimmed == "```" {
                    fence = nil
                    if open.name.isEmpty {
                        // A plain block is text to show as is, indented like a code sample.
                        let shown = open.lines.map { "    " + $0.1 }
                        if drafts.isEmpty { introduction += shown } else { drafts[drafts.count - 1].text += shown }
                    } else {
                        guard !drafts.isEmpty else {
                            throw fail(
                                open.line, "a ```\(open.name) block must be inside a step",
                                "start a step with a heading like '## load: Load the data'")
                        }
                        drafts[drafts.count - 1].blocks.append(open)
                    }
                } else {
                    open.lines.append((number, line))
                    fence = open
                }
                continue
            }
            if trimmed.hasPrefix("```") {
                let word = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces).lowercased()
                if !word.isEmpty, !blockNames.contains(word), !["text", "sh", "shell", "console"].contains(word) {
                    throw fail(
                        number, "unknown block '```\(word)'",
                        closestMatch(word, among: blockNames).map {
                            "did you mean '```\($0)'? blocks: " + blockNames.joined(separator: ", ")
                        } ?? "blocks: " + blockNames.joined(separator: ", "))
                }
                fence = (["text", "sh", "shell", "console"].contains(word) ? "" : word, number, [])
                continue
            }
            if line.hasPrefix("# ") {
                guard title == nil else {
                    throw fail(
                        number, "a second '# ' title", "a lesson has one '# Title'; steps start with '## id: Title'")
                }
                title = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                continue
            }
            if line.hasPrefix("## ") {
                guard title != nil else {
                    throw fail(number, "a step before the lesson's '# Title' line", "start the file with '# Title'")
                }
                let heading = line.dropFirst(3)
                guard let colon = heading.firstIndex(of: ":") else {
                    throw fail(
                        number, "a step heading needs an id: '## id: Title'", "for example '## load: Load the data'")
                }
                let id = heading[..<colon].trimmingCharacters(in: .whitespaces)
                guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw fail(
                        number, "step id '\(id)' must be one word of letters, digits, - or _",
                        "for example '## load-data: Load the data'")
                }
                if let earlier = drafts.first(where: { $0.id == id }) {
                    throw fail(
                        number, "duplicate step id '\(id)' (first used at line \(earlier.line))",
                        "give each step its own id")
                }
                drafts.append(
                    Draft(
                        id: id, title: heading[heading.index(after: colon)...].trimmingCharacters(in: .whitespaces),
                        line: number))
                continue
            }
            guard !drafts.isEmpty else {
                guard title != nil else {
                    if trimmed.isEmpty { continue }
                    throw fail(number, "a lesson starts with a '# Title' line", nil)
                }
                if trimmed.lowercased().hasPrefix("summary:") {
                    summary = trimmed.dropFirst("summary:".count).trimmingCharacters(in: .whitespaces)
                } else if trimmed.lowercased().hasPrefix("minutes:") {
                    let value = trimmed.dropFirst("minutes:".count).trimmingCharacters(in: .whitespaces)
                    guard let m = Int(value), m > 0 else {
                        throw fail(
                            number, "minutes must be a whole number, found '\(value)'", "for example 'minutes: 10'")
                    }
                    minutes = m
                } else {
                    introduction.append(line)
                }
                continue
            }
            let last = drafts.count - 1
            if drafts[last].kind == nil {
                if trimmed.isEmpty { continue }
                guard trimmed.lowercased().hasPrefix("kind:") else {
                    throw fail(
                        number, "step '\(drafts[last].id)' needs a 'kind:' line right under its heading",
                        "kind: explain, do or question")
                }
                let word = trimmed.dropFirst(5).trimmingCharacters(in: .whitespaces).lowercased()
                guard let kind = Step.Kind(rawValue: word) else {
                    let kinds = Step.Kind.allCases.map(\.rawValue)
                    throw fail(
                        number, "unknown step kind '\(word)'",
                        (closestMatch(word, among: kinds).map { "did you mean '\($0)'? " } ?? "") + "kinds: "
                            + kinds.joined(separator: ", "))
                }
                drafts[last].kind = kind
                drafts[last].kindLine = number
                continue
            }
            drafts[last].text.append(line)
        }
        if let open = fence {
            throw fail(
                open.line, "the ```\(open.name) block opened here is never closed",
                "end it with a line of three backticks: ```")
        }
        guard let title else { throw fail(1, "a lesson starts with a '# Title' line", nil) }
        guard !drafts.isEmpty else { throw fail(number, "the lesson has no steps", "steps start with '## id: Title'") }

        var steps: [Step] = []
        for draft in drafts {
            steps.append(try step(from: draft, fail: fail))
        }
        return Lesson(
            name: name, title: title, summary: summary, minutes: minutes, introduction: trimBlankEdges(introduction),
            steps: steps, path: path)
    }

    private static func step(from draft: Draft, fail: (Int, String, String?) -> LessonError) throws(LessonError) -> Step
    {
        guard let kind = draft.kind else {
            throw fail(
                draft.line, "step '\(draft.id)' needs a 'kind:' line right under its heading",
                "kind: explain, do or question")
        }
        var step = Step(
            id: draft.id, title: draft.title, kind: kind, text: trimBlankEdges(draft.text), checks: [], answer: nil,
            choices: [], hints: [], solution: [], wrongAttempts: [], line: draft.line)
        var seen: [String: Int] = [:]
        var answerLine = 0
        for block in draft.blocks {
            if let first = seen[block.name] {
                throw fail(
                    block.line,
                    "step '\(draft.id)' has a second ```\(block.name) block (the first is at line \(first))",
                    "put everything in one block")
            }
            seen[block.name] = block.line
            let lines = block.lines.map { ($0.0, $0.1.trimmingCharacters(in: .whitespaces)) }.filter { !$0.1.isEmpty }
            switch block.name {
            case "check":
                guard kind == .do else {
                    throw fail(
                        block.line,
                        "a ```check block belongs in a 'do' step, and step '\(draft.id)' is '\(kind.rawValue)'", nil)
                }
                guard !lines.isEmpty else {
                    throw fail(
                        block.line, "the ```check block of step '\(draft.id)' names nothing to check",
                        "one check per line, e.g. 'dataset rows=344'; checks: " + checkNames.joined(separator: ", "))
                }
                for (n, text) in lines { step.checks.append(try requirement(text, line: n, fail: fail)) }
            case "answer":
                guard kind == .question else {
                    throw fail(
                        block.line,
                        "an ```answer block belongs in a 'question' step, and step '\(draft.id)' is '\(kind.rawValue)'",
                        nil)
                }
                guard lines.count == 1, let (n, text) = lines.first else {
                    throw fail(
                        block.line, "the ```answer block of step '\(draft.id)' must hold exactly one line",
                        "for example 'number 19', 'number evaluation.accuracy tolerance=0.01' or 'choice b'")
                }
                step.answer = try answer(text, line: n, fail: fail)
                answerLine = n
            case "choices":
                guard kind == .question else {
                    throw fail(block.line, "a ```choices block belongs in a 'question' step", nil)
                }
                for (n, text) in lines {
                    guard let close = text.firstIndex(of: ")"), text.distance(from: text.startIndex, to: close) == 1,
                        let letter = text.first, letter.isLetter
                    else {
                        throw fail(n, "a choice starts with a letter and ')': 'a) the text'", nil)
                    }
                    let l = String(letter).lowercased()
                    guard !step.choices.contains(where: { $0.letter == l }) else {
                        throw fail(n, "choice '\(l)' appears twice", nil)
                    }
                    step.choices.append(
                        Choice(letter: l, text: text[text.index(after: close)...].trimmingCharacters(in: .whitespaces)))
                }
            case "hints":
                step.hints = lines.map { $0.1.hasPrefix("- ") ? String($0.1.dropFirst(2)) : $0.1 }
            case "solution":
                step.solution = lines.map(\.1)
            case "wrong":
                guard kind != .explain else {
                    throw fail(
                        block.line,
                        "a ```wrong block belongs in a 'do' or 'question' step, and step '\(draft.id)' is 'explain'",
                        nil)
                }
                if kind == .question, let (n, text) = lines.first(where: { !$0.1.hasPrefix("answer ") }) {
                    throw fail(
                        n, "a wrong attempt at question '\(draft.id)' is an answer: 'answer VALUE', found '\(text)'",
                        nil)
                }
                step.wrongAttempts = lines.map(\.1)
            default:
                throw fail(block.line, "internal error: unhandled block '\(block.name)'", nil)
            }
        }
        switch kind {
        case .explain:
            break
        case .do:
            guard !step.checks.isEmpty else {
                throw fail(
                    draft.line, "'do' step '\(draft.id)' has no ```check block",
                    "say what the command must achieve, e.g. 'dataset rows=344'")
            }
            guard !step.solution.isEmpty else {
                throw fail(
                    draft.line, "'do' step '\(draft.id)' has no ```solution block",
                    "give the command(s) that finish the step")
            }
        case .question:
            guard let answer = step.answer else {
                throw fail(
                    draft.line, "question '\(draft.id)' has no ```answer block",
                    "for example ```answer / number 19 / ``` or choice b with a ```choices block")
            }
            if case .choice(let letter) = answer {
                guard !step.choices.isEmpty else {
                    throw fail(
                        answerLine, "question '\(draft.id)' answers with a choice but has no ```choices block", nil)
                }
                guard step.choices.contains(where: { $0.letter == letter }) else {
                    throw fail(
                        answerLine,
                        "the answer '\(letter)' is not one of the choices ("
                            + step.choices.map(\.letter).joined(separator: ", ") + ")", nil)
                }
            }
        }
        return step
    }

    /// `WORD key=value ...` with values optionally in double quotes.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false
        for c in text {
            if c == "\"" {
                quoted.toggle()
                continue
            }
            if c.isWhitespace && !quoted {
                if !current.isEmpty {
                    words.append(current)
                    current = ""
                }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private static func requirement(_ text: String, line: Int, fail: (Int, String, String?) -> LessonError)
        throws(LessonError) -> Requirement
    {
        var parts = words(text)
        guard !parts.isEmpty else {
            throw fail(line, "this check names nothing", "checks: " + checkNames.joined(separator: ", "))
        }
        let word = parts.removeFirst().lowercased()
        guard checkNames.contains(word) else {
            throw fail(
                line, "unknown check '\(word)'",
                (closestMatch(word, among: checkNames).map { "did you mean '\($0)'? " } ?? "") + "checks: "
                    + checkNames.joined(separator: ", "))
        }
        var command: String?
        if word == "ran" {
            guard let first = parts.first, !first.contains("=") else {
                throw fail(line, "'ran' names no command", "for example 'ran describe rows=344'")
            }
            guard CommandTable.command(named: first) != nil else {
                throw fail(
                    line, "'ran \(first)' names no command",
                    closestMatch(first, among: CommandTable.names).map { "did you mean '\($0)'?" })
            }
            command = first
            parts.removeFirst()
            // `ran plot calibration`: a command whose first word picks what it does, and that word.
            if let spec = CommandTable.command(named: first), let kind = parts.first, !kind.contains("="),
                let positional = spec.positionals.first, case .choice(let kinds) = positional.kind
            {
                guard kinds.contains(kind) else {
                    throw fail(
                        line, "'\(first)' has no kind '\(kind)'",
                        (closestMatch(kind, among: kinds).map { "did you mean '\($0)'? " } ?? "") + "kinds: "
                            + kinds.joined(separator: ", "))
                }
                command = first + " " + kind
                parts.removeFirst()
            }
        }
        var pairs: [String: String] = [:]
        var values: [String: String] = [:]
        for part in parts {
            guard let eq = part.firstIndex(of: "="), eq != part.startIndex else {
                throw fail(line, "expected key=value, found '\(part)'", nil)
            }
            let key = String(part[..<eq]).lowercased(), value = String(part[part.index(after: eq)...])
            guard !value.isEmpty else { throw fail(line, "'\(key)=' has no value", nil) }
            if word == "predicted", key.hasPrefix("row.") {
                values[String(part[part.index(part.startIndex, offsetBy: 4)..<eq])] = value
            } else {
                pairs[key] = value
            }
        }
        let datasetKeys = ["name", "rows", "columns", "file", "column"]
        let modelKeys = ["name", "algorithm", "target", "task", "threshold", "calibrated", "conformal"]
        let allowed: [String] =
            switch word {
            case "dataset", "ran": datasetKeys
            case "predicted": modelKeys + ["rows", "warning"]
            case "split": ["rows", "test", "column", "stratified"]
            case "evaluated": modelKeys + ["unseen"]
            default: modelKeys
            }
        for key in pairs.keys.sorted() where !allowed.contains(key) {
            throw fail(
                line, "'\(word)' has no condition '\(key)'",
                (closestMatch(key, among: allowed).map { "did you mean '\($0)'? " } ?? "") + "conditions: "
                    + allowed.joined(separator: ", ") + (word == "predicted" ? ", row.COLUMN" : ""))
        }
        func int(_ key: String) throws(LessonError) -> Int? {
            guard let text = pairs[key] else { return nil }
            guard let n = Int(text), n >= 0 else {
                throw fail(line, "\(key) must be a whole number, found '\(text)'", nil)
            }
            return n
        }
        if word == "dataset" || word == "ran" {
            let filter = DatasetFilter(
                name: pairs["name"], rows: try int("rows"), columns: try int("columns"), file: pairs["file"],
                column: pairs["column"])
            if word == "ran", let command { return .ran(command: command, filter) }
            guard filter != DatasetFilter() else {
                throw fail(
                    line, "this 'dataset' check names nothing to look for",
                    "add a condition: name=, rows=, columns=, file= or column=")
            }
            return .dataset(filter)
        }
        if word == "split" {
            return .split(
                SplitFilter(
                    rows: try int("rows"), test: try int("test"), column: pairs["column"],
                    stratified: pairs["stratified"]))
        }
        if let algorithm = pairs["algorithm"], AlgorithmRegistry.named(algorithm) == nil {
            throw fail(
                line, "unknown algorithm '\(algorithm)'",
                closestMatch(algorithm, among: AlgorithmRegistry.names).map { "did you mean '\($0)'?" })
        }
        if let task = pairs["task"], !["classification", "regression"].contains(task) {
            throw fail(line, "task must be classification or regression, found '\(task)'", nil)
        }
        func yesNo(_ key: String) throws(LessonError) -> Bool? {
            guard let text = pairs[key] else { return nil }
            guard ["yes", "no"].contains(text.lowercased()) else {
                throw fail(line, "\(key) must be yes or no, found '\(text)'", nil)
            }
            return text.lowercased() == "yes"
        }
        let filter = ModelFilter(
            name: pairs["name"], algorithm: pairs["algorithm"], target: pairs["target"], task: pairs["task"],
            threshold: try yesNo("threshold"), calibrated: try yesNo("calibrated"), conformal: try yesNo("conformal"))
        switch word {
        case "model": return .model(filter)
        case "evaluated":
            return .evaluated(filter, unseen: try yesNo("unseen"))
        case "predicted":
            return .predicted(filter, rows: try int("rows"), values: values, warned: try yesNo("warning"))
        default: return .exported(filter)
        }
    }

    private static func answer(_ text: String, line: Int, fail: (Int, String, String?) -> LessonError)
        throws(LessonError) -> Answer
    {
        let parts = words(text)
        guard let kind = parts.first?.lowercased(), parts.count >= 2 else {
            throw fail(line, "an answer is 'number VALUE' or 'choice LETTER', found '\(text)'", nil)
        }
        switch kind {
        case "choice":
            guard parts.count == 2 else { throw fail(line, "'choice' takes one letter, found '\(text)'", nil) }
            return .choice(parts[1].lowercased())
        case "number":
            var tolerance: Tolerance?
            for extra in parts.dropFirst(2) {
                guard extra.lowercased().hasPrefix("tolerance=") else {
                    throw fail(
                        line, "unexpected '\(extra)' in the answer",
                        "only tolerance=X (or tolerance=X%) may follow the number")
                }
                let value = String(extra.dropFirst("tolerance=".count))
                guard let parsed = Grading.number(from: value), parsed.value >= 0 else {
                    throw fail(line, "tolerance must be a number, found '\(value)'", nil)
                }
                tolerance = parsed.percent ? .relative(parsed.value) : .absolute(parsed.value)
            }
            let source = parts[1]
            if let literal = Grading.number(from: source) {
                return .number(.literal(literal.value, text: source), tolerance: tolerance)
            }
            if source.hasPrefix("evaluation.") {
                let metric = String(source.dropFirst("evaluation.".count))
                guard MetricCatalog.named(metric) != nil else {
                    throw fail(
                        line, "'\(source)' names no metric",
                        closestMatch(metric, among: MetricCatalog.all.map(\.name)).map {
                            "did you mean 'evaluation.\($0)'?"
                        })
                }
                return .number(.evaluation(metric: metric), tolerance: tolerance)
            }
            guard source.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }) else {
                throw fail(
                    line, "'\(source)' is neither a number nor a name",
                    "for example 'number 19' or 'number evaluation.rmse'")
            }
            return .number(.binding(source), tolerance: tolerance)
        default:
            throw fail(line, "unknown answer kind '\(kind)'", "an answer is 'number VALUE' or 'choice LETTER'")
        }
    }

    private static func trimBlankEdges(_ lines: [String]) -> [String] {
        var lines = lines
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        return lines
    }
}
