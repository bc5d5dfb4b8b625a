import Foundation
import Learning
import Testing

/// McNemar's test and the paired t-test against hand-checked and SciPy values.
@Suite("Paired tests (McNemar, paired t-test)")
struct PairedTestsTests {
    @Test func mcNemarIsExactBinomialBelowTwentyFiveDiscordantRows() {
        // b = 2, c = 8: n = 10, P(X ≤ 2) = (C(10,0) + C(10,1) + C(10,2)) / 2¹⁰ = (1 + 10 + 45) / 1024
        // = 0.0546875, two-sided p = 0.109375 (scipy.stats.binomtest(2, 10, 0.5).pvalue = 0.109375).
        let test = McNemarTest(firstOnlyRight: 2, secondOnlyRight: 8)
        #expect(test.method == .exactBinomial)
        #expect(abs(test.pValue - 0.109375) < 1e-12)
        // b = 0, c = 5: 2 · (1/32) = 0.0625 (binomtest(0, 5, 0.5).pvalue = 0.0625).
        #expect(abs(McNemarTest(firstOnlyRight: 0, secondOnlyRight: 5).pValue - 0.0625) < 1e-12)
        // Symmetric: the p-value does not depend on which model is first.
        #expect(McNemarTest(firstOnlyRight: 8, secondOnlyRight: 2).pValue == test.pValue)
        // No discordant row: no evidence at all.
        #expect(McNemarTest(firstOnlyRight: 0, secondOnlyRight: 0).pValue == 1)
        // b = c = 3: P(X ≤ 3) for n = 6 is 42/64, doubled is above 1, so 1.
        #expect(McNemarTest(firstOnlyRight: 3, secondOnlyRight: 3).pValue == 1)
    }

    @Test func mcNemarIsChiSquareWithContinuityCorrectionFromTwentyFive() {
        // b = 10, c = 25: (|10 − 25| − 1)² / 35 = 196 / 35 = 5.6; P(χ²₁ > 5.6) = 0.01796047752607879
        // (scipy.stats.chi2.sf(196 / 35, 1)).
        let test = McNemarTest(firstOnlyRight: 10, secondOnlyRight: 25)
        #expect(test.method == .chiSquare)
        #expect(abs(test.statistic - 5.6) < 1e-12)
        #expect(abs(test.pValue - 0.01796047752607879) < 1e-9)
        // b = c: the corrected statistic is clamped at 0, p = 1.
        #expect(McNemarTest(firstOnlyRight: 15, secondOnlyRight: 15).pValue == 1)
    }

    @Test func pairedTTestMatchesSciPy() {
        // scipy.stats.ttest_rel(a, b) with
        // a = [1.2, 0.8, 2.5, 1.9, 0.4, 3.1, 1.1, 0.9], b = [1.0, 0.9, 2.0, 1.5, 0.6, 2.4, 1.2, 0.7]
        // gives statistic 1.7638342073763942, pvalue 0.1211222897751655 (SciPy 1.17.1).
        let a = [1.2, 0.8, 2.5, 1.9, 0.4, 3.1, 1.1, 0.9]
        let b = [1.0, 0.9, 2.0, 1.5, 0.6, 2.4, 1.2, 0.7]
        let test = PairedTTest(differences: zip(a, b).map { $0 - $1 })
        #expect(test.degreesOfFreedom == 7)
        #expect(abs(test.t - 1.7638342073763942) < 1e-9)
        #expect(abs((test.pValue ?? -1) - 0.1211222897751655) < 1e-9)
    }

    @Test func pairedTTestEdgeCases() {
        // One pair: no variance to estimate, no p-value.
        #expect(PairedTTest(differences: [0.5]).pValue == nil)
        // Every pair differs by the same nonzero amount: certain of the sign.
        #expect(PairedTTest(differences: [0.5, 0.5, 0.5]).pValue == 0)
        // No difference at all.
        #expect(PairedTTest(differences: [0, 0, 0]).pValue == 1)
    }
}
