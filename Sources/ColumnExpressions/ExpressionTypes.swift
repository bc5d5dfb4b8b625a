import Diagnostics
public import Tabular

/// The type of an expression's value. Conditions (`boolean`) become 0/1 number columns when a
/// derived column stores them.
public enum ValueType: String, Sendable, Equatable {
    case number, text, boolean

    var phrase: String {
        switch self {
        case .number: "a number"
        case .text: "text"
        case .boolean: "a condition (true or false)"
        }
    }
}

/// The columns an expression may read, with their kinds.
public struct ExpressionSchema: Sendable {
    public var names: [String]
    public var kinds: [String: ColumnKind]

    public init(_ frame: DataFrame) {
        names = frame.columnNames
        kinds = Dictionary(frame.columns.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
    }

    public init(columns: [(name: String, kind: ColumnKind)]) {
        names = columns.map(\.name)
        kinds = Dictionary(columns.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
    }

    public mutating func add(_ name: String, _ kind: ColumnKind) {
        if kinds[name] == nil { names.append(name) }
        kinds[name] = kind
    }
}

/// The functions an expression may call: their names, what they take and what they give.
public enum ExpressionFunction {
    /// Each function's name and a one-line description, for `help` and did-you-mean.
    public static let catalogue: [(name: String, usage: String)] = [
        ("abs", "abs(x)"), ("log", "log(x) — natural; missing for x ≤ 0"), ("exp", "exp(x)"),
        ("sqrt", "sqrt(x) — missing for x < 0"),
        ("round", "round(x[, digits]) — halves away from zero"), ("floor", "floor(x)"), ("ceil", "ceil(x)"),
        ("clip", "clip(x, low, high)"),
        ("if", "if(condition, a, b)"), ("coalesce", "coalesce(a, b, …) — the first present value"),
        ("lower", "lower(t)"), ("upper", "upper(t)"), ("trim", "trim(t)"), ("length", "length(t)"),
        ("contains", "contains(t, \"part\")"), ("startswith", "startswith(t, \"start\")"),
        ("endswith", "endswith(t, \"end\")"),
        ("year", "year(date)"), ("month", "month(date)"), ("day", "day(date)"),
        ("weekday", "weekday(date) — 1 Monday … 7 Sunday"),
        ("dayofyear", "dayofyear(date)"), ("hour", "hour(date)"),
    ]

    static let numeric1: Set<String> = ["abs", "log", "exp", "sqrt", "floor", "ceil"]
    static let text1: Set<String> = ["lower", "upper", "trim"]
    static let textTests: Set<String> = ["contains", "startswith", "endswith"]
    static let dateParts: Set<String> = ["year", "month", "day", "weekday", "dayofyear", "hour"]
}

extension ColumnExpression {
    /// The expression's type over `schema`, checked before any row is computed: an unknown
    /// column (with the closest name), an operand of the wrong type (with a caret under it), a
    /// function called with the wrong arguments.
    public func type(in schema: ExpressionSchema) throws(ExpressionError) -> ValueType {
        switch self {
        case .number: return .number
        case .text: return .text
        case .boolean: return .boolean
        case .column(let name, let span):
            guard let kind = schema.kinds[name] else {
                let guess = closestMatch(name, among: schema.names)
                throw ExpressionError(
                    "no column '\(name)'", at: span,
                    hint: guess.map { "did you mean '\($0)'?" } ?? "a text value goes in quotes: \"\(name)\"; columns: "
                        + schema.names.prefix(12).joined(separator: ", "))
            }
            return kind == .number ? .number : .text
        case .negate(let a, _):
            try a.require(.number, in: schema, for: "'-'")
            return .number
        case .not(let a, _):
            try a.require(.boolean, in: schema, for: "'not'")
            return .boolean
        case .isMissing(let a, _, _):
            _ = try a.type(in: schema)
            return .boolean
        case .membership(let a, let items, _, _):
            let t = try a.type(in: schema)
            guard t != .boolean else {
                throw ExpressionError("'in' needs a number or text on its left, not a condition", at: a.span)
            }
            for item in items { try item.require(t, in: schema, for: "the list (its left side is \(t.phrase))") }
            return .boolean
        case .binary(let op, let a, let b, _):
            if op.isArithmetic {
                try a.require(.number, in: schema, for: "'\(op.rawValue)'", other: b)
                try b.require(.number, in: schema, for: "'\(op.rawValue)'", other: a)
                return .number
            }
            if op.isLogical {
                try a.require(.boolean, in: schema, for: "'\(op.rawValue)'")
                try b.require(.boolean, in: schema, for: "'\(op.rawValue)'")
                return .boolean
            }
            let left = try a.type(in: schema)
            let right = try b.type(in: schema)
            guard left == right else {
                let (wrong, expected) = a.isLiteral ? (a, right) : (b, left)
                throw ExpressionError(
                    "'\(op.rawValue)' compares \(left.phrase) with \(right.phrase)", at: wrong.span,
                    hint: "both sides must be \(expected.phrase)" + (expected == .text ? "; put text in quotes" : ""))
            }
            if left == .boolean, op != .equal, op != .notEqual {
                throw ExpressionError(
                    "'\(op.rawValue)' cannot order conditions", at: a.span.union(b.span),
                    hint: "compare conditions with == or !=")
            }
            return .boolean
        case .call(let name, let arguments, let span):
            return try Self.callType(name, arguments, span, schema)
        }
    }

    var isLiteral: Bool {
        switch self {
        case .number, .text, .boolean: true
        default: false
        }
    }

    func require(_ expected: ValueType, in schema: ExpressionSchema, for role: String, other: ColumnExpression? = nil)
        throws(ExpressionError)
    {
        let found = try type(in: schema)
        guard found == expected else {
            let what: String =
                switch self {
                case .column(let n, _): "'\(n)' is \(found.phrase)"
                case .text(let s, _): "\"\(s)\" is text"
                default: "this is \(found.phrase)"
                }
            var hint: String? = nil
            switch (expected, found, self) {
            case (.number, .text, .text(let s, _)) where Double(s) != nil:
                hint = "write the number without quotes: \(s)"
            case (.number, .text, _): hint = "only numbers take + - * / %; compare text with == or in [\"a\", \"b\"]"
            case (.number, .boolean, _): hint = "write if(condition, 1, 0) for a 0/1 number"
            case (.boolean, .number, _): hint = "compare it, for example \(columns.first ?? "x") > 0"
            case (.boolean, .text, _): hint = "compare it, for example \(columns.first ?? "x") == \"value\""
            default: hint = "expected \(expected.phrase)"
            }
            throw ExpressionError("\(role) needs \(expected.phrase), but \(what)", at: span, hint: hint)
        }
    }

    private static func callType(
        _ name: String, _ arguments: [ColumnExpression], _ span: Span, _ schema: ExpressionSchema
    ) throws(ExpressionError) -> ValueType {
        func count(_ allowed: ClosedRange<Int>, _ usage: String) throws(ExpressionError) {
            guard allowed.contains(arguments.count) else {
                throw ExpressionError(
                    "\(name) takes \(allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound) to \(allowed.upperBound)") argument\(allowed.upperBound == 1 ? "" : "s"), found \(arguments.count)",
                    at: span, hint: "usage: \(usage)")
            }
        }
        let usage = ExpressionFunction.catalogue.first { $0.name == name }?.usage ?? name
        switch name {
        case _ where ExpressionFunction.numeric1.contains(name):
            try count(1...1, usage)
            try arguments[0].require(.number, in: schema, for: "\(name)")
            return .number
        case "round":
            try count(1...2, usage)
            try arguments[0].require(.number, in: schema, for: "round")
            if arguments.count == 2 {
                guard case .number(let d, let s) = arguments[1], d.rounded() == d, (0...15).contains(d) else {
                    throw ExpressionError("round's digits must be a whole number from 0 to 15", at: arguments[1].span)
                }
                _ = s
            }
            return .number
        case "clip":
            try count(3...3, usage)
            for a in arguments { try a.require(.number, in: schema, for: "clip") }
            return .number
        case "if":
            try count(3...3, usage)
            try arguments[0].require(.boolean, in: schema, for: "if's condition")
            let t = try arguments[1].type(in: schema)
            try arguments[2].require(t, in: schema, for: "if's third argument (the second is \(t.phrase))")
            return t
        case "coalesce":
            try count(2...64, usage)
            let t = try arguments[0].type(in: schema)
            for a in arguments.dropFirst() {
                try a.require(t, in: schema, for: "coalesce (its first argument is \(t.phrase))")
            }
            return t
        case _ where ExpressionFunction.text1.contains(name):
            try count(1...1, usage)
            try arguments[0].require(.text, in: schema, for: name)
            return .text
        case "length":
            try count(1...1, usage)
            try arguments[0].require(.text, in: schema, for: name)
            return .number
        case _ where ExpressionFunction.textTests.contains(name):
            try count(2...2, usage)
            try arguments[0].require(.text, in: schema, for: name)
            guard case .text = arguments[1] else {
                throw ExpressionError(
                    "\(name)'s second argument must be a quoted text", at: arguments[1].span, hint: "usage: \(usage)")
            }
            return .boolean
        case _ where ExpressionFunction.dateParts.contains(name):
            try count(1...1, usage)
            guard case .column = arguments[0] else {
                throw ExpressionError("\(name) takes a date column", at: arguments[0].span, hint: "usage: \(usage)")
            }
            try arguments[0].require(.text, in: schema, for: name)
            return .number
        default:
            let guess = closestMatch(name, among: ExpressionFunction.catalogue.map(\.name))
            throw ExpressionError(
                "no function '\(name)'", at: span,
                hint: guess.map { "did you mean '\($0)'?" } ?? "functions: "
                    + ExpressionFunction.catalogue.map(\.name).joined(separator: ", "))
        }
    }
}
