import Foundation

/// Pearson's chi-square test of homogeneity on a 2 × L table, as `scipy.stats.chi2_contingency`
/// with its defaults: expected counts from the margins, Yates' continuity correction only when
/// dof = 1 (a 2 × 2 table), p-value from the chi-square survival function.
public enum ChiSquareTest {
    /// Statistic, p-value and degrees of freedom for reference vs current level counts.
    /// Levels absent from both samples must be dropped by the caller (SciPy rejects zero expected
    /// counts). One level gives dof 0, statistic 0 and p = 1, like SciPy.
    public static func homogeneity(reference: [Int], current: [Int]) -> (statistic: Double, pValue: Double, dof: Int)? {
        precondition(reference.count == current.count, "internal error: contingency rows differ in length")
        let rowTotals = [Double(reference.reduce(0, +)), Double(current.reduce(0, +))]
        let total = rowTotals[0] + rowTotals[1]
        guard rowTotals[0] > 0, rowTotals[1] > 0 else { return nil }
        let dof = reference.count - 1
        if dof <= 0 { return (0, 1, 0) }
        var statistic = 0.0
        for (row, counts) in [reference, current].enumerated() {
            for l in counts.indices {
                let columnTotal = Double(reference[l] + current[l])
                precondition(columnTotal > 0, "internal error: a level with no count in either sample")
                let expected = rowTotals[row] * columnTotal / total
                var observed = Double(counts[l])
                if dof == 1 {
                    // Yates: move each observed count toward its expectation by at most 0.5.
                    let difference = expected - observed
                    observed += min(0.5, abs(difference)) * (difference > 0 ? 1 : (difference < 0 ? -1 : 0))
                }
                statistic += (observed - expected) * (observed - expected) / expected
            }
        }
        return (statistic, chiSquareSurvival(statistic, dof: dof), dof)
    }

    /// P(χ²_dof > x) = Q(dof/2, x/2), the regularised upper incomplete gamma function.
    public static func chiSquareSurvival(_ x: Double, dof: Int) -> Double {
        guard x > 0 else { return 1 }
        return upperRegularizedGamma(Double(dof) / 2, x / 2)
    }

    /// Q(a, x) by its power series (x < a + 1) or Lentz's continued fraction (otherwise); both
    /// converge to full double precision.
    static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        let logPrefix = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-17 { break }
        }
        return exp(logPrefix) * h
    }
}
