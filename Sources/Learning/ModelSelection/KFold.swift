/// Splits rows into `k` folds for cross-validation; every candidate in a comparison uses the same folds.
public enum KFold {
    /// Test-row indices for each fold (ascending). With `strata` (class codes), each class is dealt
    /// round-robin across folds after a seeded shuffle, so every fold keeps the class shares
    /// (stratified k-fold); otherwise rows are shuffled and cut into k nearly equal parts.
    public static func folds(rowCount: Int, k: Int, strata: [Int]? = nil, seed: UInt64) -> [[Int]] {
        precondition(k >= 2 && k <= rowCount, "internal error: fold count out of range")
        var generator = SeededGenerator(seed: seed)
        var assignment = [Int](repeating: 0, count: rowCount)
        if let strata {
            var groups: [Int: [Int]] = [:]
            for (row, s) in strata.enumerated() { groups[s, default: []].append(row) }
            // Continue dealing where the previous class stopped, so fold sizes stay within one row.
            var next = 0
            for key in groups.keys.sorted() {
                var rows = groups[key] ?? []
                generator.shuffle(&rows)
                for row in rows {
                    assignment[row] = next
                    next = (next + 1) % k
                }
            }
        } else {
            var rows = Array(0..<rowCount)
            generator.shuffle(&rows)
            for (position, row) in rows.enumerated() { assignment[row] = position * k / rowCount }
        }
        var folds = [[Int]](repeating: [], count: k)
        for row in 0..<rowCount { folds[assignment[row]].append(row) }
        return folds
    }

    /// The training rows of fold `index`: every row not in its test part.
    public static func trainingRows(of index: Int, folds: [[Int]], rowCount: Int) -> [Int] {
        var isTest = [Bool](repeating: false, count: rowCount)
        for r in folds[index] { isTest[r] = true }
        return (0..<rowCount).filter { !isTest[$0] }
    }
}
