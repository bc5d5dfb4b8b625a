import Foundation
import Tabular

/// Compiling expressions into block programs. Operators the block evaluator knows (arithmetic, the
/// numeric functions, comparisons, `and` / `or` / `not`, `in`, `is missing`) become steps; any other
/// part, and any part that reads no column, is computed column-at-a-time as before and read as an
/// input, so its value and its notes are exactly the old ones.
extension ExpressionEvaluator {
    /// Whether `expression` is a numeric operator a block program runs.
    static func isBlockNumberOperator(_ expression: ColumnExpression) -> Bool {
        switch expression {
        case .negate: true
        case .binary(let op, _, _, _): op.isArithmetic
        case .call(let name, let arguments, _):
            switch name {
            case "abs", "floor", "ceil", "exp", "log", "sqrt": arguments.count == 1
            case "round": (1...2).contains(arguments.count)
            case "clip": arguments.count == 3
            default: false
            }
        default: false
        }
    }

    /// A numeric expression computed over blocks of rows, writing only the result.
    mutating func blockNumbers(_ expression: ColumnExpression) throws(ExpressionError) -> ColumnValues {
        var program = BlockProgram()
        _ = try numberSource(expression, into: &program)
        guard program.inputsHave(rows) else {
            throw ExpressionError(
                "internal error: an input of the expression has the wrong number of rows", at: expression.span)
        }
        let (values, notes) = program.numbers(rows: rows)
        record(notes)
        return .number(values)
    }

    /// The rows where a condition holds (as `evaluate(_:).trueRows(count:)`), computed over blocks
    /// of rows with `and` / `or` looking at their right side only where the left does not decide.
    public mutating func trueRows(of expression: ColumnExpression) throws(ExpressionError) -> (
        rows: [Int], missing: Int
    ) {
        guard usesBlocks, rows > 0, !expression.columns.isEmpty else {
            return try evaluate(expression).trueRows(count: rows)
        }
        var program = BlockProgram()
        let schema = blockSchema()
        let root = try condition(expression, schema, into: &program)
        guard program.inputsHave(rows) else {
            throw ExpressionError(
                "internal error: an input of the condition has the wrong number of rows", at: expression.span)
        }
        let result = program.trueRows(root, rows: rows)
        record(result.notes)
        return (result.rows, result.missing)
    }

    private mutating func record(_ notes: BlockNotes) {
        note("division by zero", notes.zeroDivisions)
        note("a result too large for a number", notes.tooLarge)
        note("log of a number ≤ 0", notes.logOutside)
        note("square root of a negative number", notes.sqrtOutside)
    }

    /// The columns this evaluator reads, with derived ones added, for typing sub-expressions.
    private func blockSchema() -> ExpressionSchema {
        var schema = ExpressionSchema(frame)
        for (name, column) in extra.sorted(by: { $0.key < $1.key }) { schema.add(name, column.kind) }
        return schema
    }

    /// Where a block program finds a numeric expression's values: steps for the operators it
    /// knows, else the column-at-a-time value as an input (a column itself costs no copy).
    private mutating func numberSource(_ expression: ColumnExpression, into program: inout BlockProgram)
        throws(ExpressionError) -> BlockProgram.Source
    {
        guard Self.isBlockNumberOperator(expression), !expression.columns.isEmpty else {
            switch try evaluate(expression) {
            case .number(let x): return program.input(x)
            case .constantNumber(let c): return .constant(c)
            // Type-checked numeric expressions give numbers; this mirrors zipNumbers' answer otherwise.
            default: return .constant(.nan)
            }
        }
        switch expression {
        case .negate(let a, _):
            return program.add(.unary(.negate, try numberSource(a, into: &program)))
        case .binary(let op, let a, let b, _):
            let x = try numberSource(a, into: &program)
            let y = try numberSource(b, into: &program)
            let kind: BlockProgram.Arithmetic =
                switch op {
                case .add: .add
                case .subtract: .subtract
                case .multiply: .multiply
                case .divide: .divide
                default: .remainder
                }
            return program.add(.arithmetic(kind, x, y))
        case .call(let name, let arguments, _):
            let x = try numberSource(arguments[0], into: &program)
            switch name {
            case "clip":
                let low = try numberSource(arguments[1], into: &program)
                let high = try numberSource(arguments[2], into: &program)
                return program.add(.clip(x, low, high))
            case "round":
                // As the column-at-a-time `round`: the digits are a literal, never evaluated.
                var digits = 0.0
                if arguments.count == 2, case .number(let d, _) = arguments[1] { digits = d }
                return program.add(.unary(.round(digits: digits, scale: Foundation.pow(10, digits)), x))
            case "abs": return program.add(.unary(.abs, x))
            case "floor": return program.add(.unary(.floor, x))
            case "ceil": return program.add(.unary(.ceil, x))
            case "exp": return program.add(.unary(.exp, x))
            case "log": return program.add(.unary(.log, x))
            default: return program.add(.unary(.sqrt, x))
            }
        default:
            throw ExpressionError("internal error: \(expression) is not a block operator", at: expression.span)
        }
    }

