import Tabular
import Testing
@testable import Learning

/// Hand-checked cases for the statistics behind validate's verdicts: multiple-testing
/// adjustment, score intervals and the tested drift rule.
@Suite("Validation statistics")
struct ValidationStatisticsTests {
    // p = [0.01, 0.04, 0.03, 0.005]; sorted 0.005 (#3), 0.01 (#0), 0.03 (#2), 0.04 (#1), m = 4.
    private let p = [0.01, 0.04, 0.03, 0.005]

    @Test func holmByHand() {
        // 4·0.005 = 0.02; max(0.02, 3·0.01 = 0.03) = 0.03; max(0.03, 2·0.03 = 0.06) = 0.06;
        // max(0.06, 1·0.04) = 0.06 → in input order [0.03, 0.06, 0.06, 0.02] (statsmodels "holm").
        let adjusted = MultipleTesting.holm(p)
        for (a, b) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { #expect(isClose(a, b, tolerance: 1e-12)) }
        #expect(MultipleTesting.holm([]) == [])
        #expect(MultipleTesting.holm([0.7, 0.9]) == [1, 1])  // 2·0.7 capped at 1
    }

    @Test func benjaminiHochbergByHand() {
        // From the largest: 4·0.04/4 = 0.04; min(0.04, 4·0.03/3 = 0.04) = 0.04;
        // min(0.04, 4·0.01/2 = 0.02) = 0.02; min(0.02, 4·0.005/1 = 0.02) = 0.02
        // → [0.02, 0.04, 0.04, 0.02] (statsmodels "fdr_bh").
        let adjusted = MultipleTesting.benjaminiHochberg(p)
        for (a, b) in zip(adjusted, [0.02, 0.04, 0.04, 0.02]) { #expect(isClose(a, b, tolerance: 1e-12)) }
        // Bonferroni: 4·p capped at 1.
        for (a, b) in zip(MultipleTesting.bonferroni(p), [0.04, 0.16, 0.12, 0.02]) {
            #expect(isClose(a, b, tolerance: 1e-12))
        }
    }

    @Test func wilsonByHand() throws {
        // 8 of 10, z = 1.959964: centre = (0.8 + z²/20) / (1 + z²/10) = 0.992073 / 1.384146 = 0.716738;
        // half = z·√(0.016 + z²/400) / 1.384146 = 0.226578 → (0.490162, 0.943318),
        // statsmodels proportion_confint(8, 10, method="wilson").
        let i = try #require(ScoreInterval.wilson(successes: 8, trials: 10))
        #expect(isClose(i.lower, 0.4901624715, tolerance: 1e-9))
        #expect(isClose(i.upper, 0.9433178485, tolerance: 1e-9))
        // 0 of 5 stays inside [0, 1]: (0, z²/(5 + z²)) = (0, 3.841459 / 8.841459 = 0.434482).
        let zero = try #require(ScoreInterval.wilson(successes: 0, trials: 5))
        #expect(zero.lower == 0 && isClose(zero.upper, 0.4344824648, tolerance: 1e-9))
        #expect(ScoreInterval.wilson(successes: 1, trials: 0) == nil)
    }

    @Test func bootstrapIsSeededAndBracketsTheScore() throws {
        let r2 = try #require(MetricCatalog.named("r2"))
        let truth = (0..<60).map { Double($0) }
        let predicted = truth.enumerated().map { $1 + ($0 % 3 == 0 ? 4.0 : -2.0) }
        let a = try #require(
            ScoreInterval.bootstrap(metric: r2, target: .values(truth), prediction: .values(predicted), seed: 7))
        let b = try #require(
            ScoreInterval.bootstrap(metric: r2, target: .values(truth), prediction: .values(predicted), seed: 7))
        #expect(a == b)
        let point = r2.value(Scores(target: .values(truth), prediction: .values(predicted)))
        #expect(a.lower < point && point < a.upper)
        #expect(a.method == .bootstrap)
    }

