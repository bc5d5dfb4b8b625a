import Foundation

/// The two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(method='auto')`.
///
/// - Statistic: sup |F₁ − F₂| over the pooled sample. When the exact p-value is used it is
///   snapped to the lattice h / lcm(n₁, n₂), as SciPy does.
/// - p-value: exact when max(n₁, n₂) ≤ 10 000 (SciPy's `MAX_AUTO_N`): equal sizes use the
///   alternating binomial sum (`_compute_prob_outside_square`), unequal sizes Hodges' lattice-path
///   recursion for 1 − p (`_compute_outer_prob_inside_method`, Viehmann 2021). Larger samples, or
///   an exact computation that fails numerically, use SciPy's asymptotic `kstwo.sf(D, round(en))`,
///   en = n₁n₂/(n₁+n₂), as far as `asymptoticSurvival` reproduces it (see there).
public enum KolmogorovSmirnov {
    /// Samples above this size use the asymptotic p-value (SciPy's `MAX_AUTO_N`).
    public static let exactLimit = 10_000

    /// Statistic and p-value; nil when a sample is empty. NaN values must be removed first.
    public static func test(sorted a: [Double], sorted b: [Double]) -> (statistic: Double, pValue: Double)? {
        let n1 = a.count, n2 = b.count
        guard n1 > 0, n2 > 0 else { return nil }
        var d = statistic(sorted: a, sorted: b)
        let g = gcd(n1, n2)
        var p = Double.nan
        var exact = max(n1, n2) <= exactLimit
        if exact {
            let lcm = (n1 / g) * n2
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            d = Double(h) / Double(lcm)
            if h == 0 {
                p = 1
            } else {
                p = n1 == n2 ? probabilityOutsideSquare(n: n1, h: h) : outerProbabilityInside(n1, n2, g: g, h: h)
            }
            if !(p.isFinite && p >= 0 && p <= 1) { exact = false }
        }
        if !exact {
            let m = Double(max(n1, n2)), n = Double(min(n1, n2))
            p = asymptoticSurvival(d, n: (m * n / (m + n)).rounded(.toNearestOrEven))
        }
        return (d, min(max(p, 0), 1))
    }

    /// sup |F₁(x) − F₂(x)| with F evaluated as `searchsorted(side='right') / n` at every pooled value.
    static func statistic(sorted a: [Double], sorted b: [Double]) -> Double {
        let n1 = Double(a.count), n2 = Double(b.count)
        var i = 0, j = 0
        var maxS = -Double.infinity, minS = Double.infinity
        // Visiting distinct pooled values in order gives the same set of differences as SciPy's
        // evaluation at every pooled value.
        while i < a.count || j < b.count {
            let x: Double
            if j >= b.count || (i < a.count && a[i] <= b[j]) { x = a[i] } else { x = b[j] }
            while i < a.count && a[i] <= x { i += 1 }
            while j < b.count && b[j] <= x { j += 1 }
            let difference = Double(i) / n1 - Double(j) / n2
            maxS = max(maxS, difference)
            minS = min(minS, difference)
        }
        let negative = min(max(-minS, 0), 1)
        return negative > maxS ? negative : maxS
    }

