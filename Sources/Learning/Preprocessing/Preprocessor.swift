import Foundation
public import Tabular
import Parallelism

/// A problem with input data that preprocessing handled rather than failed on.
public struct InputWarning: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A text value training never saw; encoded as all zeros.
        case unseenCategory(value: String)
        /// A number outside the training range.
        case outOfRange(value: Double, minimum: Double, maximum: Double)
        /// Text where training had numbers; treated as missing.
        case notANumber(value: String)
        /// A value of a date input that is not a date in the training format; treated as missing.
        case notADate(value: String, format: DateFormat)
    }

    public var column: String
    public var kind: Kind
    /// Rows (0-based) where it happened, and how many in all.
    public var rows: [Int]
    public var count: Int

    public var description: String {
        let whereText = count == 1 ? "row \(rows[0] + 1)" : "\(count) rows, first row \(rows[0] + 1)"
        switch kind {
        case .unseenCategory(let v):
            return "\(column) = '\(v)' was never seen in training (\(whereText)); it counts as none of the known values"
        case .outOfRange(let v, let lo, let hi):
            return
                "\(column) = \(formatNumber(v)) is outside the training range \(formatNumber(lo))…\(formatNumber(hi)) (\(whereText)); the model is extrapolating"
        case .notANumber(let v):
            return "\(column) = '\(v)' is not a number (\(whereText)); treated as missing"
        case .notADate(let v, let format):
            return
                "\(column) = '\(v)' is not a date written \(format) as in training (\(whereText)); treated as missing"
        }
    }
}

/// Errors that stop a frame from being turned into features.
public enum PreprocessingError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingColumns([String])
    case noFeatures
    case noRows

    public var description: String {
        switch self {
        case .missingColumns(let names):
            "the data lacks column\(names.count == 1 ? "" : "s") the model needs: " + names.joined(separator: ", ")
        case .noFeatures: "no feature columns are left to learn from"
        case .noRows: "there are no rows to use"
        }
    }
}

/// Turns a frame into the numeric matrix an algorithm consumes: dates into numbers (`DateStep`),
/// imputation, one-hot encoding and standardisation, all fitted on training rows only and stored
/// with the model.
public struct Preprocessor: Sendable, Codable, Equatable {
    public struct Options: Sendable, Codable, Equatable {
        /// Scale numbers to zero mean and unit variance (for scale-sensitive algorithms).
        public var standardize: Bool
        /// Fill missing numbers with the training median and missing text with the most frequent
        /// level; when false numbers stay NaN (for algorithms that route missing values natively).
        public var impute: Bool
        /// Add a 0/1 column per number that had missing values in training.
        public var missingIndicators: Bool

        public init(standardize: Bool, impute: Bool, missingIndicators: Bool = false) {
            self.standardize = standardize
            self.impute = impute
            self.missingIndicators = missingIndicators
        }
    }

    public let features: [FeatureSpec]
    public let options: Options
    /// Names of the encoded columns, e.g. `island=Dream`, `bill_length_mm`, `sex (missing)`,
    /// `Date Egg (month)`.
    public let outputNames: [String]
    /// For each encoded column, the index of the input feature it came from.
    public let outputSources: [Int]

    /// Fits on the rows `rows` of `frame`, using the named feature columns.
    public init(fitting frame: DataFrame, features names: [String], rows: [Int], options: Options) throws {
        guard !names.isEmpty else { throw PreprocessingError.noFeatures }
        guard !rows.isEmpty else { throw PreprocessingError.noRows }
        let missing = names.filter { frame.column(named: $0) == nil }
        guard missing.isEmpty else { throw PreprocessingError.missingColumns(missing) }
        // Columns are summarised independently (each sorts its values for the median): one per core.
        let columns = names.compactMap { frame.column(named: $0) }
        let summarise: @Sendable (Int) -> FeatureSpec = { FeatureSpec.fitting(columns[$0], rows: rows) }
        features = parallelMap(columns.count, threads: ProcessInfo.processInfo.activeProcessorCount, summarise)
        self.options = options
        var outputNames: [String] = []
        var sources: [Int] = []
        for (i, f) in features.enumerated() {
            if let date = f.date {
                outputNames += date.derived.map(\.name)
                if Self.hasIndicator(f, options) { outputNames.append("\(f.name) (missing)") }
                sources += repeatElement(i, count: Self.encodedWidth(f, options))
                continue
            }
            switch f.kind {
            case .number:
                outputNames.append(f.name)
                sources.append(i)
                if options.missingIndicators && f.missingRate > 0 {
                    outputNames.append("\(f.name) (missing)")
                    sources.append(i)
                }
            case .text:
                for level in f.levels {
                    outputNames.append("\(f.name)=\(level)")
                    sources.append(i)
                }
            }
        }
        self.outputNames = outputNames
        outputSources = sources
    }

