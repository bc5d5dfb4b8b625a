public import Tabular

/// A derived column as `derive` made it: its name, the expression as written, and the format of
/// every date column it reads. A model stores the derivations its features depend on and
/// computes them from the raw columns at prediction time; decoding parses the text again, so a
/// stored derivation is exactly what the user wrote.
public struct Derivation: Sendable, Equatable, Codable {
    public let name: String
    public let source: String
    public let dateFormats: [String: DateFormat]
    public let expression: ColumnExpression

    /// Parses `source`; throws when it does not parse.
    public init(name: String, source: String, dateFormats: [String: DateFormat] = [:]) throws(ExpressionError) {
        self.name = name
        self.source = source
        self.dateFormats = dateFormats
        expression = try ExpressionParser.parse(source)
    }

    /// The columns it reads.
    public var inputs: [String] { expression.columns }

    enum CodingKeys: String, CodingKey { case name, source, dateFormats }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        let source = try container.decode(String.self, forKey: .source)
        let formats = try container.decodeIfPresent([String: DateFormat].self, forKey: .dateFormats) ?? [:]
        guard !name.isEmpty, source.count <= 10_000 else {
            throw DecodingError.dataCorruptedError(
                forKey: .source, in: container,
                debugDescription: "a derived column needs a name and an expression of at most 10,000 characters")
        }
        do {
            try self.init(name: name, source: source, dateFormats: formats)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: .source, in: container, debugDescription: "derived column '\(name)': \(error.message)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(source, forKey: .source)
        if !dateFormats.isEmpty { try container.encode(dateFormats, forKey: .dateFormats) }
    }
}

extension Array where Element == Derivation {
    /// The derivations `features` need, in definition order: those named among them and those
    /// they read, transitively.
    public func needed(by features: [String]) -> [Derivation] {
        var wanted = Set(features)
        for d in reversed() where wanted.contains(d.name) { wanted.formUnion(d.inputs) }
        return filter { wanted.contains($0.name) }
    }

    /// The raw columns these derivations and `features` read: features that are not derived, then
    /// the derivations' inputs that are not themselves derived, in first-use order.
    public func rawInputs(for features: [String]) -> [String] {
        let derived = Set(map(\.name))
        var out: [String] = []
        for name in features + flatMap(\.inputs) where !derived.contains(name) && !out.contains(name) {
            out.append(name)
        }
        return out
    }

    /// Checks that each derivation reads only `raw` columns or earlier derivations, with the types
    /// its expression needs; returns the derived columns' kinds.
    public func check(raw: [(name: String, kind: ColumnKind)]) throws(ExpressionError) -> [String: ColumnKind] {
        var schema = ExpressionSchema(columns: raw)
        var kinds: [String: ColumnKind] = [:]
        for d in self {
            let type = try d.expression.type(in: schema)
            let kind: ColumnKind = type == .text ? .text : .number
            schema.add(d.name, kind)
            kinds[d.name] = kind
        }
        return kinds
    }

    /// `frame` with every derived column computed (replacing a column of the same name), and the
    /// rows that got a missing value by reason.
    public func apply(to frame: DataFrame) throws(ExpressionError) -> (frame: DataFrame, notes: [String: Int]) {
        guard !isEmpty else { return (frame, [:]) }
        var columns = frame.columns
        var notes: [String: Int] = [:]
        var evaluator = ExpressionEvaluator(frame: frame)
        for d in self {
            evaluator.dateFormats = d.dateFormats
            let column = try evaluator.evaluate(d.expression).column(named: d.name, rows: frame.rowCount)
            evaluator.add(column)
            if let i = columns.firstIndex(where: { $0.name == d.name }) {
                columns[i] = column
            } else {
                columns.append(column)
            }
        }
        for (reason, count) in evaluator.notes { notes[reason, default: 0] += count }
        do {
            return (try DataFrame(columns: columns), notes)
        } catch {
            throw ExpressionError("the derived columns do not fit the table: \(error)", at: Span(0, 0))
        }
    }
}
