import Foundation
import ColumnExpressions
import Learning
import Tabular

/// Derived columns in the graph. A derivation the standard operators can compute is emitted as
/// nodes whose output carries the derived column's name, so the preprocessing reads it like an
/// input; one they cannot (text functions, dates, text results) stays a graph input of its own,
/// listed in the manifest (`ONNXInfo.derivedInputs`).
///
/// Values follow the session's rules exactly: numbers and conditions are double `[N, 1]` with NaN
/// for missing (a condition is 1, 0 or NaN); a comparison with a missing value is missing; and /
/// or are Kleene's; division by zero and results too large for a double are NaN; `round` halves
/// away from zero; `%` is floored. Text inputs are strings with "" for missing.
extension ONNXExporter {
    /// Which derivations the graph computes, and the graph's inputs: the raw columns those read
    /// and every other feature (a plain column or a derivation the graph cannot compute).
    static func derivationPlan(_ model: PipelineModel) -> (
        computed: [Derivation], inputs: [FeatureSpec], derivedInputs: [String]
    ) {
        let features = model.preprocessor.features
        guard !model.derivations.isEmpty else { return ([], features, []) }
        // A raw date column is a text the graph cannot read as such (its inputs are the date's numbers).
        let rawKinds = Dictionary(
            model.inputs.filter { $0.date == nil }.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
        var computed: [Derivation] = []
        var computedNames = Set<String>()
        for d in model.derivations
        where !d.inputs.isEmpty && d.inputs.allSatisfy({ rawKinds[$0] != nil || computedNames.contains($0) })
            && translatable(d.expression, rawKinds: rawKinds, derived: computedNames)
        {
            computed.append(d)
            computedNames.insert(d.name)
        }
        // Graph inputs: raw columns the computed derivations read, then the features the graph does not compute.
        var inputs: [FeatureSpec] = []
        var names = Set<String>()
        func take(_ spec: FeatureSpec) { if names.insert(spec.name).inserted { inputs.append(spec) } }
        let rawSpecs = Dictionary(model.inputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for feature in features {
            if computedNames.contains(feature.name) {
                for raw in computed.needed(by: [feature.name]).rawInputs(for: []) {
                    if let spec = rawSpecs[raw] { take(spec) }
                }
            } else {
                take(feature)
            }
        }
        let derivedInputs = model.derivations.map(\.name).filter { name in
            !computedNames.contains(name) && features.contains { $0.name == name }
        }
        return (computed, inputs, derivedInputs)
    }

    /// Whether the standard operators can compute `e` exactly as the session does (numbers and
    /// conditions throughout; text only compared with constants, listed with `in`, or tested for missing).
    static func translatable(_ e: ColumnExpression, rawKinds: [String: ColumnKind], derived: Set<String>) -> Bool {
        func isText(_ e: ColumnExpression) -> Bool {
            if case .column(let name, _) = e { return !derived.contains(name) && rawKinds[name] == .text }
            if case .text = e { return true }
            return false
        }
        func number(_ e: ColumnExpression) -> Bool {
            switch e {
            case .number, .boolean: return true
            case .text: return false
            case .column(let name, _): return derived.contains(name) || rawKinds[name] == .number
            case .negate(let a, _), .not(let a, _): return number(a)
            case .isMissing(let a, _, _): return number(a) || isText(a)
            case .membership(let a, let items, _, _):
                return (number(a) || isText(a))
                    && items.allSatisfy {
                        if case .number = $0 { true } else if case .text = $0 { true } else { false }
                    }
            case .binary(let op, let a, let b, _):
                if op == .equal || op == .notEqual, isText(a) || isText(b) {
                    // A text column against a constant text only.
                    switch (a, b) {
                    case (.column, .text), (.text, .column): return isText(a) && isText(b)
                    default: return false
                    }
                }
                return number(a) && number(b)
            case .call(let name, let arguments, _):
                let numeric: Set<String> = [
                    "abs", "log", "exp", "sqrt", "floor", "ceil", "round", "clip", "if", "coalesce",
                ]
                guard numeric.contains(name) else { return false }
                return arguments.allSatisfy(number)
            }
        }
        return number(e)
    }

    /// Emits the computed derivations; each one's value is named after its column.
    static func emitDerivations(_ derivations: [Derivation], textColumns: Set<String>, into graph: inout GraphBuilder)
        throws
    {
        for d in derivations {
            var emitter = DerivationEmitter(graph: graph, textColumns: textColumns)
            let value = try emitter.emit(d.expression)
            graph = emitter.graph
            graph.add("Identity", [value], outputs: [d.name])
        }
    }
}

/// Emits one expression's nodes. Every value it returns is a double tensor, `[N, 1]` or a `[1]` constant.
private struct DerivationEmitter {
    var graph: GraphBuilder

    private static let double = Onnx_TensorProto.DataType.double.rawValue

    private mutating func constant(_ x: Double) -> String { graph.constant("c", doubles: [x], shape: [1]) }
    private mutating func op(_ type: String, _ inputs: [String], attributes: [Onnx_AttributeProto] = []) -> String {
        graph.add(type, inputs, named: "d_\(type.lowercased())", attributes: attributes)
    }
    private mutating func cast(_ flag: String) -> String { op("Cast", [flag], attributes: [.int("to", Self.double)]) }
    private mutating func isNaN(_ x: String) -> String { op("IsNaN", [x]) }
    /// `condition ? NaN : x`.
    private mutating func missingWhere(_ condition: String, _ x: String) -> String {
        op("Where", [condition, constant(.nan), x])
    }
    /// ±∞ → NaN, as the session does after arithmetic.
    private mutating func finite(_ x: String) -> String { missingWhere(op("IsInf", [x]), x) }
    /// A flag (bool) from a condition value: 1 is true.
    private mutating func isTrue(_ x: String) -> String { op("Equal", [x, constant(1)]) }
    private mutating func isFalse(_ x: String) -> String { op("Equal", [x, constant(0)]) }

    mutating func emit(_ e: ColumnExpression) throws -> String {
        switch e {
        case .number(let x, _): return constant(x)
        case .boolean(let b, _): return constant(b ? 1 : 0)
        case .text: throw ONNXExportError.inconsistent("a text constant outside a comparison")
        case .column(let name, _): return name
        case .negate(let a, _): return op("Neg", [try emit(a)])
        case .not(let a, _):
            let x = try emit(a)
            return missingWhere(isNaN(x), op("Sub", [constant(1), x]))
        case .isMissing(let a, let negated, _):
            let flag = try missingFlag(a)
            return negated ? op("Sub", [constant(1), cast(flag)]) : cast(flag)
        case .membership(let a, let items, let negated, _):
            var any: String?
            for item in items {
                let hit = try equalFlag(a, item)
                any = any.map { op("Or", [$0, hit]) } ?? hit
            }
            guard let any else { throw ONNXExportError.inconsistent("an empty list") }
            var result = cast(any)
            if negated { result = op("Sub", [constant(1), result]) }
            return missingWhere(try missingFlag(a), result)
        case .binary(let o, let a, let b, _):
            switch o {
            case .and, .or:
                let x = try emit(a), y = try emit(b)
                let decisive = o == .and ? op("Or", [isFalse(x), isFalse(y)]) : op("Or", [isTrue(x), isTrue(y)])
                let undecided = op("Or", [isNaN(x), isNaN(y)])
                let otherwise = missingWhere(undecided, constant(o == .and ? 1 : 0))
                return op("Where", [decisive, constant(o == .and ? 0 : 1), otherwise])
            case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
                if case .text = b { return try textComparison(o, a, b) }
                if case .text = a { return try textComparison(o, b, a) }
                let x = try emit(a), y = try emit(b)
                let flag: String =
                    switch o {
                    case .equal: op("Equal", [x, y])
                    case .notEqual: op("Not", [op("Equal", [x, y])])
                    case .less: op("Less", [x, y])
                    case .lessOrEqual: op("LessOrEqual", [x, y])
                    case .greater: op("Greater", [x, y])
                    default: op("GreaterOrEqual", [x, y])
                    }
                return missingWhere(op("Or", [isNaN(x), isNaN(y)]), cast(flag))
            case .add: return finite(op("Add", [try emit(a), try emit(b)]))
            case .subtract: return finite(op("Sub", [try emit(a), try emit(b)]))
            case .multiply: return finite(op("Mul", [try emit(a), try emit(b)]))
            case .divide:
                let x = try emit(a), y = try emit(b)
                return finite(missingWhere(op("Equal", [y, constant(0)]), op("Div", [x, y])))
            case .remainder:
                let x = try emit(a), y = try emit(b)
                let floored = op("Sub", [x, op("Mul", [y, op("Floor", [op("Div", [x, y])])])])
                return finite(missingWhere(op("Equal", [y, constant(0)]), floored))
            }
        case .call(let name, let arguments, _):
            let x = try emit(arguments[0])
            switch name {
            case "abs": return op("Abs", [x])
            case "floor": return op("Floor", [x])
            case "ceil": return op("Ceil", [x])
            case "exp": return finite(op("Exp", [x]))
            case "log": return missingWhere(op("LessOrEqual", [x, constant(0)]), op("Log", [x]))
            case "sqrt": return missingWhere(op("Less", [x, constant(0)]), op("Sqrt", [x]))
            case "round":
                var digits = 0.0
                if arguments.count == 2, case .number(let d, _) = arguments[1] { digits = d }
                let scale = Foundation.pow(10, digits)
                let scaled = digits == 0 ? x : op("Mul", [x, constant(scale)])
                // Halves away from zero, exactly: sign(x) × (⌊|x|⌋ + (|x| − ⌊|x|⌋ ≥ 0.5)).
                let magnitude = op("Abs", [scaled])
                let whole = op("Floor", [magnitude])
                let up = cast(op("GreaterOrEqual", [op("Sub", [magnitude, whole]), constant(0.5)]))
                let rounded = op("Mul", [op("Sign", [scaled]), op("Add", [whole, up])])
                return digits == 0 ? rounded : op("Div", [rounded, constant(scale)])
            case "clip":
                let low = try emit(arguments[1]), high = try emit(arguments[2])
                let raised = op("Where", [op("Less", [x, low]), low, x])
                return op("Where", [op("Greater", [raised, high]), high, raised])
            case "if":
                let a = try emit(arguments[1]), b = try emit(arguments[2])
                return missingWhere(isNaN(x), op("Where", [isTrue(x), a, b]))
            case "coalesce":
                var result = x
                for next in arguments.dropFirst() {
                    let y = try emit(next)
                    result = op("Where", [isNaN(result), y, result])
                }
                return result
            default:
                throw ONNXExportError.inconsistent("no ONNX form of \(name)")
            }
        }
    }

    /// A bool flag: the value is missing (NaN, or "" for a text column).
    private mutating func missingFlag(_ e: ColumnExpression) throws -> String {
        if case .column(let name, _) = e, graphIsText(name) {
            return op("Equal", [name, graph.constant("empty_text", strings: [""], shape: [1])])
        }
        return isNaN(try emit(e))
    }

    /// A bool flag: `a` equals the constant `item`.
    private mutating func equalFlag(_ a: ColumnExpression, _ item: ColumnExpression) throws -> String {
        if case .text(let s, _) = item, case .column(let name, _) = a {
            return op("Equal", [name, graph.constant("text", strings: [s], shape: [1])])
        }
        return op("Equal", [try emit(a), try emit(item)])
    }

    /// `column == "text"` or `!=`, missing when the column is.
    private mutating func textComparison(_ o: BinaryOperator, _ column: ColumnExpression, _ text: ColumnExpression)
        throws -> String
    {
        var result = cast(try equalFlag(column, text))
        if o == .notEqual { result = op("Sub", [constant(1), result]) }
        return missingWhere(try missingFlag(column), result)
    }

    /// Text columns are the graph's string inputs; the emitter only meets them in comparisons.
    let textColumns: Set<String>

    private func graphIsText(_ name: String) -> Bool { textColumns.contains(name) }
}
