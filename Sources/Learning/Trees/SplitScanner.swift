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
    static func resolve(_ choice: CriterionChoice, task: Task, algorithm: String) throws -> SplitCriterion {
        switch (choice, task) {
        case (.auto, .classification), (.gini, .classification): return .gini
        case (.entropy, .classification): return .entropy
        case (.auto, .regression), (.squaredError, .regression): return .squaredError
        default:
            let expected =
                task == .classification ? "gini or entropy for classification" : "squared_error for regression"
            throw LearningError.invalidParameter(
                algorithm: algorithm, name: "criterion", value: choice.rawValue, expected: expected)
        }
    }
}

/// `criterion` of `tree` and `forest`: how a split is scored.
public enum CriterionChoice: String, CaseIterable, Sendable {
    /// gini for classification, squared_error for regression.
    case auto
    case gini
    case entropy
    case squaredError = "squared_error"

    /// The one help text both families show.
    static let help = "split quality: gini/entropy (classification), squared_error (regression); auto picks by task"
}

/// `max_features` of `tree` and `forest`: how many features a split scores.
public enum FeatureBudget: String, CaseIterable, Sendable {
    /// sqrt for classification, all for regression (forest).
    case auto
    case all
    case sqrt
    case log2
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

    /// Width of a node's output: the class count, or 1.
    var valueWidth: Int { isClassification ? classCount : 1 }

    /// Writes the node output for statistics `s` into `out`: class distribution or weighted mean.
    func writeNodeValues(_ s: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let w = s[1]
        if isClassification {
            for c in 0..<classCount { out[c] = w > 0 ? s[2 + c] / w : 1 / Double(classCount) }
        } else {
            out[0] = w > 0 ? s[2] / w : 0
        }
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
/// The caller sets the node totals once (`startNode`), then per feature: `clearMissing()` and adds
/// the missing rows into `missingBuffer`, calls `begin(feature:)`, then alternately adds the rows
/// of one distinct value into `running` and calls `boundary(lower:upper:)` before the next value,
/// and finally `finish(lower:)`. For each boundary both missing-value directions are scored (when the
/// node has missing values in that feature), like scikit-learn ≥ 1.3. Scores are the usual
/// "proxy improvements" (larger is better): Σ over children of Σc²/w (gini), Σc·ln c − w·ln w
/// (entropy) or (Σwy)²/w (squared error). Each evaluation costs O(statistics width).
struct SplitScanner {
    let criterion: SplitCriterion
    let width: Int
    let minSamplesLeaf: Double

    /// Node totals (including missing rows).
    private let total: UnsafeMutablePointer<Double>
    /// Missing rows of the current feature; callers fill it through `missingBuffer`.
    private let missing: UnsafeMutablePointer<Double>
    /// Non-missing rows added so far for the current feature.
    let running: UnsafeMutablePointer<Double>

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
        bestLeft = .allocate(capacity: width)
        for p in [total, missing, running, bestLeft] { p.initialize(repeating: 0, count: width) }
    }

    /// Frees the buffers; the owner calls this once when done.
    func deallocate() {
        for p in [total, missing, running, bestLeft] { p.deallocate() }
    }

    /// Starts a node with totals `stats` and forgets the previous best.
    mutating func startNode(_ stats: UnsafePointer<Double>) {
        total.update(from: stats, count: width)
        bestScore = -.infinity
        bestFeature = -1
    }

    /// Starts feature `f`; the caller has already filled `missingBuffer`.
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

    /// Scores one candidate; runs once per distinct value per feature per node, so it reads the
    /// running sums in place and copies only on improvement.
    @inline(__always)
    private mutating func evaluate(missingLeft: Bool?, lower: Double, upper: Double) {
        let m = missingLeft == true ? 1.0 : 0.0
        let leftCount = running[0] + m * missing[0]
        let rightCount = total[0] - leftCount
        guard leftCount >= minSamplesLeaf, rightCount >= minSamplesLeaf else { return }
        let lw = running[1] + m * missing[1], rw = total[1] - lw
        guard lw > 0, rw > 0 else { return }
        var score: Double
        switch criterion {
        case .gini:
            var sl = 0.0, sr = 0.0
            for j in 2..<width {
                let l = running[j] + m * missing[j], r = total[j] - l
                sl += l * l
                sr += r * r
            }
            score = sl / lw + sr / rw
        case .entropy:
            score = -lw * log(lw) - rw * log(rw)
            for j in 2..<width {
                let l = running[j] + m * missing[j], r = total[j] - l
                if l > 0 { score += l * log(l) }
                if r > 0 { score += r * log(r) }
            }
        case .squaredError:
            let l = running[2] + m * missing[2], r = total[2] - l
            score = l * l / lw + r * r / rw
        }
        guard score > bestScore else { return }
        bestScore = score
        bestFeature = currentFeature
        bestLower = lower
        bestUpper = upper
        // With no missing rows seen, missing values follow the heavier child, like scikit-learn.
        bestMissingLeft = missingLeft ?? (lw >= rw)
        for j in 0..<width { bestLeft[j] = running[j] + m * missing[j] }
    }

    /// True when some feature gave a valid split.
    var found: Bool { bestFeature >= 0 }
}