    public var inputNames: [String] { features.map(\.name) }

    /// `frame` as drift compares the model's inputs: each date input becomes its days since
    /// 1970-01-01 (`DateStep.daysColumn`, a number column of the same name), so a date drifts
    /// when the dates move, not whenever a new day appears; other columns stay as they are.
    public func driftView(_ frame: DataFrame) -> DataFrame {
        let dates = Dictionary(
            features.compactMap { f in f.date.map { (f.name, $0) } }, uniquingKeysWith: { a, _ in a })
        guard !dates.isEmpty else { return frame }
        return frame.mappingColumns { column in dates[column.name]?.daysColumn(column) ?? column }
    }

    /// How many encoded columns `feature` makes: one per number (two with its missing
    /// indicator), one per training level of text, one per derived part of a date (plus its
    /// indicator). `transform`, decoding and the ONNX writer all count with this.
    public static func encodedWidth(_ feature: FeatureSpec, _ options: Options) -> Int {
        if let date = feature.date { return date.derived.count + (hasIndicator(feature, options) ? 1 : 0) }
        return feature.kind == .text ? feature.levels.count : (hasIndicator(feature, options) ? 2 : 1)
    }

    /// Whether `feature` gets a 0/1 missing-indicator column: a number or a date that had missing
    /// values in training, when the options ask for indicators.
    public static func hasIndicator(_ feature: FeatureSpec, _ options: Options) -> Bool {
        options.missingIndicators && feature.missingRate > 0 && (feature.kind == .number || feature.date != nil)
    }

    /// Encodes every row of `frame`; columns are found by name, extra columns ignored.
    public func transform(_ frame: DataFrame) throws -> (matrix: Matrix, warnings: [InputWarning]) {
        let missing = features.map(\.name).filter { frame.column(named: $0) == nil }
        guard missing.isEmpty else { throw PreprocessingError.missingColumns(missing) }
        let n = frame.rowCount
        let width = outputNames.count
        var values = [Double](repeating: 0, count: n * width)
        var warnings: [InputWarning] = []
        var offset = 0
        /// Writes one number feature's encoded column at `column`, noting values outside its range.
        func encode(_ numbers: [Double], _ feature: FeatureSpec, at column: Int, indicator: Bool) {
            var outOfRange: [Int] = []
            var firstOutOfRange = 0.0
            let encoding = NumberEncoding(feature, options, indicator: indicator)
            for r in 0..<n {
                let v = numbers[r]
                if !v.isNaN, v < feature.minimum || v > feature.maximum {
                    if outOfRange.isEmpty { firstOutOfRange = v }
                    outOfRange.append(r)
                }
                values[r * width + column] = encoding.encode(v)
                if encoding.indicator { values[r * width + column + 1] = v.isNaN ? 1 : 0 }
            }
            if !outOfRange.isEmpty {
                warnings.append(
                    InputWarning(
                        column: feature.name,
                        kind: .outOfRange(value: firstOutOfRange, minimum: feature.minimum, maximum: feature.maximum),
                        rows: Array(outOfRange.prefix(5)), count: outOfRange.count))
            }
        }
        for feature in features {
            guard let column = frame.column(named: feature.name) else { continue }
            if let date = feature.date {
                let (parts, notDates) = date.derive(column)
                if let first = notDates.first {
                    warnings.append(
                        InputWarning(
                            column: feature.name,
                            kind: .notADate(value: column.text(at: first) ?? "", format: date.format),
                            rows: Array(notDates.prefix(5)), count: notDates.count))
                }
                for (p, part) in date.derived.enumerated() { encode(parts[p], part, at: offset + p, indicator: false) }
                if Self.hasIndicator(feature, options), let year = parts.first {
                    let at = offset + date.derived.count
                    for r in 0..<n { values[r * width + at] = year[r].isNaN ? 1 : 0 }
                }
                offset += Self.encodedWidth(feature, options)
                continue
            }
            switch feature.kind {
            case .number:
                let (numbers, textWarnings) = numericValues(column, feature: feature)
                warnings += textWarnings
                let indicator = Self.hasIndicator(feature, options)
                encode(numbers, feature, at: offset, indicator: indicator)
                offset += indicator ? 2 : 1
            case .text:
                let (slots, unseen) = levelSlots(column, feature: feature)
                warnings += unseen
                let fill = options.impute ? feature.mostFrequentLevel : nil
                for r in 0..<n {
                    let slot = slots[r] == -1 ? fill : (slots[r] >= 0 ? slots[r] : nil)
                    if let slot { values[r * width + offset + slot] = 1 }
                }
                offset += feature.levels.count
            }
        }
        return (Matrix(rows: n, columns: width, values: values), warnings)
    }

