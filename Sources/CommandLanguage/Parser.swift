/// Parses one line of the command language into a `Statement`.
///
/// Grammar (informally):
/// ```
/// statement  := [target ("," target)* "="] verb item*
/// item       := key "=" value | value ("," value)*     -- a comma run is one list
/// value      := string | number | name ("." name)* ["(" values ")"] | "[" values "]" | "{" fields "}"
/// ```
public struct Parser {
    private let tokens: [Token]
    /// The line, for the text of an expression tail.
    private let characters: [Character]
    private var index = 0
    /// How many lists, records and calls enclose the value being read.
    private var depth = 0
    /// Deeper nesting is refused: each level is a recursive call, and a line of a million `[`
    /// would otherwise overflow the stack.
    static let maximumDepth = 32

    init(tokens: [Token], characters: [Character] = []) {
        self.tokens = tokens
        self.characters = characters
    }

    /// Parses `line`; returns nil for a blank or comment-only line. `tails` says, for a verb,
    /// where its column expression starts (see `ExpressionTail`); without it no line has one.
    public static func parse(_ line: String, tails: (String) -> ExpressionTail? = { _ in nil }) throws(LanguageError)
        -> Statement?
    {
        let tokens = try Lexer.tokenize(line)
        if tokens.first?.kind == .end { return nil }
        var parser = Parser(tokens: tokens, characters: Array(line))
        return try parser.statement(tails: tails)
    }

    private var current: Token { tokens[index] }
    private func peek(_ offset: Int) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    private mutating func statement(tails: (String) -> ExpressionTail?) throws(LanguageError) -> Statement {
        let targets = try targetList()
        guard let verb = current.identifier else {
            throw Self.operatorOutsideExpression(current)
                ?? .expected(targets.isEmpty ? "a command" : "a command after '='", found: current)
        }
        let verbRange = advance().range
        let tail = tails(verb)
        if tail == nil {
            // Without an expression, the first operator is the error it always was.
            for token in tokens { if let error = Self.operatorOutsideExpression(token) { throw error } }
        }
        var items: [ArgumentItem] = []
        while current.kind != .end {
            if let tail, let found = expressionTail(tail) {
                items += found
                break
            }
            if let key = current.identifier, peek(1).isPunctuation("=") {
                let keyRange = advance().range
                _ = advance()
                guard current.kind != .end else { throw .expected("a value after '\(key)='", found: current) }
                items.append(.option(key: key, keyRange: keyRange, value: try value()))
            } else {
                var run = [try value()]
                while current.isPunctuation(",") {
                    _ = advance()
                    run.append(try value())
                }
                if run.count == 1 {
                    items.append(.positional(run[0]))
                } else {
                    let range = run[0].range.union(run[run.count - 1].range)
                    items.append(.positional(.list(run, range)))
                }
            }
        }
        return Statement(targets: targets, verb: verb, verbRange: verbRange, items: items)
    }

    /// The items of an expression tail starting at the current token, if it starts here: the
    /// keyword (as a name) and the text from the next token to the end of the line or a comment.
    private mutating func expressionTail(_ tail: ExpressionTail) -> [ArgumentItem]? {
        var items: [ArgumentItem] = []
        switch tail {
        case .afterKeyword(let keyword):
            guard current.identifier == keyword, !peek(1).isPunctuation("=") else { return nil }
            items.append(.positional(.name([keyword], advance().range)))
        case .fromFirstDefinition:
            switch current.kind {
            case .identifier, .string: guard peek(1).isPunctuation("=") else { return nil }
            case .punctuation("`"): guard peek(1).isPunctuation("=") else { return nil }
            default: return nil
            }
        }
        var end = tokens[tokens.count - 1].range.start
        let start = min(current.range.start, end)
        while end > start, characters[end - 1].isWhitespace { end -= 1 }
        items.append(
            .positional(.expressionText(String(characters[start..<end]), SourceRange(start, max(end, start + 1)))))
        index = tokens.count - 1
        return items
    }

