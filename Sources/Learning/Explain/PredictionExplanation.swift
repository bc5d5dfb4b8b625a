import Foundation
import Tabular

/// How the per-feature contributions were obtained, and so how far they can be trusted.
public enum ExplanationMethod: String, Sendable, Codable, Equatable {
    /// Linear model: coefficient × encoded value, exact.
    case linear
    /// Tree, forest or boost: path-dependent TreeSHAP, exact Shapley values of the tree model.
    case treeSHAP = "tree_shap"
    /// Other algorithms: change when a feature is replaced by its training median / most
    /// frequent level. Approximate: contributions need not add up to the prediction.
    case occlusion
}

/// The quantity the contributions are measured in.
public enum ExplanationScale: String, Sendable, Codable, Equatable {
    /// log(p(class) / p(other class)) — binary linear and boost models.
    case logOdds = "log_odds"
    /// The class's softmax score (log p(class) up to the shared normaliser) — multiclass linear
    /// and boost models.
    case logit
    /// The class probability — tree and forest classifiers, occlusion.
    case probability
    /// The predicted value — regression.
    case value
}

/// One input column's share of a prediction.
public struct FeatureContribution: Sendable, Codable, Equatable {
    /// The input column.
    public var feature: String
    /// Its value in the explained row, as text ("" when missing).
    public var value: String
    /// Signed push on the explained output, in `PredictionExplanation.scale` units.
    public var contribution: Double
}

/// Why one row got its prediction: a base value plus a contribution per input column.
public struct PredictionExplanation: Sendable, Codable, Equatable {
    public var method: ExplanationMethod
    public var scale: ExplanationScale
    /// The class whose score is explained (classification), nil for regression.
    public var explainedClass: String?
    /// The predicted label, or the predicted value as text.
    public var predicted: String
    /// The output with no feature known: the intercept (linear), the cover-weighted mean (trees),
    /// or the output at the all-typical row (occlusion).
    public var baseValue: Double
    /// The model's output for the row on `scale`; equals base + Σ contributions except for
    /// occlusion.
    public var output: Double
    /// Sorted by decreasing magnitude.
    public var contributions: [FeatureContribution]
    /// Linear classifiers only: p(class) minus p(class) with that feature at its training mean
    /// (numbers: the mean; text: the training level shares), one feature at a time. Sorted like
    /// `contributions`. Not additive: the softmax is not linear.
    public var probabilityChanges: [FeatureContribution]?

    /// Plain-language lines, largest first, e.g.
    /// "flipper_length_mm = 221 pushed the prediction toward Gentoo (+0.34)".
    public func readings(limit: Int = 5) -> [String] {
        contributions.prefix(max(0, limit)).map { c in
            let amount = (c.contribution >= 0 ? "+" : "−") + formatAmount(abs(c.contribution))
            let value = c.value.isEmpty ? "(missing)" : c.value
            let direction: String
            if let target = explainedClass {
                direction = c.contribution >= 0 ? "toward \(target)" : "away from \(target)"
            } else {
                direction = c.contribution >= 0 ? "up" : "down"
            }
            let verb = method == .occlusion ? "moves the prediction" : "pushed the prediction"
            return "\(c.feature) = \(value) \(verb) \(direction) (\(amount) \(scaleName))"
        }
    }

    private var scaleName: String {
        switch scale {
        case .logOdds: "log-odds"
        case .logit: "logit"
        case .probability: "probability"
        case .value: "units"
        }
    }

    /// Three significant digits: enough to rank, short enough to read.
    private func formatAmount(_ x: Double) -> String { String(format: "%.3g", x) }
}
