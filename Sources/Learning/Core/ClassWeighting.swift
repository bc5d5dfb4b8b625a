/// How much each training row of a classifier counts, by its class: scikit-learn's `class_weight`.
///
/// A row of class c counts `weight(c)` times wherever a fit counts rows: in the mean loss (linear,
/// mlp), in a tree's class counts and impurities (tree, forest — times the bootstrap count), in the
/// gradients and hessians (boost), in the class shares (baseline). Row counts that are rules
/// (`min_samples_leaf`, `min_samples_split`) stay unweighted, as in scikit-learn.
public enum ClassWeighting {
    /// The hyperparameter's name in every family that honours it.
    public static let parameterName = "class_weight"

    /// The setting each family adds to its hyperparameters.
    public static func field<Owner>(_ property: any WritableKeyPath<Owner, ClassWeight> & Sendable) -> Hyperparameter<
        Owner
    > {
        .choice(
            parameterName, property,
            help:
                "classification: balanced counts each row n / (classes · rows of its class), as scikit-learn's class_weight='balanced'; none counts every row once"
        )
    }

    /// scikit-learn's `compute_class_weight('balanced')`: n / (classes present · rows of class c)
    /// per class code; 0 for a class with no rows (it has no row to weigh). The weights of all rows
    /// add up to n.
    public static func balanced(codes: [Int], classCount: Int) -> [Double] {
        var counts = [Int](repeating: 0, count: classCount)
        for c in codes where c >= 0 && c < classCount { counts[c] += 1 }
        let present = Double(counts.filter { $0 > 0 }.count)
        let n = Double(codes.count)
        return counts.map { $0 == 0 ? 0 : n / (present * Double($0)) }
    }

    /// The weight of every row of `y` under the algorithm's `class_weight`, or nil when every row
    /// weighs 1 (`none`).
    /// - Throws: `LearningError.invalidParameter` for class weights on a regression target.
    static func rowWeights(_ setting: ClassWeight, _ y: Target, algorithm: String) throws -> [Double]? {
        guard setting == .balanced else { return nil }
        switch y {
        case .classes(let codes, let classCount):
            let perClass = balanced(codes: codes, classCount: classCount)
            return codes.map { perClass[$0] }
        case .values:
            throw LearningError.invalidParameter(
                algorithm: algorithm, name: parameterName, value: setting.rawValue,
                expected: "none for regression (class weights apply to classification)")
        }
    }
}

/// `class_weight`: how rows of a classifier count by class.
public enum ClassWeight: String, CaseIterable, Sendable {
    /// Every row counts once.
    case none
    /// scikit-learn's `class_weight='balanced'`.
    case balanced
}
