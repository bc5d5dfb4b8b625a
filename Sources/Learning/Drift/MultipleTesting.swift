/// Adjusted p-values for testing several hypotheses at once (the features of one validation),
/// as `statsmodels.stats.multitest.multipletests` returns them: reject hypothesis i at level α
/// when `adjusted[i] ≤ α` (`rejects`).
public enum MultipleTesting {
    /// Holm's step-down procedure (`method="holm"`): family-wise error ≤ α under any dependence,
    /// and never less powerful than Bonferroni. With p sorted ascending, p̃₍ᵢ₎ =
    /// max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎).
    /// - Complexity: O(m log m).
    public static func holm(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Benjamini–Hochberg step-up procedure (`method="fdr_bh"`): false discovery rate ≤ α for
    /// independent or positively dependent tests. With p sorted ascending, p̃₍ᵢ₎ =
    /// min over j ≥ i of min(1, m·p₍ⱼ₎ / j).
    /// - Complexity: O(m log m).
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m - 1, through: 0, by: -1) {
            let index = order[rank]
            running = min(running, min(1, Double(m) * pValues[index] / Double(rank + 1)))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Which hypotheses are rejected at level `alpha`: adjusted p ≤ α, as statsmodels decides.
    public static func rejects(_ adjusted: [Double], alpha: Double) -> [Bool] {
        adjusted.map { $0 <= alpha }
    }

    /// Bonferroni: p̃ᵢ = min(1, m·pᵢ).
    public static func bonferroni(_ pValues: [Double]) -> [Double] {
        pValues.map { min(1, Double(pValues.count) * $0) }
    }
}
