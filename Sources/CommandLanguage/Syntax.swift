/// A value written in a command: the parser's output, before binding to a command's arguments.
public indirect enum Expression: Sendable, Equatable {
    case string(String, SourceRange)
    case number(Double, text: String, SourceRange)
    /// A possibly dotted name: `iris`, `iris.train`, `lb.best`.
    case name([String], SourceRange)
    /// A call on a name: `lb.top(3)`.
    case call([String], arguments: [Expression], SourceRange)
    case list([Expression], SourceRange)
    case record([RecordField], SourceRange)
    /// The rest of the line after an expression command's keyword, as written (`a > 1 and b == "x"`):
    /// column expressions have their own grammar, read by the command that takes them.
    case expressionText(String, SourceRange)

    public var range: SourceRange {
        switch self {
        case .string(_, let r), .number(_, _, let r), .name(_, let r), .call(_, _, let r), .list(_, let r),
            .record(_, let r), .expressionText(_, let r):
            r
        }
    }

    /// The dotted name as written, for names only.
    public var dottedName: String? {
        if case .name(let parts, _) = self { return parts.joined(separator: ".") }
        return nil
    }

    /// How the value is described in messages.
    public var kindDescription: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .name: "a name"
        case .call: "a call"
        case .list: "a list"
        case .record: "a record {...}"
        case .expressionText: "an expression"
        }
    }
}

/// `key: value` inside `{...}`.
public struct RecordField: Sendable, Equatable {
    public var key: String
    public var keyRange: SourceRange
    public var value: Expression
}

/// One argument of a statement: positional, or `key=value`.
public enum ArgumentItem: Sendable, Equatable {
    case positional(Expression)
    case option(key: String, keyRange: SourceRange, value: Expression)
}

/// A parsed statement: `[a, b =] verb items...`.
public struct Statement: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public var name: String
        public var range: SourceRange
    }

    public var targets: [Target]
    public var verb: String
    public var verbRange: SourceRange
    public var items: [ArgumentItem]
}

/// Where a command's column expression starts: the statement parser hands everything from there
/// to the end of the line (or a `#` comment) to the command as `Expression.expressionText`.
public enum ExpressionTail: Sendable, Equatable {
    /// After the word (`filter d where EXPRESSION`).
    case afterKeyword(String)
    /// At the first `NAME =` (`derive d ratio = a / b, …`, `group d by k n = count()`).
    case fromFirstDefinition
}
