#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The corrected resampled t-test of Nadeau & Bengio (2003) for two models scored on the same
/// cross-validation folds.
///
/// Plain paired t-tests over CV folds are overconfident because training sets overlap; the
/// correction inflates the variance by `n_test / n_train`:
/// `t = mean(d) / sqrt((1/k + n_test/n_train) · var(d))`, with k − 1 degrees of freedom.
public struct CorrectedTTest: Sendable, Equatable {
    public var t: Double
    public var degreesOfFreedom: Int
    /// One-sided p-value for "the first model scores higher than the second".
    public var pValue: Double

    /// `first` and `second` are per-fold scores (higher is better), in the same fold order.
    public init(first: [Double], second: [Double], testFraction: Double) {
        let k = first.count
        let d = zip(first, second).map { $0 - $1 }
        let mean = d.reduce(0, +) / Double(k)
        let variance = k > 1 ? d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(k - 1) : 0
        let ratio = testFraction / (1 - testFraction)
        let se = ((1 / Double(k) + ratio) * variance).squareRoot()
        degreesOfFreedom = max(1, k - 1)
        if se == 0 {
            t = mean == 0 ? 0 : (mean > 0 ? .infinity : -.infinity)
        } else {
            t = mean / se
        }
        pValue = 1 - studentTCDF(t, degreesOfFreedom: Double(degreesOfFreedom))
    }
}

/// P(T ≤ t) for Student's t with ν degrees of freedom, via the regularized incomplete beta function.
public func studentTCDF(_ t: Double, degreesOfFreedom nu: Double) -> Double {
    if t.isNaN { return .nan }
    if t == .infinity { return 1 }
    if t == -.infinity { return 0 }
    let x = nu / (nu + t * t)
    let tail = 0.5 * regularizedIncompleteBeta(x, a: nu / 2, b: 0.5)
    return t > 0 ? 1 - tail : tail
}

/// I_x(a, b) by the continued fraction of Numerical Recipes (Lentz's method).
public func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x))
    // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use symmetry otherwise.
    if x < (a + 1) / (a + b + 2) {
        return front * betaContinuedFraction(x, a: a, b: b) / a
    }
    return 1 - front * betaContinuedFraction(1 - x, a: b, b: a) / b
}

private func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...300 {
        let m = Double(m)
        let m2 = 2 * m
        var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
        d = 1 + aa * d
        if abs(d) < tiny { d = tiny }
        c = 1 + aa / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        h *= d * c
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
        d = 1 + aa * d
        if abs(d) < tiny { d = tiny }
        c = 1 + aa / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15 { break }
    }
    return h
}
