import Diagnostics
public import Tabular

/// One summary column of `group`: `mean_mass = mean(body_mass_g)`, `n = count()`.
public struct Aggregation: Sendable, Equatable {
    public enum Function: String, Sendable, CaseIterable {
        case count, sum, mean, median, min, max, std, distinct
    }

    public var name: String
    public var function: Function
    /// What is summarised (any expression); nil for `count()`.
    public var argument: ColumnExpression?

    /// Parses `NAME = FUNCTION(EXPRESSION), …` and checks each against `schema`: sum, mean, median,
    /// min, max and std take numbers; count and distinct take anything (count() counts rows,
    /// count(x) the rows where x is present).
    public static func parse(_ source: String, schema: ExpressionSchema) throws(ExpressionError) -> [Aggregation] {
        try ExpressionParser.parseDefinitions(source).map {
            (definition: Definition) throws(ExpressionError) -> Aggregation in
            let names = Function.allCases.map(\.rawValue)
            guard case .call(let callee, let arguments, let span) = definition.expression else {
                throw ExpressionError(
                    "'\(definition.name)' must be a summary like mean(column)", at: definition.expression.span,
                    hint: "summaries: " + names.map { "\($0)(…)" }.joined(separator: ", "))
            }
            guard let function = Function(rawValue: callee) else {
                throw ExpressionError(
                    "no summary '\(callee)'", at: span,
                    hint: closestMatch(callee, among: names).map { "did you mean '\($0)'?" } ?? "summaries: "
                        + names.joined(separator: ", "))
            }
            if function == .count && arguments.isEmpty {
                return Aggregation(name: definition.name, function: .count, argument: nil)
            }
            guard arguments.count == 1 else {
                throw ExpressionError(
                    "\(callee) takes one argument, found \(arguments.count)", at: span,
                    hint: function == .count
                        ? "count() counts rows; count(x) the rows where x is present" : "write \(callee)(column)")
            }
            let type = try arguments[0].type(in: schema)
            if function != .count && function != .distinct && type != .number {
                throw ExpressionError(
                    "\(callee) needs numbers, but this is \(type.phrase)", at: arguments[0].span,
                    hint: "count and distinct summarise text")
            }
            return Aggregation(name: definition.name, function: function, argument: arguments[0])
        }
    }

    /// The summary of each group: `ids[r]` is row r's group, `groups` how many there are.
    /// Missing values are left out (pandas' default); a group with none gets a missing summary
    /// (count and distinct give 0). `std` is the sample standard deviation (n − 1), as pandas'.
    public func values(over frame: DataFrame, ids: [Int], groups: Int, evaluator: inout ExpressionEvaluator)
        throws(ExpressionError) -> Column
    {
        guard let argument else {
            var counts = [Double](repeating: 0, count: groups)
            for g in ids { counts[g] += 1 }
            return Column(name: name, data: .numeric(counts))
        }
        let values = try evaluator.evaluate(argument)
        switch function {
        case .count, .distinct:
            let keys: [Int] =
                switch values {
                case .number(let x): Self.ids(x.map { $0.isNaN ? nil : $0.bitPattern })
                case .boolean(let b): b.map { Int($0) }
                case .text(let codes, let levels):
                    { () -> [Int] in
                        var byText: [String: Int] = [:]
                        let levelID = levels.map { l in
                            byText[l]
                                ?? {
                                    byText[l] = byText.count
                                    return byText.count - 1
                                }()
                        }
                        return codes.map { $0 < 0 ? -1 : levelID[Int($0)] }
                    }()
                case .constantNumber(let x): Array(repeating: x.isNaN ? -1 : 0, count: frame.rowCount)
                default: Array(repeating: 0, count: frame.rowCount)
                }
            var out = [Double](repeating: 0, count: groups)
            if function == .count {
                for (r, g) in ids.enumerated() where keys[r] >= 0 { out[g] += 1 }
            } else {
                var seen = Set<Int64>()
                for (r, g) in ids.enumerated() where keys[r] >= 0 {
                    if seen.insert(Int64(g) << 32 | Int64(keys[r])).inserted { out[g] += 1 }
                }
            }
            return Column(name: name, data: .numeric(out))
        default:
            let x = ExpressionEvaluator.expandNumbers(values, frame.rowCount)
            return Column(name: name, data: .numeric(Self.summarise(x, ids: ids, groups: groups, function)))
        }
    }

    private static func ids(_ bits: [UInt64?]) -> [Int] {
        var seen: [UInt64: Int] = [:]
        return bits.map { b in
            guard let b else { return -1 }
            if let id = seen[b] { return id }
            seen[b] = seen.count
            return seen.count - 1
        }
    }

    static func summarise(_ x: [Double], ids: [Int], groups: Int, _ function: Function) -> [Double] {
        var count = [Double](repeating: 0, count: groups)
        switch function {
        case .sum, .mean, .std:
            // Two passes for std (mean, then squared deviations): stable for large values.
            var sum = [Double](repeating: 0, count: groups)
            for (r, g) in ids.enumerated() where !x[r].isNaN {
                sum[g] += x[r]
                count[g] += 1
            }
            if function == .sum { return sum }
            let mean = (0..<groups).map { count[$0] > 0 ? sum[$0] / count[$0] : .nan }
            if function == .mean { return mean }
            var squares = [Double](repeating: 0, count: groups)
            for (r, g) in ids.enumerated() where !x[r].isNaN {
                let d = x[r] - mean[g]
                squares[g] += d * d
            }
            return (0..<groups).map { count[$0] > 1 ? (squares[$0] / (count[$0] - 1)).squareRoot() : .nan }
        case .min, .max:
            var out = [Double](repeating: .nan, count: groups)
            for (r, g) in ids.enumerated() where !x[r].isNaN {
                if out[g].isNaN || (function == .min ? x[r] < out[g] : x[r] > out[g]) { out[g] = x[r] }
            }
            return out
        default:
            var members = [[Double]](repeating: [], count: groups)
            for (r, g) in ids.enumerated() where !x[r].isNaN { members[g].append(x[r]) }
            return members.map { values in
                guard !values.isEmpty else { return .nan }
                let s = values.sorted()
                let mid = s.count / 2
                return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
            }
        }
    }
}
