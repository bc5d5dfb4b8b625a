import Foundation
import Parallelism

/// What a column is for, as an analyst would judge it before training: most columns are plain
/// features (`nil` role); these are the ones worth a second look. Found by `ColumnRole.detect`,
/// a pure function of the column's values.
public enum ColumnRole: Sendable, Equatable {
    /// Names the row rather than measuring it: unique per row, or a running sequence.
    case identifier(IdentifierKind)
    /// One value in every row (or no value at all).
    case constant(value: String?)
    /// One value in at least `nearConstantShare` of the rows that have one.
    case nearConstant(value: String, share: Double)
    /// Missing in more than `mostlyMissingShare` of the rows.
    case mostlyMissing(share: Double)
    /// Long strings, most of them different (comments, notes).
    case freeText(distinct: Int)
    /// Short text labels, but very many of them.
    case highCardinality(distinct: Int)
    /// Dates or times written as text.
    case date(DateFormat.Detection)

    /// How an identifier was recognised.
    public enum IdentifierKind: Sendable, Equatable {
        /// Every row has its own value.
        case unique
        /// The values count up by one from row to row (restarting now and then is allowed).
        case sequence
    }

    /// Whether models should leave the column out unless asked for it: identifiers, constants and
    /// free text carry no signal that generalises to new rows.
    public var leftOutByDefault: Bool {
        switch self {
        case .identifier, .constant, .freeText: true
        default: false
        }
    }

    /// A short name for tables: `identifier`, `constant`, `date`, …
    public var name: String {
        switch self {
        case .identifier: "identifier"
        case .constant: "constant"
        case .nearConstant: "near-constant"
        case .mostlyMissing: "mostly missing"
        case .freeText: "free text"
        case .highCardinality: "high-cardinality"
        case .date: "date"
        }
    }

    public static let nearConstantShare = 0.99
    public static let mostlyMissingShare = 0.9
    /// Below this many rows nothing is called an identifier or free text: too little evidence.
    public static let minimumRows = 10
    /// Text with more distinct values than this (and than a fifth of its rows) is high-cardinality.
    public static let highCardinality = 50
    /// Free text: values this long on average, or with this many words.
    public static let freeTextLength = 25
    public static let freeTextWords = 4
    /// A sequence may restart (a sample number counting per group) at most this often; a value
    /// cycling through the same range over and over is a measurement, not an identifier.
    public static let maximumRestarts = 10

    /// The role of `column`, or nil for a plain feature. Checked in order: constant, mostly
    /// missing, date, identifier, free text, high cardinality, near-constant.
    /// - Complexity: O(rows), plus O(distinct levels × length) for text.
    public static func detect(_ column: Column) -> ColumnRole? {
        detect(column, missing: column.data.missingCount)
    }

    /// `detect(column)` for a caller that has counted the column's missing values already.
    public static func detect(_ column: Column, missing: Int) -> ColumnRole? {
        let rows = column.data.count
        let present = rows - missing
        guard present > 0 else { return .constant(value: nil) }
        switch column.data {
        case .numeric(let values):
            // No hashing: a majority vote for the near-constant check, sorting only for uniqueness.
            var candidate = Double.nan, votes = 0
            for x in values where !x.isNaN {
                if votes == 0 {
                    candidate = x
                    votes = 1
                } else if x == candidate {
                    votes += 1
                } else {
                    votes -= 1
                }
            }
            let top = values.reduce(0) { $0 + ($1 == candidate ? 1 : 0) }
            if top == present { return .constant(value: formatNumber(candidate)) }
            if Double(missing) > mostlyMissingShare * Double(rows) {
                return .mostlyMissing(share: Double(missing) / Double(rows))
            }
            if column.isIntegral, let kind = identifierKind(values: values, present: present, rows: rows) {
                return .identifier(kind)
            }
            if Double(top) >= nearConstantShare * Double(present), present >= minimumRows {
                return .nearConstant(value: formatNumber(candidate), share: Double(top) / Double(present))
            }
            return nil
        case .categorical(let codes, let levels):
            var counts = [Int](repeating: 0, count: levels.count)
            for c in codes where c >= 0 { counts[Int(c)] += 1 }
            let used = counts.indices.filter { counts[$0] > 0 }
            if used.count == 1 { return .constant(value: levels[used[0]]) }
            if Double(missing) > mostlyMissingShare * Double(rows) {
                return .mostlyMissing(share: Double(missing) / Double(rows))
            }
            if let detection = DateFormat.detect(in: column) { return .date(detection) }
            let distinct = used.count
            if present >= minimumRows {
                let characters = used.reduce(0) { $0 + levels[$1].count * counts[$1] }
                let words = used.reduce(0) { $0 + levels[$1].split(separator: " ").count * counts[$1] }
                let long = characters >= freeTextLength * present || words >= freeTextWords * present
                if long && distinct * 2 > present { return .freeText(distinct: distinct) }
                if distinct == present { return .identifier(.unique) }
                if distinct > highCardinality && distinct * 5 > present { return .highCardinality(distinct: distinct) }
            }
            if let top = used.max(by: { counts[$0] < counts[$1] }),
                Double(counts[top]) >= nearConstantShare * Double(present), present >= minimumRows
            {
                return .nearConstant(value: levels[top], share: Double(counts[top]) / Double(present))
            }
            return nil
        }
    }

    /// Whole numbers identify rows when they count up by one from row to row for nine rows in ten
    /// (a sample number, even one that restarts per group, at most `maximumRestarts` times), or when every row has its own value and
    /// they are dense (at least half the integers of their range are used, so an ID with gaps
    /// still counts) or all written with the same five or more digits. A measurement in whole units
    /// (grams, years) repeats, and a 0/1 flag repeats, so neither qualifies.
    static func identifierKind(values: [Double], present: Int, rows: Int) -> IdentifierKind? {
        guard present >= minimumRows else { return nil }
        var steps = 0, pairs = 0
        var previous = Double.nan
        var low = Double.infinity, high = -Double.infinity
        for x in values where !x.isNaN {
            if !previous.isNaN {
                pairs += 1
                if x - previous == 1 { steps += 1 }
            }
            previous = x
            low = min(low, x)
            high = max(high, x)
        }
        if steps * 10 >= pairs * 9, pairs - steps <= maximumRestarts { return .sequence }
        // Fewer integers in the range than rows: some value repeats (no need to sort).
        guard present == rows, high - low + 1 >= Double(present) else { return nil }
        let digits = { (x: Double) in formatNumber(abs(x)).count }
        let dense = high - low + 1 <= 2 * Double(present)
        let sameWidth = low >= 0 && digits(low) >= 5 && digits(low) == digits(high)
        guard dense || sameWidth else { return nil }
        var sorted = values
        sorted.sortByRadix()
        for i in 1..<sorted.count where sorted[i] == sorted[i - 1] { return nil }
        return .unique
    }

    /// The role of every column of `frame`, in column order (nil for plain features), with its
    /// count of missing values (which the role needs, and a load reports). Each column examined
    /// on its own core (a load's roles took a tenth of its time on one).
    public static func detect(in frame: DataFrame) -> [(name: String, missing: Int, role: ColumnRole?)] {
        let columns = frame.columns
        let found = parallelMap(columns.count, threads: ProcessInfo.processInfo.activeProcessorCount) {
            i -> (Int, ColumnRole?) in
            let missing = columns[i].data.missingCount
            return (missing, detect(columns[i], missing: missing))
        }
        return zip(columns, found).map { ($0.name, $1.0, $1.1) }
    }
}
