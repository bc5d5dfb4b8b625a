/// Parses column expressions and the lists of them that `derive` and `group` take.
///
/// ```
/// expression := or
/// or         := and ("or" and)*
/// and        := not ("and" not)*
/// not        := "not" not | comparison
/// comparison := sum [("==" | "=" | "!=" | "<" | "<=" | ">" | ">=") sum
///                   | "is" ["not"] "missing" | ["not"] "in" "[" literals "]"]
/// sum        := product (("+" | "-") product)*
/// product    := unary (("*" | "×" | "/" | "÷" | "%") unary)*
/// unary      := "-" unary | primary
/// primary    := number | "text" | name | `quoted name` | name "(" [expression ("," expression)*] ")"
///             | "(" expression ")" | true | false
/// definition := (name | `quoted name` | "quoted name") "=" expression
/// ```
/// Words are case-sensitive column names except the keywords `and or not in is missing true false`.
public struct ExpressionParser {
    enum TokenKind: Equatable {
        case number(Double)
        case text(String)
        case name(String)
        /// `` `a name` ``: always a column, never a keyword.
        case quotedName(String)
        case symbol(String)
        case end
    }

    struct Token {
        var kind: TokenKind
        var span: Span
    }

    /// Deeper nesting is refused: each level is a recursive call.
    static let maximumDepth = 64
    /// More values than this in one expression are refused: `a + b + …` builds one tree level per
    /// operand, and checking and computing the tree recurse through every level.
    static let maximumValues = 1_000
    static let keywords: Set<String> = ["and", "or", "not", "in", "is", "missing", "true", "false"]

    private let tokens: [Token]
    private var index = 0
    private var depth = 0
    private var values = 0

    init(_ source: String) throws(ExpressionError) {
        tokens = try Self.tokenize(Array(source))
    }

    /// One expression, the whole of `source`.
    public static func parse(_ source: String) throws(ExpressionError) -> ColumnExpression {
        var parser = try ExpressionParser(source)
        guard parser.current.kind != .end else {
            throw ExpressionError(
                "expected an expression", at: parser.current.span,
                hint: "for example: bill_length_mm > 40 and island == \"Dream\"")
        }
        let expression = try parser.expression()
        try parser.expectEnd()
        return expression
    }

    /// `name = expression, name = expression, …`.
    public static func parseDefinitions(_ source: String) throws(ExpressionError) -> [Definition] {
        var parser = try ExpressionParser(source)
        var definitions: [Definition] = []
        repeat {
            if !definitions.isEmpty { parser.index += 1 }
            let nameToken = parser.current
            let name: String
            switch nameToken.kind {
            case .name(let n) where !keywords.contains(n): name = n
            case .quotedName(let n), .text(let n): name = n
            default:
                throw ExpressionError(
                    "expected a new column's name", at: nameToken.span,
                    hint: "write NAME = EXPRESSION, for example: ratio = bill_length_mm / bill_depth_mm")
            }
            parser.index += 1
            guard parser.current.kind == .symbol("=") else {
                throw ExpressionError(
                    "expected '=' after '\(name)'", at: parser.current.span, hint: "write \(name) = EXPRESSION")
            }
            parser.index += 1
            guard parser.current.kind != .end else {
                throw ExpressionError("expected an expression after '\(name) ='", at: parser.current.span)
            }
            let expression = try parser.expression()
            definitions.append(Definition(name: name, nameSpan: nameToken.span, expression: expression))
        } while parser.current.kind == .symbol(",")
        try parser.expectEnd()
        return definitions
    }

    /// `column [asc|desc], column [asc|desc], …` for `sort`.
    public static func parseSortKeys(_ source: String) throws(ExpressionError) -> [(
        name: String, span: Span, descending: Bool
    )] {
        let parser = try ExpressionParser(source)
        var keys: [(String, Span, Bool)] = []
        var i = 0
        let tokens = parser.tokens
        repeat {
            if !keys.isEmpty { i += 1 }
            let token = tokens[i]
            let name: String
            switch token.kind {
            case .name(let n), .quotedName(let n), .text(let n): name = n
            default:
                throw ExpressionError(
                    token.kind == .end ? "expected a column to sort by" : "expected a column name", at: token.span,
                    hint: "write sort DATA by COLUMN [desc], COLUMN …")
            }
            i += 1
            var descending = false
            if case .name(let word) = tokens[i].kind, word == "desc" || word == "asc" {
                descending = word == "desc"
                i += 1
            }
            keys.append((name, token.span, descending))
        } while tokens[i].kind == .symbol(",")
        guard tokens[i].kind == .end else {
            throw ExpressionError(
                "unexpected \(parser.describe(tokens[i]))", at: tokens[i].span,
                hint: "write sort DATA by COLUMN [desc], COLUMN …")
        }
        return keys
    }

    /// `[a, b]`-free column lists are the command language's; this is only for expressions.
    private mutating func expectEnd() throws(ExpressionError) {
        guard current.kind == .end else {
            throw ExpressionError(
                "unexpected \(describe(current))", at: current.span,
                hint: "combine conditions with and / or; separate definitions with ','")
        }
    }