    /// Numbers for a numeric feature; text columns are parsed, and what does not parse is missing.
    private func numericValues(_ column: Column, feature: FeatureSpec) -> ([Double], [InputWarning]) {
        switch column.data {
        case .numeric(let v):
            return (v, [])
        case .categorical(let codes, let levels):
            let parsed = levels.map { Double($0.trimmingCharacters(in: .whitespaces)) }
            var bad: [Int] = []
            var firstBad = ""
            let numbers = codes.enumerated().map { r, c -> Double in
                guard c >= 0 else { return .nan }
                if let d = parsed[Int(c)] { return d }
                if bad.isEmpty { firstBad = levels[Int(c)] }
                bad.append(r)
                return .nan
            }
            let warnings =
                bad.isEmpty
                ? []
                : [
                    InputWarning(
                        column: feature.name, kind: .notANumber(value: firstBad), rows: Array(bad.prefix(5)),
                        count: bad.count)
                ]
            return (numbers, warnings)
        }
    }

    /// For each row, the index of its level among the training levels; -1 missing, -2 unseen.
    private func levelSlots(_ column: Column, feature: FeatureSpec) -> ([Int], [InputWarning]) {
        var index: [String: Int] = [:]
        for (i, level) in feature.levels.enumerated() { index[level] = i }
        var unseenRows: [String: [Int]] = [:]
        var unseenOrder: [String] = []
        var slots = [Int](repeating: -1, count: column.data.count)
        if case .categorical(let codes, let levels) = column.data {
            // Each of the column's levels is looked up once, not once per row.
            let slotOfCode = levels.map { index[$0] ?? -2 }
            for (r, code) in codes.enumerated() where code >= 0 {
                let slot = slotOfCode[Int(code)]
                slots[r] = slot
                if slot == -2 {
                    let text = levels[Int(code)]
                    if unseenRows[text] == nil { unseenOrder.append(text) }
                    unseenRows[text, default: []].append(r)
                }
            }
        } else {
            for r in 0..<slots.count {
                guard let text = column.text(at: r) else { continue }
                if let i = index[text] {
                    slots[r] = i
                } else {
                    if unseenRows[text] == nil { unseenOrder.append(text) }
                    unseenRows[text, default: []].append(r)
                    slots[r] = -2
                }
            }
        }
        let warnings = unseenOrder.map { value in
            let rows = unseenRows[value] ?? []
            return InputWarning(
                column: feature.name, kind: .unseenCategory(value: value), rows: Array(rows.prefix(5)),
                count: rows.count)
        }
        return (slots, warnings)
    }
}

/// How a number feature's values are encoded, shared by the frame and row paths: a missing value
/// is filled with the training median (when imputing), then the value is standardised (when
/// scaling); with `indicator`, a 0/1 column says whether it was missing.
struct NumberEncoding {
    let fill: Double
    let center: Double
    let scale: Double
    let impute: Bool
    let standardize: Bool
    let indicator: Bool

    init(_ feature: FeatureSpec, _ options: Preprocessor.Options, indicator: Bool) {
        fill = feature.median.isNaN ? 0 : feature.median
        center = feature.mean.isNaN ? 0 : feature.mean
        scale = feature.standardDeviation > 0 ? feature.standardDeviation : 1
        impute = options.impute
        standardize = options.standardize
        self.indicator = indicator
    }