    /// `a =` or `a, b =` at the start of the line; empty when the line starts with a verb.
    private mutating func targetList() throws(LanguageError) -> [Statement.Target] {
        var offset = 0
        var names: [Statement.Target] = []
        while let name = peek(offset).identifier {
            names.append(Statement.Target(name: name, range: peek(offset).range))
            let next = peek(offset + 1)
            if next.isPunctuation("=") {
                index += offset + 2
                return names
            }
            guard next.isPunctuation(",") else { return [] }
            offset += 2
        }
        return []
    }

    private mutating func value() throws(LanguageError) -> Expression {
        let token = current
        guard depth < Self.maximumDepth else {
            throw .semantic(
                "values nested more than \(Self.maximumDepth) levels deep", at: token.range,
                hint: "flatten the list or record")
        }
        depth += 1
        defer { depth -= 1 }
        switch token.kind {
        case .string(let s):
            _ = advance()
            return .string(s, token.range)
        case .number(let v, let text):
            _ = advance()
            return .number(v, text: text, token.range)
        case .identifier(let first):
            _ = advance()
            var parts = [first]
            var range = token.range
            while current.isPunctuation("."), let part = peek(1).identifier {
                _ = advance()
                range = range.union(advance().range)
                parts.append(part)
            }
            if current.isPunctuation(".") {
                throw .expected("a name after '.'", found: peek(1))
            }
            if current.isPunctuation("(") {
                _ = advance()
                let arguments = try values(closing: ")")
                range = range.union(advance().range)
                return .call(parts, arguments: arguments, range)
            }
            return .name(parts, range)
        case .punctuation("["):
            _ = advance()
            let elements = try values(closing: "]")
            let end = advance().range
            return .list(elements, token.range.union(end))
        case .punctuation("{"):
            _ = advance()
            var fields: [RecordField] = []
            while !current.isPunctuation("}") {
                let keyToken = current
                let key: String
                switch keyToken.kind {
                case .identifier(let s), .string(let s): key = s
                default: throw .expected("a column name in {...}", found: keyToken)
                }
                _ = advance()
                guard current.isPunctuation(":") else {
                    throw Self.operatorOutsideExpression(current) ?? .expected("':' after '\(key)'", found: current)
                }
                _ = advance()
                fields.append(RecordField(key: key, keyRange: keyToken.range, value: try value()))
                if current.isPunctuation(",") {
                    _ = advance()
                    continue
                }
                guard current.isPunctuation("}") else {
                    throw Self.operatorOutsideExpression(current) ?? .expected("',' or '}'", found: current)
                }
            }
            let end = advance().range
            return .record(fields, token.range.union(end))
        default:
            throw Self.operatorOutsideExpression(token) ?? .expected("a value", found: token)
        }
    }

    /// Operators and the other quotes are tokens only so that column expressions can follow a
    /// command; anywhere else they are the character the line should not have, as they always were.
    static func operatorOutsideExpression(_ token: Token) -> LanguageError? {
        guard case .punctuation(let c) = token.kind, "+-*/%<>!×÷`'".contains(c) else { return nil }
        return .unexpectedCharacter(c, at: SourceRange(token.range.start, token.range.start + 1))
    }

    /// Comma-separated values up to (not consuming) `closing`.
    private mutating func values(closing: Character) throws(LanguageError) -> [Expression] {
        var out: [Expression] = []
        while !current.isPunctuation(closing) {
            if current.kind == .end { throw .expected("'\(closing)'", found: current) }
            out.append(try value())
            if current.isPunctuation(",") {
                _ = advance()
                continue
            }
            guard current.isPunctuation(closing) else {
                throw Self.operatorOutsideExpression(current) ?? .expected("',' or '\(closing)'", found: current)
            }
        }
        return out
    }
}
