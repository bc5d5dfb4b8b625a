import Foundation

/// McNemar's test for two classifiers scored on the same rows: do they err on different rows more
/// often one way than the other? Only the discordant rows count: `b` where the first model was
/// right and the second wrong, `c` the reverse.
///
/// With fewer than `exactBelow` discordant rows the p-value is the exact two-sided binomial one,
/// `min(1, 2 · P(X ≤ min(b, c)))` for `X ~ Binomial(b + c, 1/2)`; otherwise the chi-square
/// statistic with Edwards' continuity correction, `max(0, |b − c| − 1)² / (b + c)`, on one degree
/// of freedom (as statsmodels' `mcnemar(exact=False)`, clamped at 0 when `b = c`).
public struct McNemarTest: Sendable, Equatable {
    public enum Method: String, Sendable, Codable {
        case exactBinomial = "exact binomial"
        case chiSquare = "chi-square with continuity correction"
    }

    /// Rows where the first model was right and the second wrong.
    public var firstOnlyRight: Int
    /// Rows where the second model was right and the first wrong.
    public var secondOnlyRight: Int
    public var method: Method
    /// The chi-square statistic, or for the exact test the smaller discordant count.
    public var statistic: Double
    /// Two-sided p-value; 1 when no row is discordant.
    public var pValue: Double

    /// The usual rule of thumb: the chi-square approximation is poor below 25 discordant rows.
    public static let exactBelow = 25

    public init(firstOnlyRight b: Int, secondOnlyRight c: Int) {
        firstOnlyRight = max(0, b)
        secondOnlyRight = max(0, c)
        let n = firstOnlyRight + secondOnlyRight
        if n < Self.exactBelow {
            method = .exactBinomial
            let k = min(firstOnlyRight, secondOnlyRight)
            statistic = Double(k)
            pValue = n == 0 ? 1 : min(1, 2 * Self.binomialCDF(k, n: n))
        } else {
            method = .chiSquare
            let excess = max(0, Double(abs(firstOnlyRight - secondOnlyRight)) - 1)
            statistic = excess * excess / Double(n)
            pValue = ChiSquareTest.chiSquareSurvival(statistic, dof: 1)
        }
    }

    /// P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space (exact to rounding for any n).
    static func binomialCDF(_ k: Int, n: Int) -> Double {
        var total = 0.0
        let half = Double(n) * log(0.5)
        for i in 0...k {
            total += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) + half)
        }
        return min(1, total)
    }
}

/// The paired t-test on per-row differences (`scipy.stats.ttest_rel`): the mean difference over
/// its standard error, with n − 1 degrees of freedom, two-sided.
public struct PairedTTest: Sendable, Equatable {
    public var count: Int
    public var meanDifference: Double
    /// Sample standard deviation of the differences (n − 1 in the denominator).
    public var standardDeviation: Double
    public var t: Double
    public var degreesOfFreedom: Int
    /// Two-sided p-value; nil with fewer than two pairs.
    public var pValue: Double?

    /// `differences[i]` = first − second on row i.
    public init(differences d: [Double]) {
        count = d.count
        let n = Double(d.count)
        meanDifference = d.isEmpty ? 0 : d.reduce(0, +) / n
        let mean = meanDifference
        let variance = d.count > 1 ? d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
        standardDeviation = variance.squareRoot()
        degreesOfFreedom = max(0, d.count - 1)
        guard d.count > 1 else {
            t = 0
            pValue = nil
            return
        }
        let se = standardDeviation / n.squareRoot()
        if se == 0 {
            // Every pair differs by the same amount: no doubt about the sign unless it is zero.
            t = mean == 0 ? 0 : (mean > 0 ? .infinity : -.infinity)
            pValue = mean == 0 ? 1 : 0
        } else {
            t = mean / se
            pValue = min(1, 2 * studentTCDF(-abs(t), degreesOfFreedom: Double(degreesOfFreedom)))
        }
    }
}
