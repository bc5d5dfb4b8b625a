import Tabular

/// What a split and an evaluation mean, read from the data rather than from the command typed:
/// whether two parts keep a column's class shares, and how many evaluated rows the model trained on.
enum SplitMeaning {
    /// How many rows of `data` are among the rows of `training` (compared by content over the
    /// columns both have; a training row is matched at most once, so a duplicated row in the data
    /// counts only as often as it was trained on).
    /// - Complexity: O((n + m) · columns) for n and m rows.
    static func rowsSeen(_ data: DataFrame, in training: DataFrame) -> Int {
        let shared = data.columnNames.filter { training.column(named: $0) != nil }
        guard !shared.isEmpty else { return 0 }
        func keys(_ frame: DataFrame) -> [Int] {
            let columns = shared.compactMap { frame.column(named: $0) }
            return (0..<frame.rowCount).map { row in
                var hasher = Hasher()
                for column in columns { hasher.combine(column.text(at: row)) }
                return hasher.finalize()
            }
        }
        var trained: [Int: Int] = [:]
        for key in keys(training) { trained[key, default: 0] += 1 }
        var seen = 0
        for key in keys(data) where (trained[key] ?? 0) > 0 {
            trained[key, default: 0] -= 1
            seen += 1
        }
        return seen
    }

    /// One class whose share a part does not keep.
    struct Drift: Equatable {
        var part: Int
        var value: String
        var count: Int
        var expected: Double
    }

    /// The classes of `column` whose count in a part is more than one row away from the part's
    /// exact share of both parts together (empty: every part keeps every share). A stratified
    /// split rounds each class's share to a whole number of rows, so it is never a row or more off.
    static func sharesNotKept(_ parts: [DataFrame], column name: String) -> [Drift] {
        let columns = parts.compactMap { $0.column(named: name) }
        guard columns.count == parts.count else { return [] }
        let counts = parts.indices.map { i in
            (0..<parts[i].rowCount).reduce(into: [String: Int]()) {
                $0[columns[i].text(at: $1) ?? "(missing)", default: 0] += 1
            }
        }
        let total = parts.reduce(0) { $0 + $1.rowCount }
        var whole: [String: Int] = [:]
        for tally in counts { whole.merge(tally, uniquingKeysWith: +) }
        var drifts: [Drift] = []
        for (i, part) in parts.enumerated() {
            for value in whole.keys.sorted() {
                let expected = Double(part.rowCount) * Double(whole[value] ?? 0) / Double(max(total, 1))
                let count = counts[i][value] ?? 0
                if abs(Double(count) - expected) >= 1 + 1e-9 {
                    drifts.append(Drift(part: i, value: value, count: count, expected: expected))
                }
            }
        }
        return drifts
    }
}
