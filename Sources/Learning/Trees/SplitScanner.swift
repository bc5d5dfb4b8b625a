#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// How the depth-first trees (CART and forest) score a split.
enum SplitCriterion: String, Sendable {
    case gini
    case entropy
    case squaredError = "squared_error"

    /// Resolves the user's `criterion` choice ("auto" picks gini / squared_error by task).
    static func resolve(_ name: String, task: Task, algorithm: String) throws -> SplitCriterion {
        switch (name, task) {
        case ("auto", .classification): return .gini
        case ("auto", .regression): return .squaredError
        case ("gini", .classification), ("entropy", .classification): return SplitCriterion(rawValue: name) ?? .gini
        case ("squared_error", .regression): return .squaredError
        default:
            let expected = task == .classification ? "gini or entropy for classification" : "squared_error for regression"
            throw LearningError.invalidParameter(algorithm: algorithm, name: "criterion", value: name, expected: expected)
        }
    }
}

/// The training rows' targets and weights, read by the scanner one row at a time.
struct TrainingTargets: Sendable {
    /// Class codes (classification) — empty for regression.
    let classes: [Int32]
    /// Target values (regression) — empty for classification.
    let values: [Double]
    let classCount: Int
    /// Per-row weights (bootstrap counts); empty means every row weighs 1.
    var weights: [Double]

    init(_ target: Target, weights: [Double] = []) {
        switch target {
        case .classes(let c, let k):
            classes = c.map { Int32(truncatingIfNeeded: $0) }
            values = []
            classCount = k
        case .values(let v):
            classes = []
            values = v
            classCount = 0
        }
        self.weights = weights
    }

    var isClassification: Bool { classCount > 0 }

    /// Width of a statistics vector: `[count, weight, class weights…]` or `[count, weight, Σwy, Σwy²]`.
    var statsWidth: Int { isClassification ? 2 + classCount : 4 }

    /// Adds row `r` into the statistics vector at `s`.
    @inline(__always)
    func add(row r: Int, to s: UnsafeMutablePointer<Double>) {
        let w = weights.isEmpty ? 1 : weights[r]
        s[0] += 1
        s[1] += w
        if isClassification {
            s[2 + Int(classes[r])] += w
        } else {
            let y = values[r]
            s[2] += w * y
            s[3] += w * y * y
        }
    }

    /// The node output for statistics `s`: class distribution or weighted mean.
    func nodeValues(_ s: UnsafePointer<Double>) -> [Double] {
        let w = s[1]
        if isClassification {
            return (0..<classCount).map { w > 0 ? s[2 + $0] / w : 1 / Double(classCount) }
        }
        return [w > 0 ? s[2] / w : 0]
    }

    /// True when the node cannot be improved: one class only, or constant target.
    func isPure(_ s: UnsafePointer<Double>) -> Bool {
        let w = s[1]
        guard w > 0 else { return true }
        if isClassification {
            for c in 0..<classCount where s[2 + c] > 0 { return s[2 + c] >= w }
            return true
        }
        let mean = s[2] / w
        let variance = s[3] / w - mean * mean
        return variance <= 1e-14 * max(1, mean * mean)
    }
}

/// Finds the best split of one node by streaming its rows (or bins) in increasing feature order.
///
/// The caller sets the node totals once, then per feature: `begin(missing:)`, then alternately
/// `add…` the rows of one distinct value and `boundary(lower:upper:)` before the next value, and
/// finally `finish(lower:)`. For each boundary both missing-value directions are scored (when the
/// node has missing values in that feature), like scikit-learn ≥ 1.3. Scores are the usual
/// "proxy improvements" (larger is better): Σ over children of Σc²/w (gini), Σc·ln c − w·ln w
/// (entropy) or (Σwy)²/w (squared error). Each evaluation costs O(statistics width).
struct SplitScanner {
    let criterion: SplitCriterion
    let width: Int
    let minSamplesLeaf: Double

    /// Node totals (including missing rows).
    private(set) var total: UnsafeMutablePointer<Double>
    /// Missing rows of the current feature.
    private(set) var missing: UnsafeMutablePointer<Double>
    /// Non-missing rows added so far for the current feature.
    let running: UnsafeMutablePointer<Double>
    /// Scratch for a candidate's left child.
    private let candidate: UnsafeMutablePointer<Double>