    /// Accuracy uses Wilson: 3 of 4 right → Wilson(3, 4).
    @Test func accuracyUsesWilson() throws {
        let accuracy = try #require(MetricCatalog.named("accuracy"))
        let probabilities = Matrix([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
        let i = try #require(
            ScoreInterval.of(
                metric: accuracy, target: .classes([0, 1, 1, 1], classCount: 2),
                prediction: .probabilities(probabilities), seed: 1))
        #expect(i == ScoreInterval.wilson(successes: 3, trials: 4))
    }

    /// Under the tested rule a near-constant column (all 0 but a few 1s) does not drift on noise,
    /// a strong shift does, and the adjusted p-values are Holm's of the raw ones.
    @Test func testedRuleNeedsSignificanceAndEffect() throws {
        var generator = SeededGenerator(seed: 3)
        let n = 800, m = 200
        let nearConstant = (0..<n).map { $0 % 100 == 0 ? 1.0 : 0.0 }
        let nearConstantFresh = (0..<m).map { $0 % 50 == 0 ? 1.0 : 0.0 }
        let normal = (0..<n).map { _ in generator.nextGaussian() }
        let shifted = (0..<m).map { _ in generator.nextGaussian() + 1.0 }
        let reference = try DataFrame(columns: [
            Column(name: "pixel", data: .numeric(nearConstant)), Column(name: "x", data: .numeric(normal)),
        ])
        let current = try DataFrame(columns: [
            Column(name: "pixel", data: .numeric(nearConstantFresh)), Column(name: "x", data: .numeric(shifted)),
        ])
        let drift = try DriftDetector.compare(reference: reference, current: current, options: .validation)
        #expect(drift.driftedFeatures == ["x"])
        let raw = drift.features.map { $0.pValue ?? 1 }
        #expect(drift.features.map { $0.adjustedPValue ?? -1 } == MultipleTesting.holm(raw))
        // The pixel's KS distance is |0.99 − 0.98| = 0.01, far below the 0.1 effect floor.
        #expect(isClose(drift.features[0].effect ?? 1, 0.01, tolerance: 1e-9))
    }

    /// Total variation distance of level shares: reference a/b = 0.5/0.5, current 0.8/0.2 → 0.3.
    @Test func categoricalEffectIsTotalVariation() throws {
        let reference = try DataFrame(columns: [
            Column(name: "c", data: .categorical(codes: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], levels: ["a", "b"]))
        ])
        let current = try DataFrame(columns: [
            Column(name: "c", data: .categorical(codes: [0, 0, 0, 0, 1], levels: ["a", "b"]))
        ])
        let drift = try DriftDetector.compare(reference: reference, current: current, options: .validation)
        #expect(isClose(drift.features[0].effect ?? 0, 0.3, tolerance: 1e-12))
        #expect(drift.features[0].decidedBy == .chiSquare)
    }
    /// A feature with the given raw p-value and effect, undecided (as `measure` leaves it).
    private func feature(_ name: String, p: Double, effect: Double) -> FeatureDrift {
        FeatureDrift(
            name: name, kind: .number, psi: 0, psiBand: .stable, ks: KSResult(statistic: effect, pValue: p),
            chiSquare: nil,
            jensenShannon: nil, wasserstein: nil, decidedBy: .kolmogorovSmirnov, drifted: false,
            referenceMissingRate: 0,
            currentMissingRate: 0, effect: effect)
    }

    /// The verdict's 5 % false-alarm budget is shared: the metric gate spends one side of its 95 %
    /// interval (2.5 %), the drift family the rest, so a lone feature at Holm-adjusted 0.03 no
    /// longer drifts (it did at 5 %), one at 0.02 does, and one exactly at 0.025 does (adjusted p ≤
    /// α rejects, as statsmodels decides).
    @Test func driftFamilySharesTheVerdictsBudget() {
        let options = DriftOptions.validation
        #expect(options.pValueThreshold == 0.025)
        #expect(options.pValueThreshold + (1 - 0.95) / 2 <= 0.05 + 1e-12)
        // One test: Holm's adjusted p is the raw p.
        for (p, drifts) in [(0.03, false), (0.02, true), (0.025, true)] {
            var family = [feature("x", p: p, effect: 0.2)]
            options.decide(&family)
            #expect(family[0].drifted == drifts, "p \(p)")
        }
        // Significant but below the effect floor: no drift.
        var small = [feature("x", p: 1e-6, effect: 0.05)]
        options.decide(&small)
        #expect(!small[0].drifted)
    }

    /// Inputs and predictions are one family: the adjusted p-values are Holm's over both, and
    /// without predictions the judgement is `compare`'s.
    @Test func judgementAdjustsInputsAndPredictionsTogether() throws {
        var generator = SeededGenerator(seed: 11)
        let reference = try DataFrame(
            columns: (0..<3).map { j in
                Column(name: "x\(j)", data: .numeric((0..<300).map { _ in generator.nextGaussian() }))
            })
        let current = try DataFrame(
            columns: (0..<3).map { j in
                Column(
                    name: "x\(j)", data: .numeric((0..<100).map { _ in generator.nextGaussian() + (j == 0 ? 1 : 0) }))
            })
        let profile = try ReferenceProfile(frame: reference, sampleCap: nil)
        let predictions = ReferenceProfile(
            column: Column(name: "prediction", data: .numeric((0..<300).map { _ in generator.nextGaussian() })),
            sampleCap: nil)
        let fresh = Column(name: "prediction", data: .numeric((0..<100).map { _ in generator.nextGaussian() + 0.1 }))
        let judgement = try DriftJudgement(
            reference: profile, current: current, predictionReference: predictions, currentPredictions: fresh)
        let prediction = try #require(judgement.predictions)
        let raw = judgement.inputs.features.map { $0.pValue ?? 1 } + [prediction.pValue ?? 1]
        let adjusted = judgement.inputs.features.map { $0.adjustedPValue ?? -1 } + [prediction.adjustedPValue ?? -1]
        #expect(adjusted == MultipleTesting.holm(raw))
        #expect(judgement.inputs.driftedFeatures == ["x0"])
        let alone = try DriftJudgement(reference: profile, current: current)
        #expect(alone.predictions == nil)
        #expect(alone.inputs == (try profile.compare(current, options: .validation)))
    }
}
