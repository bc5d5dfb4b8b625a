import Diagnostics

/// A statement matched against its command's signature: positionals by placeholder, options by name.
public struct Invocation: Sendable {
    public let signature: CommandSignature
    public let statement: Statement
    public let line: String
    public private(set) var positionals: [Placeholder: Expression] = [:]
    public private(set) var options: [String: (key: SourceRange, value: Expression)] = [:]
    /// `key=value` pairs that are not command options: hyperparameters, for commands that take them.
    public private(set) var hyperparameters: [(key: String, keyRange: SourceRange, value: Expression)] = []

    /// Matches `statement` to `signature`, checking counts, keywords, option names and simple value kinds.
    public init(signature: CommandSignature, statement: Statement, line: String) throws(LanguageError) {
        self.signature = signature
        self.statement = statement
        self.line = line

        if statement.targets.count > signature.maxResults, let first = statement.targets.first {
            let range = first.range.union(statement.targets[statement.targets.count - 1].range)
            throw .tooManyResults(command: signature.name, max: signature.maxResults, at: range)
        }

        var remaining: [Expression] = []
        for item in statement.items {
            switch item {
            case .positional(let e):
                remaining.append(e)
            case .option(let key, let keyRange, let value):
                guard let option = signature.options.first(where: { $0.name == key }) else {
                    if signature.acceptsHyperparameters {
                        guard !hyperparameters.contains(where: { $0.key == key }) else {
                            throw .duplicateOption(key, at: keyRange)
                        }
                        hyperparameters.append((key, keyRange, value))
                        continue
                    }
                    let names = signature.options.map(\.name)
                    throw .unknownOption(
                        key, command: signature.name, at: keyRange, suggestion: closestMatch(key, among: names),
                        known: names)
                }
                guard options[key] == nil else { throw .duplicateOption(key, at: keyRange) }
                try Invocation.check(value, against: option.kind, name: key)
                options[key] = (keyRange, value)
            }
        }

        var cursor = 0
        let keywords = Set(signature.positionals.compactMap(\.keyword))
        for (i, positional) in signature.positionals.enumerated() {
            let next = cursor < remaining.count ? remaining[cursor] : nil
            if let keyword = positional.keyword {
                if let next, next.dottedName == keyword {
                    cursor += 1
                    guard cursor < remaining.count else {
                        throw .missingArgument(
                            "\(positional.placeholder) after '\(keyword)'", command: signature.name,
                            usage: signature.usage, at: SourceRange(next.range.end, next.range.end + 1))
                    }
                    positionals[positional.placeholder] = remaining[cursor]
                    cursor += 1
                } else if !positional.isOptional {
                    let at = next?.range ?? SourceRange(line.count, line.count + 1)
                    throw .missingArgument(
                        "'\(keyword) \(positional.placeholder)'", command: signature.name, usage: signature.usage,
                        at: at)
                }
            } else {
                // A bare word that is a later keyword belongs to that keyword, not to this slot.
                let laterKeywords = Set(signature.positionals[(i + 1)...].compactMap(\.keyword))
                if let next, !(next.dottedName.map(laterKeywords.contains) ?? false) {
                    positionals[positional.placeholder] = next
                    cursor += 1
                } else if !positional.isOptional {
                    let at = next?.range ?? SourceRange(line.count, line.count + 1)
                    throw .missingArgument(
                        positional.placeholder.label, command: signature.name, usage: signature.usage, at: at)
                }
            }
        }
        if cursor < remaining.count {
            let extra = remaining[cursor]
            if let word = extra.dottedName, !keywords.isEmpty, let k = closestMatch(word, among: Array(keywords)),
                k != word
            {
                throw .semantic(
                    "unexpected '\(word)'", at: extra.range, hint: "did you mean '\(k)'? usage: \(signature.usage)")
            }
            throw .unexpectedArgument(at: extra.range, usage: signature.usage)
        }
    }

    /// Checks values whose kind needs no session state (numbers, choices, flags).
    private static func check(_ value: Expression, against kind: ArgumentKind, name: String) throws(LanguageError) {
        switch kind {
        case .integer(let range):
            guard case .number(let v, _, _) = value, v.rounded() == v, let i = Int(exactly: v), range.contains(i) else {
                throw .invalidValue(option: name, expected: kind.expectation, at: value.range)
            }
        case .number(let range):
            guard case .number(let v, _, _) = value, range.contains(v) else {
                throw .invalidValue(option: name, expected: kind.expectation, at: value.range)
            }
        case .fraction:
            guard case .number(let v, _, _) = value, v > 0, v < 1 else {
                throw .invalidValue(option: name, expected: kind.expectation, at: value.range)
            }
        case .choice(let options):
            let word: String? =
                switch value {
                case .name(let parts, _) where parts.count == 1: parts[0]
                case .string(let s, _): s
                default: nil
                }
            guard let word, options.contains(word) else {
                let guess = (value.dottedName).flatMap { closestMatch($0, among: options) }
                throw .semantic(
                    "\(name) must be \(kind.expectation)", at: value.range, hint: guess.map { "did you mean '\($0)'?" })
            }
        case .flag:
            guard
                let word = value.dottedName ?? { if case .string(let s, _) = value { return s } else { return nil } }(),
                ["yes", "no", "true", "false"].contains(word.lowercased())
            else {
                throw .invalidValue(option: name, expected: kind.expectation, at: value.range)
            }
        default:
            break
        }
    }

    // MARK: typed access for handlers

    public func has(_ option: String) -> Bool { options[option] != nil }

    /// The option's value as given, or its declared default when it was left out.
    public subscript<Value>(option: Option<Value>) -> Value {
        // Reading an option the signature does not declare would always give the default: a
        // handler bug, never a user's.
        assert(
            signature.options.contains { $0.name == option.name },
            "\(signature.name) reads option \(option.name), which its signature does not declare")
        return options[option.name].flatMap { option.decode($0.value) } ?? option.defaultValue
    }

    /// Whether the user gave the option.
    public func has<Value>(_ option: Option<Value>) -> Bool { options[option.name] != nil }

    public func word(_ option: String) -> String? {
        switch options[option]?.value {
        case .name(let parts, _)?: parts.joined(separator: ".")
        case .string(let s, _)?: s
        case .number(_, let text, _)?: text
        default: nil
        }
    }

    /// The range to underline for an option's value, falling back to the verb.
    public func range(of option: String) -> SourceRange {
        options[option]?.value.range ?? statement.verbRange
    }

    /// The range to underline for a positional, falling back to the verb.
    public func range(of placeholder: Placeholder) -> SourceRange {
        positionals[placeholder]?.range ?? statement.verbRange
    }
}
