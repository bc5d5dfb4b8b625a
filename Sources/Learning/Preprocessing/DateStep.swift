public import Tabular
import Foundation

/// The date step of the preprocessing: a text input whose training values are dates (at least
/// half of them written one way, as `DateFormat.detect` finds on the training rows) is not
/// one-hot encoded. Each value is parsed in the training format and becomes the numbers of
/// `Part` — year, month, day of week (1 = Monday … 7 = Sunday), day of year (1 … 366) and, when
/// training values carry a time of day, hour (0 … 23) — each then imputed and scaled like any
/// number feature, with its own training statistics (`derived`, named `DATE (year)`, …).
///
/// A value that is missing, is not a date in the training format (another format included:
/// `2007-11-09` where training wrote `11/9/07`), or names no real day is a missing date: every
/// part is missing and is imputed like any missing number, and `transform` reports it with an
/// `InputWarning` (`notADate`) rather than failing. The same derivation serves training,
/// `predict`, `serve`, validation and drift, because all of them go through `Preprocessor`.
public struct DateStep: Sendable, Codable, Equatable {
    /// A number derived from a date.
    public enum Part: String, Sendable, Codable, CaseIterable {
        case year
        case month
        case dayOfWeek = "day of week"
        case dayOfYear = "day of year"
        case hour

        /// The part's value for one parsed date.
        public func value(of fields: DateFormat.Fields) -> Double {
            switch self {
            case .year: Double(fields.year)
            case .month: Double(fields.month)
            case .dayOfWeek: Double(fields.dayOfWeek)
            case .dayOfYear: Double(fields.dayOfYear)
            case .hour: Double(fields.hour)
            }
        }
    }

    /// The format found in training; values are read in it and no other.
    public let format: DateFormat
    /// One number feature per part of `parts(for: format)`, in that order, named by
    /// `derivedName`, with the training statistics its imputation and scaling use.
    public let derived: [FeatureSpec]
    /// The training value at the median date, as written in training: the example that hints,
    /// generated requests and documentation show.
    public let example: String

    /// The parts a format yields: year, month, day of week, day of year, and hour when it has times.
    public static func parts(for format: DateFormat) -> [Part] {
        [.year, .month, .dayOfWeek, .dayOfYear] + (format.hasTime ? [.hour] : [])
    }

    /// The encoded column (and ONNX input) name of one part: `Date Egg (day of week)`.
    public static func derivedName(_ input: String, _ part: Part) -> String { "\(input) (\(part.rawValue))" }

    /// The parts of this step, in `derived` order.
    public var parts: [Part] { Self.parts(for: format) }

    /// The date a text value names, or nil when it is not one in the training format.
    public func parse(_ text: String) -> DateFormat.Fields? {
        format.parse(text.trimmingCharacters(in: .whitespaces))
    }

    /// Fits the step on `rows` of `column` when its present values there are dates; nil for
    /// numbers and for text that is not (mostly) dates.
    /// - Complexity: O(levels + rows log rows).
    public init?(fitting column: Column, rows: [Int]) {
        guard case .categorical(let codes, let levels) = column.data, !rows.isEmpty else { return nil }
        let training = Column(name: column.name, data: column.data.selecting(rows))
        guard let detection = DateFormat.detect(in: training) else { return nil }
        let format = detection.format
        let parsed = levels.map { format.parse($0.trimmingCharacters(in: .whitespaces)) }
        let parts = Self.parts(for: format)
        var values = [[Double]](repeating: [Double](repeating: .nan, count: rows.count), count: parts.count)
        var dated: [(days: Double, level: Int)] = []
        for (i, r) in rows.enumerated() {
            let code = Int(codes[r])
            guard code >= 0, let fields = parsed[code] else { continue }
            for (p, part) in parts.enumerated() { values[p][i] = part.value(of: fields) }
            dated.append((fields.daysSince1970, code))
        }
        guard !dated.isEmpty else { return nil }
        // Ties on the date broken by the text, so the example does not depend on row order.
        dated.sort { $0.days != $1.days ? $0.days < $1.days : levels[$0.level] < levels[$1.level] }
        self.format = format
        example = levels[dated[(dated.count - 1) / 2].level]
        let all = Array(0..<rows.count)
        derived = parts.enumerated().map { p, part in
            FeatureSpec(column: Column(name: Self.derivedName(column.name, part), data: .numeric(values[p])), rows: all)
        }
    }

    /// The derived numbers of `column`'s rows, one array per part (NaN where the date is missing
    /// or does not parse), and the rows holding a value that is not a date.
    func derive(_ column: Column) -> (parts: [[Double]], notDates: [Int]) {
        let n = column.data.count
        let parts = self.parts
        var values = [[Double]](repeating: [Double](repeating: .nan, count: n), count: parts.count)
        var notDates: [Int] = []
        switch column.data {
        case .categorical(let codes, let levels):
            // Each of the column's levels is parsed once, not once per row.
            let parsed = levels.map(parse)
            for (r, code) in codes.enumerated() where code >= 0 {
                guard let fields = parsed[Int(code)] else {
                    notDates.append(r)
                    continue
                }
                for (p, part) in parts.enumerated() { values[p][r] = part.value(of: fields) }
            }
        case .numeric(let numbers):
            // A column read as numbers holds no date text; only its missing cells are fine.
            for (r, x) in numbers.enumerated() where !x.isNaN { notDates.append(r) }
        }
        return (values, notDates)
    }

    /// The derived numbers of one value (NaN for every part when it is not a date).
    func derive(_ value: FeatureValue) -> [Double] {
        guard case .text(let text) = value, let fields = parse(text) else { return parts.map { _ in .nan } }
        return parts.map { $0.value(of: fields) }
    }

    /// `column` as days since 1970-01-01 (with the time of day as a fraction; NaN where the value
    /// is not a date in the training format), under the same name: how drift compares a date
    /// input, as one number whose shift means "the dates moved".
    public func daysColumn(_ column: Column) -> Column {
        switch column.data {
        case .categorical(let codes, let levels):
            let days = levels.map { parse($0)?.daysSince1970 ?? .nan }
            return Column(name: column.name, data: .numeric(codes.map { $0 >= 0 ? days[Int($0)] : .nan }))
        case .numeric(let numbers):
            return Column(name: column.name, data: .numeric(numbers.map { _ in .nan }))
        }
    }
}

extension DateStep {
    private enum CodingKeys: String, CodingKey { case format, derived, example }

    /// Decodes a step, refusing a format no value can be written in and an example that does not
    /// parse in it. The derived features are checked against their input by `FeatureSpec`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        format = try container.decode(DateFormat.self, forKey: .format)
        derived = try container.decode([FeatureSpec].self, forKey: .derived)
        example = try container.decode(String.self, forKey: .example)
        try StoredModelCheck.require(
            ["-", "/", "."].contains(format.separator), at: path + [CodingKeys.format],
            "a date separator must be '-', '/' or '.', not '\(format.separator)'")
        try StoredModelCheck.require(
            !(format.order == .yearFirst && format.twoDigitYear), at: path + [CodingKeys.format],
            "a year-first date format has a four-digit year")
        try StoredModelCheck.require(
            derived.count == parts.count, at: path + [CodingKeys.derived],
            "\(derived.count) derived numbers where the format \(format) makes \(parts.count)")
        try StoredModelCheck.require(
            derived.allSatisfy { $0.kind == .number && $0.date == nil }, at: path + [CodingKeys.derived],
            "a derived date part must be a plain number")
        try StoredModelCheck.require(
            parse(example) != nil, at: path + [CodingKeys.example],
            "the example '\(example)' is not a date in the format \(format)")
    }
}
