import Foundation

/// The distribution distances and tests drift detection uses, each written to match the SciPy /
/// NumPy function named in its comment bit for bit where the arithmetic allows.
public enum DriftStatistics {
    /// Proportion used in place of an empty bin / absent level in PSI, so ln(p/q) stays finite
    /// (Evidently's choice). Only PSI uses it; Jensen–Shannon handles zeros exactly.
    public static let defaultEmptyBinFloor = 1e-4

    // MARK: Binning

    /// NumPy's default ("linear") quantile of sorted values, including its two-sided lerp
    /// (`b − (b − a)(1 − t)` when t ≥ 0.5), so edges equal `np.quantile(values, q)` exactly.
    public static func quantile(sorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let position = Double(values.count - 1) * q
        if position >= Double(values.count - 1) { return values[values.count - 1] }
        if position < 0 { return values[0] }
        let lower = Int(position.rounded(.down))
        let t = position - Double(lower)
        let a = values[lower], b = values[lower + 1]
        let difference = b - a
        return t >= 0.5 ? b - difference * (1 - t) : a + difference * t
    }

    /// Interior decile edges (10 %, 20 %, …, 90 %) of sorted reference values with equal edges
    /// removed. `edges.count + 1` bins: (−∞, e₀], (e₀, e₁], …, (eₖ, +∞) — right-closed like
    /// `pandas.qcut`, so a value equal to an edge falls in the lower bin.
    public static func decileEdges(sorted values: [Double], bins: Int = 10) -> [Double] {
        guard !values.isEmpty, bins > 1 else { return [] }
        var edges: [Double] = []
        for k in 1..<bins {
            let e = quantile(sorted: values, Double(k) / Double(bins))
            if edges.last != e { edges.append(e) }
        }
        return edges
    }

    /// Counts of `values` (NaN skipped) in the bins defined by `edges` (see `decileEdges`).
    /// Bin of v = number of edges < v, i.e. `np.searchsorted(edges, v, side='left')`.
    /// - Complexity: O(n log k).
    public static func binCounts(_ values: [Double], edges: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for v in values where !v.isNaN {
            var lo = 0, hi = edges.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if edges[mid] < v { lo = mid + 1 } else { hi = mid }
            }
            counts[lo] += 1
        }
        return counts
    }

    // MARK: Distances

    /// Population Stability Index Σ (cᵢ − rᵢ) · ln(cᵢ / rᵢ) over bin proportions, each proportion
    /// that is 0 replaced by `floor` first.
    public static func psi(reference: [Int], current: [Int], floor: Double = defaultEmptyBinFloor) -> Double {
        precondition(reference.count == current.count, "internal error: PSI bin counts differ")
        let rTotal = Double(reference.reduce(0, +)), cTotal = Double(current.reduce(0, +))
        guard rTotal > 0, cTotal > 0 else { return .nan }
        var sum = 0.0
        for i in reference.indices {
            var r = Double(reference[i]) / rTotal
            var c = Double(current[i]) / cTotal
            if r == 0 { r = floor }
            if c == 0 { c = floor }
            sum += (c - r) * log(c / r)
        }
        return sum
    }

    /// `scipy.spatial.distance.jensenshannon(p, q)` (natural log): √((KL(p‖m) + KL(q‖m)) / 2)
    /// with m = (p + q) / 2, after normalising both to sum to 1. Empty bins are exact zeros.
    public static func jensenShannon(_ pCounts: [Int], _ qCounts: [Int]) -> Double {
        precondition(pCounts.count == qCounts.count, "internal error: Jensen–Shannon lengths differ")
        let pTotal = Double(pCounts.reduce(0, +)), qTotal = Double(qCounts.reduce(0, +))
        guard pTotal > 0, qTotal > 0 else { return .nan }
        // rel_entr(x, y) = x·ln(x/y) for x > 0, 0 for x = 0; summed left then right like SciPy.
        func relativeEntropy(_ x: Double, _ y: Double) -> Double { x > 0 ? x * log(x / y) : 0 }
        var left = 0.0, right = 0.0
        for i in pCounts.indices {
            let p = Double(pCounts[i]) / pTotal, q = Double(qCounts[i]) / qTotal
            let m = (p + q) / 2
            left += relativeEntropy(p, m)
            right += relativeEntropy(q, m)
        }
        return max(0, (left + right) / 2).squareRoot()
    }

    /// `scipy.stats.wasserstein_distance(u, v)`: ∫ |F_u − F_v|, from sorted samples.
    /// - Complexity: O((n + m) log(n + m)).
    public static func wasserstein(sortedU u: [Double], sortedV v: [Double]) -> Double {
        guard !u.isEmpty, !v.isEmpty else { return .nan }
        let all = (u + v).sorted()
        var total = 0.0
        var i = 0, j = 0
        for k in 0..<(all.count - 1) {
            let x = all[k]
            // searchsorted(side='right') on each sample: how many values ≤ x.
            while i < u.count && u[i] <= x { i += 1 }
            while j < v.count && v[j] <= x { j += 1 }
            let delta = all[k + 1] - x
            total += abs(Double(i) / Double(u.count) - Double(j) / Double(v.count)) * delta
        }
        return total
    }

    /// Population standard deviation (ddof = 0, `np.std`'s default), two-pass.
    public static func standardDeviation(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
    }
}
