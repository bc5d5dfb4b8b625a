/// What a positional argument or option accepts; drives binding, completion and help.
public enum ArgumentKind: Sendable, Equatable {
    /// A name bound to a dataset.
    case dataset
    /// A name bound to anything.
    case binding
    /// A new name to bind.
    case newName
    /// An algorithm name or a bound candidate (`lb.best`).
    case algorithm
    /// `all`, or one or more algorithm names.
    case algorithms
    /// A quoted path.
    case path
    /// One column of the command's dataset.
    case column
    /// One or more columns: `a`, `a, b`, `[a, b]`, `"mean radius"`.
    case columns
    /// A whole number within a range.
    case integer(ClosedRange<Int>)
    /// A number within a range (percent allowed: `20%`).
    case number(ClosedRange<Double>)
    /// One of a fixed set of words.
    case choice([String])
    /// Free text: a quoted string or a bare word.
    case text
    /// A lesson name, or for `tutorial make` a quoted bundle path (completion offers lessons).
    case lesson
    /// A command name (for `help CMD`).
    case command
    /// A fraction strictly between 0 and 1 (`0.2` or `20%`).
    case fraction
    /// yes/no.
    case flag
    /// `{key: value, ...}`.
    case record
    /// A column expression, or `NAME = EXPRESSION, …`: the rest of the line, read as text (see
    /// `ExpressionTail`); only the last positional may take one.
    case expression

    /// How the kind reads in usage lines and errors.
    public var expectation: String {
        switch self {
        case .dataset: "a dataset name"
        case .binding: "a name"
        case .newName: "a new name"
        case .algorithm: "an algorithm name"
        case .algorithms: "algorithm names or all"
        case .path: "a quoted path"
        case .column: "a column name"
        case .columns: "column names"
        case .integer(let r):
            r.upperBound == Int.max
                ? "a whole number ≥ \(r.lowerBound)" : "a whole number from \(r.lowerBound) to \(r.upperBound)"
        case .number(let r): "a number from \(formatted(r.lowerBound)) to \(formatted(r.upperBound))"
        case .choice(let options): "one of " + options.joined(separator: ", ")
        case .text: "text"
        case .lesson: "a lesson name"
        case .command: "a command name"
        case .fraction: "a fraction between 0 and 1 (like 0.2 or 20%)"
        case .flag: "yes or no"
        case .record: "a record like {column: text}"
        case .expression: "an expression"
        }
    }

    private func formatted(_ x: Double) -> String {
        x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
