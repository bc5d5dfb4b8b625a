/// Tab completion as a pure function of the line, the cursor, the session and the commands.
public enum Completion {
    /// Characters that end a word; the REPL gives the same set to libedit so both agree on where
    /// the word being completed starts.
    public static let wordBreakCharacters = " \t\n\"=[],{}:()"

    /// The result: candidates that replace `line[start..<cursor]`.
    public struct Result: Equatable, Sendable {
        public var start: Int
        public var candidates: [String]

        public init(start: Int, candidates: [String]) {
            self.start = start
            self.candidates = candidates
        }
    }

    /// Candidates for the word before `cursor` in `line`; `commands` are the language's commands
    /// (their names, positionals and options), in the order names are offered.
    public static func complete(line: String, cursor: Int, source: some CompletionSource, commands: [CommandSignature])
        -> Result
    {
        let chars = Array(line.prefix(cursor))
        // Inside an open string: complete a file path.
        if let quote = openQuote(chars) {
            let typed = String(chars[(quote + 1)...])
            return Result(start: quote + 1, candidates: paths(matching: typed, source: source))
        }
        var start = chars.count
        while start > 0, !wordBreakCharacters.contains(chars[start - 1]) { start -= 1 }
        let word = String(chars[start...])
        let before = String(chars[..<start])
        let candidates = candidates(before: before, source: source, commands: commands)
        return Result(start: start, candidates: candidates.filter { $0.hasPrefix(word) }.uniqued())
    }

    /// What may stand at a position, given the text before the word being typed.
    private static func candidates(before: String, source: some CompletionSource, commands: [CommandSignature])
        -> [String]
    {
        let tokens = (try? Lexer.tokenize(before)) ?? []
        var words = tokens.filter { $0.kind != .end }
        // Drop a leading `a, b =`.
        if let eq = words.firstIndex(where: { $0.isPunctuation("=") }), eq % 2 == 1,
            words[..<eq].enumerated().allSatisfy({
                $0.offset % 2 == 0 ? $0.element.identifier != nil : $0.element.isPunctuation(",")
            })
        {
            words.removeFirst(eq + 1)
        }
        guard let verbToken = words.first, let verb = verbToken.identifier else {
            return commands.map(\.name)
        }
        guard let command = commands.first(where: { $0.name == verb }) else { return [] }
        let rest = Array(words.dropFirst())
        let datasetName = rest.lazy.compactMap { $0.identifier }.first { source.columns(of: $0) != nil }
        let columns = datasetName.flatMap { source.columns(of: $0) }?.map(quotedIfNeeded) ?? []

        // `key=` → the option's values.
        if let last = rest.last, last.isPunctuation("="), rest.count >= 2, let key = rest[rest.count - 2].identifier {
            guard let option = command.options.first(where: { $0.name == key }) else { return [] }
            switch option.kind {
            case .column, .columns: return columns
            case .choice(let options): return options
            case .flag: return ["yes", "no"]
            case .dataset, .binding: return source.boundNames
            default: return []
            }
        }
        // Inside `[...]` of a column list.
        let depth = rest.reduce(0) { $0 + ($1.isPunctuation("[") ? 1 : $1.isPunctuation("]") ? -1 : 0) }
        if depth > 0 { return columns }

        let positionalKinds = nextPositionalKinds(command: command, rest: rest, source: source)
        var result: [String] = []
        for kind in positionalKinds {
            switch kind {
            case .dataset:
                result += source.boundNames.filter { source.columns(of: $0) != nil }
            case .binding:
                result += source.boundNames
            case .columns, .column:
                result += columns
            case .command:
                result += commands.map(\.name)
            case .choice(let options):
                result += options
            case .lesson:
                result += source.lessonNames
            case .keyword(let k):
                result.append(k)
            default:
                break
            }
        }
        result += command.options.map { $0.name + "=" }
        return result
    }

    private enum Expected {
        case keyword(String)
        case dataset, binding, columns, column, command, lesson
        case choice([String])
        case other
    }

    /// Which positionals could come next, walking the signature over the positional words typed so far.
    private static func nextPositionalKinds(command: CommandSignature, rest: [Token], source: some CompletionSource)
        -> [Expected]
    {
        // Positional words typed: skip `key=value` pairs and punctuation.
        var typed: [String] = []
        var i = 0
        while i < rest.count {
            if rest[i].identifier != nil, i + 1 < rest.count, rest[i + 1].isPunctuation("=") {
                i += 3
                continue
            }
            switch rest[i].kind {
            case .identifier(let s): typed.append(s)
            case .string(let s): typed.append("\"" + s)
            case .number(_, let text): typed.append(text)
            default: break
            }
            i += 1
        }
        var slot = 0
        var t = 0
        var expected: [Expected] = []
        while slot < command.positionals.count {
            let p = command.positionals[slot]
            if let keyword = p.keyword {
                if t < typed.count, typed[t] == keyword {
                    if t + 1 < typed.count {
                        t += 2
                        slot += 1
                        continue
                    }
                    return [kind(p.kind)]
                }
                expected.append(.keyword(keyword))
                if p.isOptional {
                    slot += 1
                    continue
                }
                return expected
            }
            if t < typed.count {
                t += 1
                slot += 1
                continue
            }
            expected.append(kind(p.kind))
            if p.isOptional {
                slot += 1
                continue
            }
            return expected
        }
        // Column lists take several words.
        if let last = command.positionals.last, last.kind == .columns, t >= 1 { expected.append(.columns) }
        return expected
    }

    private static func kind(_ k: ArgumentKind) -> Expected {
        switch k {
        case .dataset: .dataset
        case .binding: .binding
        case .columns: .columns
        case .column: .column
        case .command: .command
        case .choice(let o): .choice(o)
        case .lesson: .lesson
        default: .other
        }
    }

    /// Index of an unclosed `"` before the cursor, honouring backslash escapes.
    private static func openQuote(_ chars: [Character]) -> Int? {
        var open: Int?
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", open != nil {
                i += 2
                continue
            }
            if chars[i] == "\"" { open = open == nil ? i : nil }
            i += 1
        }
        return open
    }

    private static func paths(matching typed: String, source: some CompletionSource) -> [String] {
        let slash = typed.lastIndex(of: "/")
        let folder = slash.map { String(typed[...$0]) } ?? ""
        let prefix = slash.map { String(typed[typed.index(after: $0)...]) } ?? typed
        return source.directoryEntries(folder)
            .filter { $0.hasPrefix(prefix) && (!$0.hasPrefix(".") || prefix.hasPrefix(".")) }
            .sorted()
            // A file closes the string; a folder leaves it open for the next part.
            .map { folder + $0 + ($0.hasSuffix("/") ? "" : "\"") }
    }

    private static func quotedIfNeeded(_ name: String) -> String {
        name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? name : "\"\(name)\""
    }
}
