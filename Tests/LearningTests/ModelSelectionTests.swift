import Testing
@testable import Learning

@Suite("Model selection: splits, folds, corrected t-test")
struct ModelSelectionTests {
    @Test(arguments: [UInt64(1), 7, 42])
    func splitPartitionsRowsExactly(seed: UInt64) {
        let strata = (0..<103).map { $0 % 3 == 0 ? 0 : ($0 % 3 == 1 ? 1 : 2) }
        for s in [nil, strata] {
            let parts = trainTestSplit(rowCount: 103, testFraction: 0.2, strata: s, seed: seed)
            #expect(parts.test.count == 21)  // ceil(0.2 × 103)
            #expect(Set(parts.train).isDisjoint(with: parts.test))
            #expect((parts.train + parts.test).sorted() == Array(0..<103))
            #expect(parts.train == parts.train.sorted())
        }
    }

    @Test func stratifiedSplitKeepsShares() {
        // 150 rows, 3 classes of 50: a 20% test part has exactly 10 of each.
        let strata = (0..<150).map { $0 / 50 }
        let parts = trainTestSplit(rowCount: 150, testFraction: 0.2, strata: strata, seed: 3)
        let counts = (0..<3).map { c in parts.test.filter { strata[$0] == c }.count }
        #expect(counts == [10, 10, 10])
    }

    @Test func splitIsDeterministic() {
        #expect(
            trainTestSplit(rowCount: 50, testFraction: 0.3, seed: 9)
                == trainTestSplit(rowCount: 50, testFraction: 0.3, seed: 9))
        #expect(
            trainTestSplit(rowCount: 50, testFraction: 0.3, seed: 9)
                != trainTestSplit(rowCount: 50, testFraction: 0.3, seed: 10))
    }

    @Test func foldsPartitionAndStratify() {
        let strata = (0..<100).map { $0 < 70 ? 0 : 1 }
        let folds = KFold.folds(rowCount: 100, k: 5, strata: strata, seed: 1)
        #expect(folds.flatMap { $0 }.sorted() == Array(0..<100))
        for fold in folds {
            #expect(fold.count == 20)
            // 70/30 classes → 14 and 6 per fold.
            #expect(fold.filter { strata[$0] == 0 }.count == 14)
        }
        let plain = KFold.folds(rowCount: 11, k: 3, seed: 2)
        #expect(plain.map(\.count).sorted() == [3, 4, 4])
        #expect(KFold.trainingRows(of: 0, folds: plain, rowCount: 11).count == 11 - plain[0].count)
    }

    /// Reference values from scipy.stats.t.cdf.
    @Test(arguments: [
        (2.0, 4.0, 0.9419417382415922), (-1.5, 9.0, 0.08392532802853753), (0.0, 3.0, 0.5),
        (3.2, 1.0, 0.9035887520207704),
    ])
    func studentT(t: Double, nu: Double, expected: Double) {
        #expect(abs(studentTCDF(t, degreesOfFreedom: nu) - expected) < 1e-10)
    }

    @Test func correctedTTestByHand() {
        // d = [0.02, 0.01, 0.03, 0.00, 0.04]: mean 0.02, var (ddof 1) = 0.00025
        // k = 5, test fraction 0.2 → n_test/n_train = 0.25; se = sqrt((0.2 + 0.25) · 0.00025) = 0.010607
        // t = 0.02 / 0.010607 = 1.8856, df 4.
        let test = CorrectedTTest(
            first: [0.92, 0.91, 0.93, 0.90, 0.94], second: [0.90, 0.90, 0.90, 0.90, 0.90], testFraction: 0.2)
        #expect(abs(test.t - 1.885618083164127) < 1e-9)
        #expect(test.degreesOfFreedom == 4)
        #expect(abs(test.pValue - (1 - studentTCDF(1.885618083164127, degreesOfFreedom: 4))) < 1e-12)
        #expect(test.pValue > 0.05)  // not significant at 5 %
    }
}
