public import Tabular

/// A model's inputs and its predictions judged for drift as one family of tests — the one drift
/// rule of `validate`, `drift` and the serving monitor (`DriftOptions.validation` by default):
/// KS (numbers) or chi-square (text) on every feature and on the predictions, p-values adjusted
/// together (Holm), drift where the adjusted p ≤ α and the effect reaches the floor.
public struct DriftJudgement: Sendable, Equatable {
    /// The inputs, decided within the whole family.
    public var inputs: DatasetDrift
    /// The predictions against their reference (out-of-fold predictions), when one was given.
    public var predictions: FeatureDrift?

    /// Judges `current` against `reference`, and `currentPredictions` against
    /// `predictionReference` when both are given, in one family.
    /// - Complexity: O(n log n) per numeric feature for n rows.
    public init(
        reference: ReferenceProfile, current: DataFrame, predictionReference: ReferenceProfile? = nil,
        currentPredictions: Column? = nil, options: DriftOptions = .validation
    ) throws {
        var family = try reference.measure(current, options: options)
        let inputCount = family.count
        if let predictionReference, let currentPredictions {
            family += try predictionReference.measure(try DataFrame(columns: [currentPredictions]), options: options)
        }
        options.decide(&family)
        inputs = options.summarize(Array(family.prefix(inputCount)))
        predictions = family.count > inputCount ? family.last : nil
    }
}
