public import Diagnostics

/// A mistake in a command line, with the range of the offending text and what to do.
public enum LanguageError: Error, Sendable, Equatable, UserFacingError {
    case unexpectedCharacter(Character, at: SourceRange)
    case unterminatedString(at: SourceRange)
    case badEscape(Character, at: SourceRange)
    case badNumber(String, at: SourceRange)
    case expected(String, found: Token)
    case unknownCommand(String, at: SourceRange, suggestion: String?)
    case unknownOption(String, command: String, at: SourceRange, suggestion: String?, known: [String])
    case duplicateOption(String, at: SourceRange)
    case invalidValue(option: String, expected: String, at: SourceRange)
    case missingArgument(String, command: String, usage: String, at: SourceRange)
    case unexpectedArgument(at: SourceRange, usage: String)
    case tooManyResults(command: String, max: Int, at: SourceRange)
    /// A name, column or other reference that does not exist; `suggestion` from edit distance.
    case unknownName(kind: String, name: String, at: SourceRange, suggestion: String?, hint: String?)
    case wrongKind(name: String, expected: String, found: String, at: SourceRange)
    /// A semantic problem tied to a place in the line (e.g. an out-of-range fraction).
    case semantic(String, at: SourceRange, hint: String?)

    public var range: SourceRange {
        switch self {
        case .unexpectedCharacter(_, let r), .unterminatedString(let r), .badEscape(_, let r), .badNumber(_, let r):
            r
        case .expected(_, let found): found.range
        case .unknownCommand(_, let r, _), .unknownOption(_, _, let r, _, _), .duplicateOption(_, let r),
            .invalidValue(_, _, let r), .missingArgument(_, _, _, let r), .unexpectedArgument(let r, _),
            .tooManyResults(_, _, let r), .unknownName(_, _, let r, _, _), .wrongKind(_, _, _, let r),
            .semantic(_, let r, _):
            r
        }
    }

    /// The one-line message.
    public var message: String {
        switch self {
        case .unexpectedCharacter(let c, _): "unexpected character '\(c)'"
        case .unterminatedString: "unterminated string: a closing \" is missing"
        case .badEscape(let c, _): "unknown escape '\\\(c)' in string"
        case .badNumber(let text, _): "'\(text)' is not a number"
        case .expected(let what, let found): "expected \(what), found \(found.display)"
        case .unknownCommand(let name, _, _): "unknown command '\(name)'"
        case .unknownOption(let name, let command, _, _, _): "'\(command)' has no option '\(name)'"
        case .duplicateOption(let name, _): "option '\(name)' is given twice"
        case .invalidValue(let option, let expected, _): "\(option) must be \(expected)"
        case .missingArgument(let what, let command, _, _): "'\(command)' needs \(what)"
        case .unexpectedArgument: "unexpected argument"
        case .tooManyResults(let command, let max, _):
            max == 0
                ? "'\(command)' returns nothing to bind"
                : "'\(command)' binds at most \(max) name\(max == 1 ? "" : "s")"
        case .unknownName(let kind, let name, _, _, _): "no \(kind) named '\(name)'"
        case .wrongKind(let name, let expected, let found, _): "'\(name)' is a \(found), expected a \(expected)"
        case .semantic(let message, _, _): message
        }
    }

    /// What to do about it, if there is something specific to say.
    public var hint: String? {
        switch self {
        case .unexpectedCharacter(let c, _) where c == "/" || c == "\\" || c == "~":
            "paths go in double quotes: load \"data/file.csv\""
        case .unterminatedString: "close the string with \""
        case .badEscape: "use \\n, \\t, \\\\ or \\\" inside strings"
        case .unknownCommand(_, _, let s):
            s.map { "did you mean '\($0)'? (type 'help' for all commands)" } ?? "type 'help' for the list of commands"
        case .unknownOption(_, let command, _, let s, let known):
            s.map { "did you mean '\($0)'?" }
                ?? (known.isEmpty ? "'\(command)' takes no options" : "options: " + known.joined(separator: ", "))
        case .missingArgument(_, _, let usage, _), .unexpectedArgument(_, let usage): "usage: \(usage)"
        case .unknownName(_, _, _, let s, let hint):
            s.map { "did you mean '\($0)'?" } ?? hint
        case .semantic(_, _, let hint): hint
        case .badNumber: "numbers look like 3, 0.25, 1e-4, 20% or 60s"
        default: nil
        }
    }

    /// The message and what to do; `render(line:)` adds the line with a caret under `range`.
    public var diagnostic: Diagnostic { Diagnostic(message, remedy: hint.map { "\($0)" }) }

    /// The message, the line with a caret under the offending range, and the hint.
    public func render(line: String) -> String {
        let r = range
        let width = max(1, r.end - r.start)
        // Column positions are in characters; a tab would misalign the caret, so show it as a space.
        let shown = String(line.map { $0 == "\t" ? " " : $0 })
        let caret = String(repeating: " ", count: r.start) + String(repeating: "^", count: width)
        return "error: " + diagnostic.rendered(.commandLanguage, showing: ["  " + shown, "  " + caret])
    }
}