    /// A condition as a block program's node.
    private mutating func condition(
        _ expression: ColumnExpression, _ schema: ExpressionSchema, into program: inout BlockProgram
    ) throws(ExpressionError) -> BlockProgram.Condition {
        guard !expression.columns.isEmpty else { return try flags(expression, into: &program) }
        switch expression {
        case .binary(let op, _, _, _) where op.isLogical:
            // `a and b and c` as one chain, its parts compiled left to right as written.
            var parts: [BlockProgram.Condition] = []
            for part in Self.chained(op, expression) { parts.append(try condition(part, schema, into: &program)) }
            let slot = program.newSlot()
            return op == .and ? .and(parts, slot: slot) : .or(parts, slot: slot)
        case .not(let a, _):
            let inner = try condition(a, schema, into: &program)
            return .not(inner, slot: program.newSlot())
        case .binary(let op, let a, let b, _) where op.isComparison:
            switch try a.type(in: schema) {
            case .number:
                let x = try numberSource(a, into: &program)
                let y = try numberSource(b, into: &program)
                return .compare(op, x, y)
            case .text:
                if let node = try textComparison(op, a, b, into: &program) { return node }
                return try flags(expression, into: &program)
            case .boolean:
                return try flags(expression, into: &program)
            }
        case .isMissing(let a, let negated, _):
            let yes: Int8 = negated ? 0 : 1
            switch try a.type(in: schema) {
            case .number:
                return .numberMissing(try numberSource(a, into: &program), yes: yes)
            case .boolean:
                let inner = try condition(a, schema, into: &program)
                return .conditionMissing(inner, yes: yes, slot: program.newSlot())
            case .text:
                guard case .column(let name, _) = a,
                    case .categorical(let codes, let levels)? = column(named: name)?.data
                else {
                    return try flags(expression, into: &program)
                }
                program.codes.append(codes)
                return .levels(program.codes.count - 1, table: levels.map { _ in 1 - yes }, missing: yes)
            }
        case .membership(let a, let items, let negated, _):
            let hit: Int8 = negated ? 0 : 1
            switch try a.type(in: schema) {
            case .number:
                // The same set as the column-at-a-time `in`: the list's number literals.
                let set = Set(items.compactMap { if case .number(let n, _) = $0 { n } else { nil } })
                return .numberIn(try numberSource(a, into: &program), set, hit: hit)
            case .text:
                guard case .column(let name, _) = a,
                    case .categorical(let codes, let levels)? = column(named: name)?.data
                else {
                    return try flags(expression, into: &program)
                }
                let set = Set(items.compactMap { if case .text(let s, _) = $0 { s } else { nil } })
                program.codes.append(codes)
                return .levels(
                    program.codes.count - 1, table: levels.map { set.contains($0) ? hit : 1 - hit }, missing: -1)
            case .boolean:
                return try flags(expression, into: &program)
            }
        default:
            return try flags(expression, into: &program)
        }
    }

    /// The operands of a chain of one logical operator (`a and (b and c)` gives a, b, c), in order.
    private static func chained(_ op: BinaryOperator, _ expression: ColumnExpression) -> [ColumnExpression] {
        guard case .binary(op, let a, let b, _) = expression else { return [expression] }
        return chained(op, a) + chained(op, b)
    }

    /// A text column against a text that reads no column: one answer per level. Nil for other text comparisons.
    private mutating func textComparison(
        _ op: BinaryOperator, _ a: ColumnExpression, _ b: ColumnExpression, into program: inout BlockProgram
    ) throws(ExpressionError) -> BlockProgram.Condition? {
        func test(_ x: String, _ y: String) -> Bool {
            op.holds(x, y)
        }
        if case .column(let name, _) = a, b.columns.isEmpty,
            case .categorical(let codes, let levels)? = column(named: name)?.data,
            case .constantText(let s) = try evaluate(b)
        {
            program.codes.append(codes)
            return .levels(program.codes.count - 1, table: levels.map { test($0, s) ? 1 : 0 }, missing: -1)
        }
        if case .column(let name, _) = b, a.columns.isEmpty,
            case .categorical(let codes, let levels)? = column(named: name)?.data,
            case .constantText(let s) = try evaluate(a)
        {
            program.codes.append(codes)
            return .levels(program.codes.count - 1, table: levels.map { test(s, $0) ? 1 : 0 }, missing: -1)
        }
        return nil
    }

    /// A condition computed column-at-a-time, read by the block program as an input.
    private mutating func flags(_ expression: ColumnExpression, into program: inout BlockProgram)
        throws(ExpressionError) -> BlockProgram.Condition
    {
        switch try evaluate(expression) {
        case .boolean(let b):
            program.flags.append(b)
            return .flags(program.flags.count - 1)
        case .constantBoolean(let b): return .constant(b ? 1 : 0)
        // As `trueRows(count:)`: anything but a condition keeps no row.
        default: return .constant(0)
        }
    }
}