    private var current: Token { tokens[index] }

    private mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    private func isWord(_ word: String) -> Bool { current.kind == .name(word) }
    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    private mutating func nest() throws(ExpressionError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw ExpressionError(
                "the expression is nested more than \(Self.maximumDepth) levels deep", at: current.span,
                hint: "split it into several derived columns")
        }
    }

    mutating func expression() throws(ExpressionError) -> ColumnExpression {
        try nest()
        defer { depth -= 1 }
        var left = try conjunction()
        while isWord("or") {
            _ = advance()
            let right = try conjunction()
            left = .binary(.or, left, right, left.span.union(right.span))
        }
        return left
    }

    private mutating func conjunction() throws(ExpressionError) -> ColumnExpression {
        var left = try negation()
        while isWord("and") {
            _ = advance()
            let right = try negation()
            left = .binary(.and, left, right, left.span.union(right.span))
        }
        return left
    }

    private mutating func negation() throws(ExpressionError) -> ColumnExpression {
        if isWord("not") {
            let start = advance().span
            try nest()
            defer { depth -= 1 }
            let operand = try negation()
            return .not(operand, start.union(operand.span))
        }
        return try comparison()
    }

    private mutating func comparison() throws(ExpressionError) -> ColumnExpression {
        let left = try sum()
        if case .symbol(let s) = current.kind, let op = Self.comparisons[s] {
            _ = advance()
            let right = try sum()
            return .binary(op, left, right, left.span.union(right.span))
        }
        if isWord("is") {
            _ = advance()
            var negated = false
            if isWord("not") {
                _ = advance()
                negated = true
            }
            guard isWord("missing") else {
                throw ExpressionError(
                    "expected 'missing' after 'is\(negated ? " not" : "")'", at: current.span,
                    hint: "write x is missing or x is not missing; compare values with ==")
            }
            let end = advance().span
            return .isMissing(left, negated: negated, left.span.union(end))
        }
        var negated = false
        if isWord("not"), index + 1 < tokens.count, tokens[index + 1].kind == .name("in") {
            _ = advance()
            negated = true
        }
        if isWord("in") {
            _ = advance()
            guard isSymbol("[") else {
                throw ExpressionError("expected '[' after 'in'", at: current.span, hint: "write x in [\"a\", \"b\"]")
            }
            _ = advance()
            var items: [ColumnExpression] = []
            while !isSymbol("]") {
                let token = advance()
                switch token.kind {
                case .number(let v): items.append(.number(v, token.span))
                case .text(let s): items.append(.text(s, token.span))
                case .symbol("-"):
                    guard case .number(let v) = current.kind else { fallthrough }
                    items.append(.number(-v, token.span.union(advance().span)))
                default:
                    throw ExpressionError(
                        "expected a number or a quoted text in the list", at: token.span,
                        hint: "write x in [\"a\", \"b\"] or x in [1, 2]")
                }
                if isSymbol(",") {
                    _ = advance()
                    continue
                }
                guard isSymbol("]") else { throw ExpressionError("expected ',' or ']'", at: current.span) }
            }
            let end = advance().span
            guard !items.isEmpty else { throw ExpressionError("the list is empty", at: left.span.union(end)) }
            return .membership(left, items, negated: negated, left.span.union(end))
        }
        return left
    }

    private static let comparisons: [String: BinaryOperator] = [
        "==": .equal, "=": .equal, "!=": .notEqual, "<>": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater,
        ">=": .greaterOrEqual,
    ]

    private mutating func sum() throws(ExpressionError) -> ColumnExpression {
        var left = try product()
        while isSymbol("+") || isSymbol("-") {
            let op: BinaryOperator = advance().kind == .symbol("+") ? .add : .subtract
            let right = try product()
            left = .binary(op, left, right, left.span.union(right.span))
        }
        return left
    }

    private mutating func product() throws(ExpressionError) -> ColumnExpression {
        var left = try unary()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .symbol("*"), .symbol("×"): op = .multiply
            case .symbol("/"), .symbol("÷"): op = .divide
            case .symbol("%"): op = .remainder
            default: return left
            }
            _ = advance()
            let right = try unary()
            left = .binary(op, left, right, left.span.union(right.span))
        }
    }

    private mutating func unary() throws(ExpressionError) -> ColumnExpression {
        if isSymbol("-") {
            let start = advance().span
            try nest()
            defer { depth -= 1 }
            let operand = try unary()
            if case .number(let v, let s) = operand { return .number(-v, start.union(s)) }
            return .negate(operand, start.union(operand.span))
        }
        return try primary()
    }

    private mutating func primary() throws(ExpressionError) -> ColumnExpression {
        values += 1
        guard values <= Self.maximumValues else {
            throw ExpressionError(
                "the expression has more than \(Self.maximumValues) values", at: current.span,
                hint: "split it into several derived columns")
        }
        let token = advance()
        switch token.kind {
        case .number(let v): return .number(v, token.span)
        case .text(let s): return .text(s, token.span)
        case .quotedName(let n): return .column(n, token.span)
        case .name("true"): return .boolean(true, token.span)
        case .name("false"): return .boolean(false, token.span)
        case .name(let n) where Self.keywords.contains(n):
            throw ExpressionError(
                "expected a value, found '\(n)'", at: token.span,
                hint: "a column named '\(n)' goes in backticks: `\(n)`")
        case .name(let n):
            guard isSymbol("(") else { return .column(n, token.span) }
            _ = advance()
            try nest()
            defer { depth -= 1 }
            var arguments: [ColumnExpression] = []
            while !isSymbol(")") {
                guard current.kind != .end else {
                    throw ExpressionError("expected ')' to close \(n)(", at: current.span)
                }
                arguments.append(try expression())
                if isSymbol(",") {
                    _ = advance()
                    continue
                }
                guard isSymbol(")") else { throw ExpressionError("expected ',' or ')'", at: current.span) }
            }
            let end = advance().span
            return .call(n, arguments, token.span.union(end))
        case .symbol("("):
            let inner = try expression()
            guard isSymbol(")") else {
                throw ExpressionError(
                    "expected ')'", at: current.span, hint: "the '(' at \(token.span.start + 1) is not closed")
            }
            _ = advance()
            return inner
        case .end:
            throw ExpressionError(
                "the expression ends too early", at: token.span, hint: "something is missing after the last operator")
        default:
            throw ExpressionError("expected a value, found \(describe(token))", at: token.span)
        }
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .number(let v): "the number \(v)"
        case .text(let s): "\"\(s)\""
        case .name(let n), .quotedName(let n): "'\(n)'"
        case .symbol(let s): "'\(s)'"
        case .end: "end of the expression"
        }
    }

    // MARK: tokens

    private static let symbolCharacters: Set<Character> = [
        "+", "-", "*", "/", "%", "×", "÷", "(", ")", "[", "]", ",", "=", "<", ">", "!",
    ]

    static func tokenize(_ chars: [Character]) throws(ExpressionError) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        while true {
            while i < chars.count, chars[i].isWhitespace { i += 1 }
            guard i < chars.count else {
                tokens.append(Token(kind: .end, span: Span(chars.count, chars.count + 1)))
                return tokens
            }
            let start = i
            let c = chars[i]
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                while i < chars.count, chars[i].isNumber || chars[i] == "." { i += 1 }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    var j = i + 1
                    if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                    if j < chars.count, chars[j].isNumber {
                        i = j
                        while i < chars.count, chars[i].isNumber { i += 1 }
                    }
                }
                let text = String(chars[start..<i])
                guard let value = Double(text), value.isFinite,
                    i >= chars.count || !(chars[i].isLetter || chars[i] == "_")
                else {
                    var end = i
                    while end < chars.count, chars[end].isLetter || chars[end].isNumber || chars[end] == "_" {
                        end += 1
                    }
                    throw ExpressionError(
                        "'\(String(chars[start..<end]))' is not a number", at: Span(start, end),
                        hint: "a column name that starts with a digit goes in backticks")
                }
                tokens.append(Token(kind: .number(value), span: Span(start, i)))
            } else if c.isLetter || c == "_" {
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." {
                    i += 1
                }
                tokens.append(Token(kind: .name(String(chars[start..<i])), span: Span(start, i)))
            } else if c == "\"" || c == "'" || c == "`" {
                i += 1
                var value = ""
                var closed = false
                while i < chars.count {
                    if chars[i] == c {
                        closed = true
                        i += 1
                        break
                    }
                    if chars[i] == "\\", i + 1 < chars.count {
                        switch chars[i + 1] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        case "\\", "\"", "'", "`": value.append(chars[i + 1])
                        default:
                            throw ExpressionError(
                                "unknown escape '\\\(chars[i + 1])'", at: Span(i, i + 2),
                                hint: "write \\\\ for a backslash")
                        }
                        i += 2
                        continue
                    }
                    value.append(chars[i])
                    i += 1
                }
                guard closed else {
                    throw ExpressionError(
                        "the \(c == "`" ? "quoted name" : "text") is not closed", at: Span(start, chars.count),
                        hint: "end it with \(c)")
                }
                tokens.append(Token(kind: c == "`" ? .quotedName(value) : .text(value), span: Span(start, i)))
            } else if symbolCharacters.contains(c) {
                i += 1
                if i < chars.count, ["<=", ">=", "==", "!=", "<>"].contains(String([c, chars[i]])) { i += 1 }
                let symbol = String(chars[start..<i])
                guard symbol != "!" else {
                    throw ExpressionError(
                        "'!' alone is not an operator", at: Span(start, i),
                        hint: "write != for 'not equal' or not x for negation")
                }
                tokens.append(Token(kind: .symbol(symbol), span: Span(start, i)))
            } else {
                throw ExpressionError(
                    "unexpected character '\(c)'", at: Span(start, start + 1),
                    hint: "operators are + - * / % == != < <= > >= and or not in; names with spaces go in backticks")
            }
        }
    }
}

/// `NAME = EXPRESSION` in `derive` and `group`.
public struct Definition: Sendable, Equatable {
    public var name: String
    public var nameSpan: Span
    public var expression: ColumnExpression
}
