import Bundles
import Learning
import Tabular
import Testing
@testable import Serving

/// The serving monitor judges drift with validate's rule: predictions are tested against the
/// out-of-fold predictions in the features' family, never against the training-row predictions.
@Suite("Serving: validate's drift rule")
struct MonitorDriftRuleTests {
    /// A model that fits its training rows perfectly predicts "a" for all of them; out of fold it
    /// predicts a and b half and half, as it does on the window. Against out-of-fold predictions
    /// nothing drifted; against training-row predictions everything would have.
    @Test func predictionsAreTestedAgainstOutOfFoldPredictions() throws {
        let rows = 200, window = 100
        let x = Tabular.Column(name: "x", data: .numeric((0..<rows).map { Double($0 % 50) }))
        let reference = try DataFrame(columns: [x])
        let training = ReferenceProfile(
            column: Tabular.Column(
                name: "prediction", data: .categorical(codes: [Int32](repeating: 0, count: rows), levels: ["a", "b"])))
        let outOfFold = ReferenceProfile(
            column: Tabular.Column(
                name: "prediction", data: .categorical(codes: (0..<rows).map { Int32($0 % 2) }, levels: ["a", "b"])))
        let features = [FeatureSpec(column: x, rows: Array(0..<rows))]
        let inputs: [[JSONScalar]] = (0..<window).map { [.number(Double($0 % 50))] }
        let outputs: [JSONScalar] = (0..<window).map { .text($0 % 2 == 0 ? "a" : "b") }
        func summary(_ outOfFold: ReferenceProfile?) throws -> MonitoringSummary {
            let bundle = BundleReference(
                rows: rows, inputs: try ReferenceProfile(frame: reference), predictions: training, outOfFold: outOfFold)
            return MonitoringSummary.compute(
                model: "m", reference: bundle, features: features, classes: ["a", "b"], inputs: inputs,
                outputs: outputs,
                requests: [], rowsScored: window, options: MonitorOptions())
        }
        let tested = try #require(try summary(outOfFold).predictions)
        #expect(!tested.drifted)
        // One family of two tests (x and the predictions): Holm's adjustment of both raw p-values.
        let feature = try #require(try summary(outOfFold).features.first)
        let raw = [try #require(feature.pValue), try #require(tested.pValue)]
        #expect([feature.adjustedPValue, tested.adjustedPValue].compactMap { $0 } == MultipleTesting.holm(raw))
        #expect(
            feature.threshold == DriftOptions.validation.pValueThreshold
                && feature.minimumEffect == DriftOptions.validation.minimumEffect)
        // An older bundle without out-of-fold predictions: shown, not tested.
        let untested = try #require(try summary(nil).predictions)
        #expect(!untested.drifted && untested.adjustedPValue == nil && untested.psi != nil)
        #expect(try summary(nil).features.first?.adjustedPValue == feature.pValue)
    }
}
