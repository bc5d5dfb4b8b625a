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
    public var labels: [Int]? { labels(threshold: nil) }

    /// The class per row under a decision threshold: with two classes and a threshold t, class 1
    /// when its probability is at least t; otherwise the most probable class (ties: lowest code).
    public func labels(threshold: Double?) -> [Int]? {
        guard case .probabilities(let p) = self else { return nil }
        return (0..<p.rows).map { r in
            if let threshold, p.columns == 2 { return p[r, 1] >= threshold ? 1 : 0 }
            var best = 0
            var bestValue = -Double.infinity
            for c in 0..<p.columns where p[r, c] > bestValue {
                best = c
                bestValue = p[r, c]
            }
            return best
        }
    }

    /// `labels(threshold:)` for one row of probabilities.
    public static func decidedClass(_ probabilities: [Double], threshold: Double?) -> Int {
        if let threshold, probabilities.count == 2 { return probabilities[1] >= threshold ? 1 : 0 }
        var best = 0
        var bestValue = -Double.infinity
        for (c, v) in probabilities.enumerated() where v > bestValue {
            best = c
            bestValue = v
        }
        return best
    }
}
