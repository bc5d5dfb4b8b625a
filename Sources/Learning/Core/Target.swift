/// What is being predicted.
public enum Task: String, Sendable, Codable, CaseIterable {
    case classification
    case regression
}

/// The training target: class codes (0..<classCount) for classification, values for regression.
public enum Target: Sendable, Equatable {
    case classes([Int], classCount: Int)
    case values([Double])

    public var task: Task {
        switch self {
        case .classes: .classification
        case .values: .regression
        }
    }

    public var count: Int {
        switch self {
        case .classes(let c, _): c.count
        case .values(let v): v.count
        }
    }

    /// The same target restricted to the rows at `indices`.
    public func selecting(_ indices: [Int]) -> Target {
        switch self {
        case .classes(let c, let k): .classes(indices.map { c[$0] }, classCount: k)
        case .values(let v): .values(indices.map { v[$0] })
        }
    }
}

/// A model's output for a batch of rows.
public enum Prediction: Sendable, Equatable {
    /// One row per input row, one column per class; each row sums to 1.
    case probabilities(Matrix)
    /// One value per input row.
    case values([Double])

    /// The most probable class per row (ties go to the lowest class code).
    public var labels: [Int]? { labels(decision: .mostProbable) }

    /// The class per row under `decision`.
    public func labels(decision: DecisionRule) -> [Int]? {
        guard case .probabilities(let p) = self else { return nil }
        switch decision {
        case .costs: return (0..<p.rows).map { decision.decide(p.row($0)) }
        case .threshold(let t) where p.columns == 2: return (0..<p.rows).map { p[$0, 1] >= t ? 1 : 0 }
        default:
            // In place (no row arrays): evaluate scores a million rows this way.
            return (0..<p.rows).map { r in
                var best = 0
                var bestValue = -Double.infinity
                for c in 0..<p.columns where p[r, c] > bestValue {
                    best = c
                    bestValue = p[r, c]
                }
                return best
            }
        }
    }
}

/// How a classifier turns a row of class probabilities into its label. Probabilities never change.
public enum DecisionRule: Sendable, Equatable {
    /// The most probable class (ties: the lowest class code).
    case mostProbable
    /// Two classes: the second when its probability is at least the threshold, else the first.
    case threshold(Double)
    /// The class with the lowest expected cost, Σᵢ pᵢ · cost[i][j] for deciding j when the truth
    /// is i (rows: true class, columns: decided class, in class order; ties: the lowest code).
    case costs([[Double]])

    public init(threshold: Double?) { self = threshold.map { .threshold($0) } ?? .mostProbable }

    /// The class code `probabilities` (one row, class order) decides.
    public func decide(_ probabilities: [Double]) -> Int {
        switch self {
        case .threshold(let t) where probabilities.count == 2:
            return probabilities[1] >= t ? 1 : 0
        case .costs(let cost) where cost.count == probabilities.count:
            var best = 0
            var bestCost = Double.infinity
            for j in probabilities.indices {
                var expected = 0.0
                for i in probabilities.indices {
                    expected += probabilities[i] * (cost[i].indices.contains(j) ? cost[i][j] : 0)
                }
                if expected < bestCost {
                    best = j
                    bestCost = expected
                }
            }
            return best
        default:
            var best = 0
            var bestValue = -Double.infinity
            for (c, v) in probabilities.enumerated() where v > bestValue {
                best = c
                bestValue = v
            }
            return best
        }
    }

    /// Whether a cost matrix suits `classCount` classes: square, finite, not negative, and some
    /// mistake costs more than nothing.
    public static func validCosts(_ cost: [[Double]], classCount: Int) -> Bool {
        cost.count == classCount
            && cost.allSatisfy { $0.count == classCount && $0.allSatisfy { $0.isFinite && $0 >= 0 } }
            && cost.joined().contains { $0 > 0 }
    }
}
