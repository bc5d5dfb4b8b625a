/// Splits one line of the command language into tokens with character ranges.
///
/// Identifiers: a letter or `_`, then letters, digits, `_` or `-` inside (so `breast-cancer` reads as one
/// name) — a dot is punctuation so `iris.train` is `iris` `.` `train`. Numbers allow a sign, decimals,
/// an exponent, and a `%` or unit suffix (`60s`). `#` starts a comment.
public struct Lexer {
    private let chars: [Character]
    private var position = 0

    public init(_ line: String) {
        chars = Array(line)
    }

    public static func tokenize(_ line: String) throws(LanguageError) -> [Token] {
        var lexer = Lexer(line)
        return try lexer.all()
    }

    mutating func all() throws(LanguageError) -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private mutating func next() throws(LanguageError) -> Token {
        while position < chars.count, chars[position].isWhitespace { position += 1 }
        guard position < chars.count, chars[position] != "#" else {
            // Starts where a comment does, so an expression tail ends before it.
            return Token(kind: .end, range: SourceRange(min(position, chars.count), chars.count))
        }
        let start = position
        let c = chars[position]
        if c == "\"" { return try string() }
        if c.isNumber
            || ((c == "-" || c == "+" || c == ".") && position + 1 < chars.count
                && (chars[position + 1].isNumber || (chars[position + 1] == "." && c != ".")))
        {
            if let number = number() { return number }
            var end = start + 1
            while end < chars.count, !chars[end].isWhitespace, !",]}):".contains(chars[end]) { end += 1 }
            throw .badNumber(String(chars[start..<end]), at: SourceRange(start, end))
        }
        if c.isLetter || c == "_" {
            position += 1
            while position < chars.count, isIdentifierChar(chars[position]) { position += 1 }
            // A trailing '-' belongs to whatever follows, not to the name.
            while position > start + 1, chars[position - 1] == "-" { position -= 1 }
            return Token(kind: .identifier(String(chars[start..<position])), range: SourceRange(start, position))
        }
        if "=,[]{}():.;".contains(c) {
            position += 1
            return Token(kind: .punctuation(c), range: SourceRange(start, position))
        }
        // Operators and the other quotes belong to column expressions (`filter d where a > 1`),
        // which their commands read as text: here they are one token each, a quoted span whole
        // (so a '#' inside it is not a comment), and the statement parser refuses them elsewhere.
        if "+-*/%<>!×÷".contains(c) {
            position += 1
            return Token(kind: .punctuation(c), range: SourceRange(start, position))
        }
        if c == "`" || c == "'" {
            position += 1
            while position < chars.count, chars[position] != c { position += 1 }
            // Unclosed: the rest of the line (the expression parser says what is wrong with it).
            if position < chars.count { position += 1 }
            return Token(kind: .punctuation(c), range: SourceRange(start, position))
        }
        throw .unexpectedCharacter(c, at: SourceRange(start, start + 1))
    }

    private func isIdentifierChar(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "-"
    }

    private mutating func string() throws(LanguageError) -> Token {
        let start = position
        position += 1
        var value = ""
        while position < chars.count {
            let c = chars[position]
            if c == "\"" {
                position += 1
                return Token(kind: .string(value), range: SourceRange(start, position))
            }
            if c == "\\" {
                guard position + 1 < chars.count else { break }
                let e = chars[position + 1]
                switch e {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "\\": value.append("\\")
                case "\"": value.append("\"")
                default:
                    throw .badEscape(e, at: SourceRange(position, position + 2))
                }
                position += 2
                continue
            }
            value.append(c)
            position += 1
        }
        throw .unterminatedString(at: SourceRange(start, chars.count))
    }

    /// Reads a number if one starts here; nil (position unchanged by caller) if it does not parse.
    private mutating func number() -> Token? {
        let start = position
        if chars[position] == "-" || chars[position] == "+" { position += 1 }
        while position < chars.count, chars[position].isNumber { position += 1 }
        if position < chars.count, chars[position] == ".", position + 1 <= chars.count {
            position += 1
            while position < chars.count, chars[position].isNumber { position += 1 }
        }
        if position < chars.count, chars[position] == "e" || chars[position] == "E" {
            var p = position + 1
            if p < chars.count, chars[p] == "-" || chars[p] == "+" { p += 1 }
            if p < chars.count, chars[p].isNumber {
                position = p
                while position < chars.count, chars[position].isNumber { position += 1 }
            }
        }
        let numeric = String(chars[start..<position])
        guard var value = Double(numeric) else { return nil }
        // Suffixes: percent, and time units for budgets.
        var text = numeric
        if position < chars.count, chars[position] == "%" {
            position += 1
            value /= 100
            text += "%"
        } else if position < chars.count, chars[position].isLetter {
            var p = position
            while p < chars.count, chars[p].isLetter { p += 1 }
            let unit = String(chars[position..<p])
            let seconds: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600]
            guard let factor = seconds[unit] else { return nil }
            value *= factor
            text += unit
            position = p
        }
        return Token(kind: .number(value, text: text), range: SourceRange(start, position))
    }
}
