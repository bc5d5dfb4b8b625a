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
    private var index = 0
    /// How many lists, records and calls enclose the value being read.
    private var depth = 0
    /// Deeper nesting is refused: each level is a recursive call, and a line of a million `[`
    /// would otherwise overflow the stack.
    static let maximumDepth = 32

    init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// Parses `line`; returns nil for a blank or comment-only line.
    public static func parse(_ line: String) throws(LanguageError) -> Statement? {
        let tokens = try Lexer.tokenize(line)
        if tokens.first?.kind == .end { return nil }
        var parser = Parser(tokens: tokens)
        return try parser.statement()
    }

    private var current: Token { tokens[index] }
    private func peek(_ offset: Int) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    private mutating func statement() throws(LanguageError) -> Statement {
        let targets = try targetList()
        guard let verb = current.identifier else {
            throw .expected(targets.isEmpty ? "a command" : "a command after '='", found: current)
        }
        let verbRange = advance().range
        var items: [ArgumentItem] = []
        while current.kind != .end {
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
            throw .semantic("values nested more than \(Self.maximumDepth) levels deep", at: token.range, hint: "flatten the list or record")
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
                guard current.isPunctuation(":") else { throw .expected("':' after '\(key)'", found: current) }
                _ = advance()
                fields.append(RecordField(key: key, keyRange: keyToken.range, value: try value()))
                if current.isPunctuation(",") { _ = advance(); continue }
                guard current.isPunctuation("}") else { throw .expected("',' or '}'", found: current) }
            }
            let end = advance().range
            return .record(fields, token.range.union(end))
        default:
            throw .expected("a value", found: token)
        }
    }

    /// Comma-separated values up to (not consuming) `closing`.
    private mutating func values(closing: Character) throws(LanguageError) -> [Expression] {
        var out: [Expression] = []
        while !current.isPunctuation(closing) {
            if current.kind == .end { throw .expected("'\(closing)'", found: current) }
            out.append(try value())
            if current.isPunctuation(",") { _ = advance(); continue }
            guard current.isPunctuation(closing) else { throw .expected("',' or '\(closing)'", found: current) }
        }
        return out
    }
}