    /// P(D ≥ h/n) for two samples of size n: 2·A₀(1 − A₁(1 − A₂(…))) evaluated Horner-style.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var probability = 0.0
        var k = n / h
        while k >= 0 {
            var p1 = 1.0
            for j in 0..<h {
                p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
            }
            probability = p1 * (1 - probability)
            k -= 1
        }
        return 2 * probability
    }

    /// Share of lattice paths (0,0)→(m,n) that leave the band |x/m − y/n| < h/lcm, computed as a
    /// sliding column of 1 − p values so no binomial coefficient is ever formed.
    static func outerProbabilityInside(_ first: Int, _ second: Int, g: Int, h: Int) -> Double {
        let m = max(first, second), n = min(first, second)
        let mg = m / g, ng = n / g
        var minj = 0
        var maxj = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var currentLength = maxj - minj
        let length = min(2 * maxj + 2, n + 1)
        var column = [Double](repeating: 1, count: length)
        for j in minj..<maxj { column[j] = 0 }
        for i in 1...m {
            let lastMinj = minj, lastLength = currentLength
            minj = max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0)
            minj = min(minj, n)
            maxj = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
            if maxj <= minj { return 1 }
            var value = minj == 0 ? 0.0 : 1.0
            for jj in 0..<(maxj - minj) {
                let j = jj + minj
                let carried = jj + minj - lastMinj
                let previous = carried < column.count ? column[carried] : 1
                value = (previous * Double(i) + value * Double(j)) / Double(i + j)
                column[jj] = value
            }
            currentLength = maxj - minj
            if lastLength > currentLength {
                // Entries past the new window were outside the band: their 1 − p is 1.
                let low = maxj - minj, high = min(low + (lastLength - currentLength), column.count)
                if low < high { for k in low..<high { column[k] = 1 } }
            }
        }
        return column[maxj - minj - 1]
    }

    /// P(Dₙ ≥ x) for SciPy's asymptotic branch, `kstwo.sf(x, n)` with n = round(n₁n₂/(n₁+n₂)).
    /// Where SciPy uses the Pelz–Good expansion (n > 140, n·x² < 2.2, n·x^1.5 > 1.4 — the
    /// region around the usual 5 % decision) this uses it too and agrees to ~1e-12; elsewhere
    /// (p below ~0.025, or p near 1) it uses Kolmogorov's limit Q(√n·x) where SciPy uses
    /// Smirnov's / Durbin's exact finite-n forms, a difference of up to a few percent relative.
    static func asymptoticSurvival(_ x: Double, n: Double) -> Double {
        if x <= 0 { return 1 }
        if x >= 1 { return 0 }
        let nx2 = n * x * x
        if n > 140 && nx2 < 2.2 && !(n <= 100_000 && n * pow(x, 1.5) <= 1.4) {
            return min(max(1 - pelzGoodCDF(n: n, x: x), 0), 1)
        }
        return kolmogorovSurvival(n.squareRoot() * x)
    }

    /// Pelz & Good (1976) expansion of P(Dₙ ≤ x): K₀ + K₁/√n + K₂/n + K₃/n^1.5 in z = √n·x, the
    /// theta-function form for small z (as `scipy.stats._ksstats._kolmogn_PelzGood`).
    static func pelzGoodCDF(n: Double, x: Double) -> Double {
        let z = n.squareRoot() * x
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let qLog = -pi2 / 8 / z2
        if qLog < -708 { return 0 }
        var q = exp(qLog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * z4 * z4
        var terms = [0.0, 0.0, 0.0, 0.0]
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        let sqrt2Pi = (2 * Double.pi).squareRoot()
        // Horner over odd m = 2k − 1 of c(m) q^(m²).
        for k in stride(from: maxK, through: 1, by: -1) {
            let m = Double(2 * k - 1)
            let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
            let qPower = pow(q, Double(8 * k))
            let coefficients = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
            for i in 0..<4 { terms[i] = terms[i] * qPower + coefficients[i] }
        }
        let divisors = [z, 6 * z4, 72 * z4 * z3, 6480 * z6 * z4]
        for i in 0..<4 { terms[i] = terms[i] * q * sqrt2Pi / divisors[i] }
        // The K₂ and K₃ sums over all integers k.
        q = exp(-pi2 / 2 / z2)
        var k2Extra = 0.0, k3Extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        for k in stride(from: maxK, through: 1, by: -1) {
            let kk = Double(k * k)
            let qk = pow(q, kk)
            let kPi = Double.pi * Double(k)
            k2Extra += kk * qk
            k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * kk * qk
        }
        terms[2] += k2Extra * pi2 * sqrt2Pi / (-36 * z3)
        terms[3] += k3Extra * pi2 * sqrt2Pi / (216 * z6)
        var total = 0.0
        for i in 0..<4 { total += terms[i] / pow(n, Double(i) / 2) }
        return total
    }

    /// Kolmogorov's limiting survival function Q(t) = 2 Σ (−1)^(k−1) e^(−2k²t²)
    /// (`scipy.special.kolmogorov`); for small t the Jacobi-theta form converges faster.
    static func kolmogorovSurvival(_ t: Double) -> Double {
        guard t > 0 else { return 1 }
        if t < 1 {
            // 1 − (√(2π)/t) Σ e^(−(2k−1)²π²/(8t²))
            var sum = 0.0
            for k in 1...20 {
                let odd = Double(2 * k - 1)
                sum += exp(-odd * odd * Double.pi * Double.pi / (8 * t * t))
            }
            return min(max(1 - (2 * Double.pi).squareRoot() / t * sum, 0), 1)
        }
        var sum = 0.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * t * t)
            sum += (k % 2 == 1 ? term : -term)
            if term < 1e-18 { break }
        }
        return min(max(2 * sum, 0), 1)
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
