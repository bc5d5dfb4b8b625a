/// Row indices of a train/test partition; both lists ascending so rows keep their file order.
public struct TrainTestIndices: Sendable, Equatable {
    public var train: [Int]
    public var test: [Int]
}

/// Splits `rowCount` rows into train and test, optionally stratified by a class code per row.
///
/// The test part has `ceil(testFraction * n)` rows, like scikit-learn's `train_test_split`. With
/// `strata`, each stratum contributes in proportion (largest-remainder rounding, ties to the larger
/// stratum), so class shares match as closely as whole rows allow.
public func trainTestSplit(rowCount: Int, testFraction: Double, strata: [Int]? = nil, seed: UInt64) -> TrainTestIndices
{
    var generator = SeededGenerator(seed: seed)
    let testCount = min(rowCount, Int((testFraction * Double(rowCount)).rounded(.up)))
    var isTest = [Bool](repeating: false, count: rowCount)
    if let strata {
        var groups: [Int: [Int]] = [:]
        for (row, stratum) in strata.enumerated() { groups[stratum, default: []].append(row) }
        let keys = groups.keys.sorted()
        let exact = keys.map { Double(groups[$0]!.count) * Double(testCount) / Double(max(rowCount, 1)) }
        var quota = exact.map { Int($0.rounded(.down)) }
        var remaining = testCount - quota.reduce(0, +)
        let order = keys.indices.sorted {
            let ra = exact[$0] - Double(quota[$0]), rb = exact[$1] - Double(quota[$1])
            return ra != rb ? ra > rb : groups[keys[$0]]!.count > groups[keys[$1]]!.count
        }
        for i in order where remaining > 0 {
            quota[i] += 1
            remaining -= 1
        }
        for (i, key) in keys.enumerated() {
            var rows = groups[key]!
            generator.shuffle(&rows)
            for row in rows.prefix(quota[i]) { isTest[row] = true }
        }
    } else {
        var rows = Array(0..<rowCount)
        generator.shuffle(&rows)
        for row in rows.prefix(testCount) { isTest[row] = true }
    }
    var result = TrainTestIndices(train: [], test: [])
    for row in 0..<rowCount {
        if isTest[row] { result.test.append(row) } else { result.train.append(row) }
    }
    return result
}
