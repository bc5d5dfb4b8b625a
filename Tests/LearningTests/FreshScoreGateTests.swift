import Testing

@testable import Learning

/// The fresh-data gate by hand: the line is cross-validation's mean moved by the tolerance, and
/// only an interval wholly past it fails.
@Suite("Fresh-score gate")
struct FreshScoreGateTests {
    func interval(_ lower: Double, _ upper: Double) -> ScoreInterval {
        ScoreInterval(lower: lower, upper: upper, method: .bootstrap, level: 0.95)
    }

    @Test func accuracyBelowCrossValidation() throws {
        // Cross-validation 0.90, tolerance 0.05: the line is 0.85. Fresh 0.80 is 0.10 short.
        #expect(
            FreshScoreGate.metric(
                higherIsBetter: true, fresh: 0.87, interval: nil, crossValidationMean: 0.9, tolerance: 0.05) == nil)
        let point = try #require(
            FreshScoreGate.metric(
                higherIsBetter: true, fresh: 0.8, interval: nil, crossValidationMean: 0.9, tolerance: 0.05))
        #expect(point.outcome == .fails && abs(point.shortfall - 0.1) < 1e-12 && abs(point.line - 0.85) < 1e-12)
        let reaching = try #require(
            FreshScoreGate.metric(
                higherIsBetter: true, fresh: 0.8, interval: interval(0.7, 0.86), crossValidationMean: 0.9,
                tolerance: 0.05))
        #expect(reaching.outcome == .withinSamplingError)
        let short = try #require(
            FreshScoreGate.metric(
                higherIsBetter: true, fresh: 0.8, interval: interval(0.7, 0.84), crossValidationMean: 0.9,
                tolerance: 0.05))
        #expect(short.outcome == .fails)
    }

    @Test func anErrorAboveCrossValidation() throws {
        // RMSE: lower is better. Cross-validation 10, tolerance 1: the line is 11.
        let gate = try #require(
            FreshScoreGate.metric(
                higherIsBetter: false, fresh: 13, interval: interval(10.5, 15), crossValidationMean: 10,
                tolerance: 1))
        #expect(gate.shortfall == 3 && gate.line == 11 && gate.outcome == .withinSamplingError)
        let past = try #require(
            FreshScoreGate.metric(
                higherIsBetter: false, fresh: 13, interval: interval(11.5, 15), crossValidationMean: 10, tolerance: 1))
        #expect(past.outcome == .fails)
    }

    /// R²_cv 0.5 and RMSE_cv 50 imply V = 50² / 0.5 = 5,000; a fresh RMSE of 60 is skill
    /// 1 − 3,600 / 5,000 = 0.28, 0.22 short of 0.5; its interval from RMSE 52–70 is 0.02–0.4592,
    /// which reaches the line 0.45.
    @Test func rSquaredOnCrossValidationsErrorScale() throws {
        let decided = try #require(
            FreshScoreGate.errorScale(
                freshRMSE: 60, rmseInterval: interval(52, 70), crossValidationR2: 0.5, crossValidationRMSE: 50,
                tolerance: 0.05))
        let gate = try #require(decided)
        #expect(abs(gate.fresh - 0.28) < 1e-12 && abs(gate.shortfall - 0.22) < 1e-12)
        #expect(abs((gate.interval?.lower ?? 0) - 0.02) < 1e-12 && abs((gate.interval?.upper ?? 0) - 0.4592) < 1e-12)
        #expect(gate.outcome == .withinSamplingError)
        // RMSE 51: skill 1 − 2,601/5,000 = 0.4798, within tolerance.
        let close = FreshScoreGate.errorScale(
            freshRMSE: 51, rmseInterval: nil, crossValidationR2: 0.5, crossValidationRMSE: 50, tolerance: 0.05)
        #expect(close != nil && close! == nil)
        // R²_cv 1 leaves no variance to scale by.
        #expect(
            FreshScoreGate.errorScale(
                freshRMSE: 60, rmseInterval: nil, crossValidationR2: 1, crossValidationRMSE: 50, tolerance: 0.05)
                == nil)
    }
}