    @inline(__always)
    func encode(_ x: Double) -> Double {
        var v = x
        if v.isNaN && impute { v = fill }
        if standardize && !v.isNaN { v = (v - center) / scale }
        return v
    }
}

/// One value of a row, for encoding rows that arrive one by one (a served request) without
/// building a frame first.
public enum FeatureValue: Sendable, Equatable {
    case number(Double)
    case text(String)
    case missing
}

extension Preprocessor {
    /// Each feature's training levels and their one-hot slots, built once for `transform(rows:levels:)`.
    public func levelIndexes() -> [[String: Int]] {
        features.map { feature in
            var index: [String: Int] = [:]
            for (i, level) in feature.levels.enumerated() { index[level] = i }
            return index
        }
    }

    /// Encodes rows given in feature order exactly as `transform` encodes a frame holding the same
    /// values: the same imputation, indicators, scaling and one-hot slots (an unseen level is all
    /// zeros). Kept beside `transform` so the two cannot drift apart; tests compare them bit for bit.
    public func transform(rows: [[FeatureValue]], levels: [[String: Int]]) -> Matrix {
        let width = outputNames.count
        var values = [Double](repeating: 0, count: rows.count * width)
        for (r, row) in rows.enumerated() {
            var offset = 0
            for (i, feature) in features.enumerated() {
                let value = i < row.count ? row[i] : .missing
                if let date = feature.date {
                    let parts = date.derive(value)
                    for (p, part) in date.derived.enumerated() {
                        values[r * width + offset + p] = NumberEncoding(part, options, indicator: false).encode(
                            parts[p])
                    }
                    if Self.hasIndicator(feature, options) {
                        values[r * width + offset + parts.count] = parts.first?.isNaN ?? true ? 1 : 0
                    }
                    offset += Self.encodedWidth(feature, options)
                    continue
                }
                switch feature.kind {
                case .number:
                    let v: Double
                    switch value {
                    case .number(let d): v = d
                    case .text(let s): v = Double(s.trimmingCharacters(in: .whitespaces)) ?? .nan
                    case .missing: v = .nan
                    }
                    let encoding = NumberEncoding(feature, options, indicator: Self.hasIndicator(feature, options))
                    values[r * width + offset] = encoding.encode(v)
                    if encoding.indicator { values[r * width + offset + 1] = v.isNaN ? 1 : 0 }
                    offset += encoding.indicator ? 2 : 1
                case .text:
                    let slot: Int?
                    switch value {
                    case .text(let s): slot = i < levels.count ? levels[i][s] : nil
                    case .number(let d) where !d.isNaN: slot = i < levels.count ? levels[i][formatNumber(d)] : nil
                    case .number, .missing: slot = options.impute ? feature.mostFrequentLevel : nil
                    }
                    if let slot { values[r * width + offset + slot] = 1 }
                    offset += feature.levels.count
                }
            }
        }
        return Matrix(rows: rows.count, columns: width, values: values)
    }
}

extension Preprocessor {
    /// Decodes a preprocessor, refusing one whose encoded columns do not follow from its features
    /// and options (`transform` writes each feature's slots at offsets computed from them).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        features = try container.decode([FeatureSpec].self, forKey: .features)
        options = try container.decode(Options.self, forKey: .options)
        outputNames = try container.decode([String].self, forKey: .outputNames)
        outputSources = try container.decode([Int].self, forKey: .outputSources)
        try StoredModelCheck.require(!features.isEmpty, at: path + [CodingKeys.features], "there are no features")
        try StoredModelCheck.require(
            Set(features.map(\.name)).count == features.count, at: path + [CodingKeys.features],
            "a feature name appears twice")
        var sources: [Int] = []
        for (i, feature) in features.enumerated() {
            sources += repeatElement(i, count: Self.encodedWidth(feature, options))
        }
        try StoredModelCheck.require(
            outputNames.count == sources.count, at: path + [CodingKeys.outputNames],
            "\(outputNames.count) encoded columns where the features make \(sources.count)")
        try StoredModelCheck.require(
            outputSources == sources, at: path + [CodingKeys.outputSources],
            "the encoded columns' sources do not follow the features")
    }
}
