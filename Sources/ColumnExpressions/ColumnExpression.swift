/// A column expression as written: `bill_length_mm / bill_depth_mm`, `island == "Dream" and
/// year > 2008`, `if(sex is missing, "unknown", sex)`. Each node keeps its span (character offsets
/// in the source it was parsed from) so errors can put a caret under the operand at fault.
public indirect enum ColumnExpression: Sendable, Equatable {
    case number(Double, Span)
    case text(String, Span)
    case boolean(Bool, Span)
    /// A column of the table, by name (`` `Date Egg` `` for a name with spaces).
    case column(String, Span)
    case negate(ColumnExpression, Span)
    case not(ColumnExpression, Span)
    case binary(BinaryOperator, ColumnExpression, ColumnExpression, Span)
    case call(String, [ColumnExpression], Span)
    /// `x is missing`, `x is not missing`.
    case isMissing(ColumnExpression, negated: Bool, Span)
    /// `x in [a, b]`, `x not in [a, b]`.
    case membership(ColumnExpression, [ColumnExpression], negated: Bool, Span)

    public var span: Span {
        switch self {
        case .number(_, let s), .text(_, let s), .boolean(_, let s), .column(_, let s), .negate(_, let s),
            .not(_, let s),
            .binary(_, _, _, let s), .call(_, _, let s), .isMissing(_, _, let s), .membership(_, _, _, let s):
            s
        }
    }

    /// The columns the expression reads, in order of first use.
    public var columns: [String] {
        var seen: [String] = []
        func visit(_ e: ColumnExpression) {
            switch e {
            case .number, .text, .boolean: break
            case .column(let name, _): if !seen.contains(name) { seen.append(name) }
            case .negate(let a, _), .not(let a, _), .isMissing(let a, _, _): visit(a)
            case .binary(_, let a, let b, _):
                visit(a)
                visit(b)
            case .call(_, let args, _): args.forEach(visit)
            case .membership(let a, let list, _, _):
                visit(a)
                list.forEach(visit)
            }
        }
        visit(self)
        return seen
    }
}

/// Character offsets `start..<end` in an expression's source.
public struct Span: Sendable, Equatable, Hashable {
    public var start: Int
    public var end: Int

    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    public func union(_ other: Span) -> Span { Span(min(start, other.start), max(end, other.end)) }
}

public enum BinaryOperator: String, Sendable, Equatable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and, or

    var isArithmetic: Bool { [.add, .subtract, .multiply, .divide, .remainder].contains(self) }
    var isComparison: Bool { [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
    var isLogical: Bool { self == .and || self == .or }
}

/// A mistake in an expression: what was wrong, where (a span of the expression's source) and
/// what to do. The interpreter shifts the span onto the command line to draw its caret.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var span: Span
    public var hint: String?

    public init(_ message: String, at span: Span, hint: String? = nil) {
        self.message = message
        self.span = span
        self.hint = hint
    }

    public var description: String { message + (hint.map { " (\($0))" } ?? "") }
}