    // Best split found for the node so far.
    private(set) var bestScore = -Double.infinity
    private(set) var bestFeature = -1
    private(set) var bestLower = 0.0
    private(set) var bestUpper = 0.0
    private(set) var bestMissingLeft = true
    /// Statistics of the best split's left child.
    let bestLeft: UnsafeMutablePointer<Double>
    private var currentFeature = -1
    private var hasMissing = false

    init(criterion: SplitCriterion, width: Int, minSamplesLeaf: Int) {
        self.criterion = criterion
        self.width = width
        self.minSamplesLeaf = Double(max(1, minSamplesLeaf))
        total = .allocate(capacity: width)
        missing = .allocate(capacity: width)
        running = .allocate(capacity: width)
        candidate = .allocate(capacity: width)
        bestLeft = .allocate(capacity: width)
        for p in [total, missing, running, candidate, bestLeft] { p.initialize(repeating: 0, count: width) }
    }

    /// Frees the buffers; the owner calls this once when done.
    func deallocate() {
        for p in [total, missing, running, candidate, bestLeft] { p.deallocate() }
    }

    /// Starts a node with totals `stats` and forgets the previous best.
    mutating func startNode(_ stats: UnsafePointer<Double>) {
        total.update(from: stats, count: width)
        bestScore = -.infinity
        bestFeature = -1
    }

    /// Starts feature `f`; the caller has filled `missing` (zeroed here first via `clearMissing`).
    mutating func begin(feature f: Int) {
        currentFeature = f
        running.update(repeating: 0, count: width)
        hasMissing = missing[0] > 0
    }

    /// Zeroes the missing statistics; call before accumulating a feature's missing rows into `missingBuffer`.
    func clearMissing() { missing.update(repeating: 0, count: width) }
    var missingBuffer: UnsafeMutablePointer<Double> { missing }

    /// Scores the split "rows added so far | the rest" (with missing rows tried on each side).
    @inline(__always)
    mutating func boundary(lower: Double, upper: Double) {
        if hasMissing {
            evaluate(missingLeft: false, lower: lower, upper: upper)
            evaluate(missingLeft: true, lower: lower, upper: upper)
        } else {
            evaluate(missingLeft: nil, lower: lower, upper: upper)
        }
    }

    /// Scores "all non-missing rows | missing rows" once every value was added.
    mutating func finish(lower: Double) {
        if hasMissing && running[0] > 0 {
            evaluate(missingLeft: false, lower: lower, upper: .infinity)
        }
    }

    private mutating func evaluate(missingLeft: Bool?, lower: Double, upper: Double) {
        let inLeft = missingLeft == true
        for j in 0..<width { candidate[j] = running[j] + (inLeft ? missing[j] : 0) }
        let leftCount = candidate[0], rightCount = total[0] - leftCount
        guard leftCount >= minSamplesLeaf, rightCount >= minSamplesLeaf,
              candidate[1] > 0, total[1] - candidate[1] > 0 else { return }
        let score = childScore(candidate, subtractFrom: nil) + childScore(candidate, subtractFrom: total)
        guard score > bestScore else { return }
        bestScore = score
        bestFeature = currentFeature
        bestLower = lower
        bestUpper = upper
        // With no missing rows seen, missing values follow the heavier child, like scikit-learn.
        bestMissingLeft = missingLeft ?? (candidate[1] >= total[1] - candidate[1])
        bestLeft.update(from: candidate, count: width)
    }

    /// Proxy score of the child `s` (or of `from - s` when `from` is given).
    @inline(__always)
    private func childScore(_ s: UnsafeMutablePointer<Double>, subtractFrom from: UnsafeMutablePointer<Double>?) -> Double {
        @inline(__always) func v(_ j: Int) -> Double { from.map { $0[j] - s[j] } ?? s[j] }
        let w = v(1)
        switch criterion {
        case .gini:
            var sq = 0.0
            for j in 2..<width { let c = v(j); sq += c * c }
            return sq / w
        case .entropy:
            var sum = -w * log(w)
            for j in 2..<width { let c = v(j); if c > 0 { sum += c * log(c) } }
            return sum
        case .squaredError:
            let t = v(2)
            return t * t / w
        }
    }

    /// True when some feature gave a valid split.
    var found: Bool { bestFeature >= 0 }
}
