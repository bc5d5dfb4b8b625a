import Foundation
import Tabular
import Testing
@testable import Learning

/// Hand-checked and SciPy-checked micro cases for the drift statistics, and the reference profile.
@Suite("Drift statistics")
struct DriftStatisticsTests {
    @Test func psiByHand() {
        // Reference bins 50/30/20 of 100 → 0.5, 0.3, 0.2; current 3/3/4 of 10 → 0.3, 0.3, 0.4.
        // PSI = (0.3 − 0.5)·ln(0.3/0.5) + (0.3 − 0.3)·ln(1) + (0.4 − 0.2)·ln(0.4/0.2)
        //     = (−0.2)(−0.5108256) + 0 + (0.2)(0.6931472) = 0.1021651 + 0.1386294 = 0.2407946
        let psi = DriftStatistics.psi(reference: [50, 30, 20], current: [3, 3, 4])
        #expect(abs(psi - 0.2407946) < 1e-7)
        #expect(DriftOptions().band(psi) == .moderate)
        // An empty current bin uses the 1e-4 floor: reference 0.5/0.5, current 1.0/0 → 1.0/1e-4.
        // PSI = (1 − 0.5)·ln(1/0.5) + (1e-4 − 0.5)·ln(1e-4/0.5)
        //     = 0.5·0.6931472 + (−0.4999)(−8.5171932) = 0.3465736 + 4.2577448 = 4.6043184
        let floored = DriftStatistics.psi(reference: [5, 5], current: [10, 0])
        #expect(abs(floored - 4.6043184) < 1e-6)
        #expect(DriftOptions().band(floored) == .significant)
        #expect(DriftOptions().band(0.05) == .stable)
    }

    @Test func decilesAreNumpyQuantiles() {
        // np.quantile(1...11, 0.1) = 1 + 0.1·10 = 2, …; ties collapse: ten equal values → one edge.
        let edges = DriftStatistics.decileEdges(sorted: (1...11).map(Double.init))
        #expect(edges == [2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(DriftStatistics.decileEdges(sorted: [Double](repeating: 3, count: 10)) == [3])
        // Right-closed bins: 3 is in (−∞, 3], 3.5 in (3, ∞); NaN is skipped.
        #expect(DriftStatistics.binCounts([1, 3, 3.5, .nan], edges: [3]) == [2, 1])
    }

    /// Values from scipy 1.17: `ks_2samp`, `wasserstein_distance`, `chi2_contingency`,
    /// `chi2.sf`, `jensenshannon`.
    @Test func smallCasesMatchScipy() throws {
        let a: [Double] = [1, 2, 3, 4, 5, 6, 7, 8], b = [3.5, 4.5, 6.5, 8.5, 9.5, 10.5]
        let ks = try #require(KolmogorovSmirnov.test(sorted: a, sorted: b))
        #expect(ks.statistic == 0.5)
        #expect(abs(ks.pValue - 0.30169830169830175) < 1e-14)
        // Equal sizes take the alternating-sum branch.
        let equal = try #require(
            KolmogorovSmirnov.test(sorted: [0.1, 0.4, 0.7, 1.0, 1.3], sorted: [0.5, 0.9, 1.5, 2.0, 2.5]))
        #expect(abs(equal.statistic - 0.6) < 1e-15)
        #expect(abs(equal.pValue - 0.35714285714285715) < 1e-14)
        #expect(abs(DriftStatistics.wasserstein(sortedU: a, sortedV: b) - 2.6666666666666665) < 1e-14)

        let chi = try #require(ChiSquareTest.homogeneity(reference: [10, 20, 30], current: [15, 15, 10]))
        #expect(abs(chi.statistic - 8.035714285714285) < 1e-12)
        #expect(abs(chi.pValue - 0.017991476826658487) < 1e-14)
        #expect(chi.dof == 2)
        // 2 × 2: Yates' correction applies.
        let yates = try #require(ChiSquareTest.homogeneity(reference: [10, 20], current: [15, 15]))
        #expect(abs(yates.statistic - 1.0971428571428572) < 1e-12)
        #expect(abs(yates.pValue - 0.2948939838180841) < 1e-14)
        #expect(abs(ChiSquareTest.chiSquareSurvival(3, dof: 7) - 0.8850022316431506) < 1e-14)
        #expect(abs(ChiSquareTest.chiSquareSurvival(150, dof: 3) / 2.6349139284880416e-32 - 1) < 1e-10)
        #expect(abs(ChiSquareTest.chiSquareSurvival(0.5, dof: 1) - 0.47950012218695337) < 1e-14)
        #expect(abs(DriftStatistics.jensenShannon([5, 5, 0], [0, 5, 5]) - 0.5887050112577373) < 1e-14)
    }

    /// Above 10 000 values SciPy switches to the asymptotic `kstwo.sf(D, round(en))`. Around the
    /// 5 % decision that is the Pelz–Good expansion, matched here to 1e-9; for smaller p-values
    /// Kolmogorov's limit stands in for SciPy's Smirnov form (1.4 % relative apart below).
    @Test func largeSamplesUseTheAsymptoticLaw() throws {
        #expect(abs(KolmogorovSmirnov.kolmogorovSurvival(0.5) - 0.9639452436648751) < 1e-12)
        #expect(abs(KolmogorovSmirnov.kolmogorovSurvival(1.358) - 0.05002679733444698) < 1e-12)
        // scipy.stats.kstwo.sf(x, n) in the Pelz–Good region.
        for (n, x, expected) in [
            (1000.0, 0.043, 0.04811098765192656), (5739, 0.015, 0.14959091968045357),
            (300, 0.07, 0.1007893525964727), (20000, 0.009, 0.07785289326070222),
        ] {
            #expect(abs(KolmogorovSmirnov.asymptoticSurvival(x, n: n) - expected) < 1e-9, "n \(n) x \(x)")
        }
        let a = (0..<12_000).map { Double($0) / 12_000 }
        let near = try #require(
            KolmogorovSmirnov.test(sorted: a, sorted: (0..<11_000).map { Double($0) / 11_000 + 0.012 }))
        #expect(abs(near.statistic - 0.012083333333333335) < 1e-12)  // ks_2samp
        #expect(abs(near.pValue - 0.368918522729501) < 1e-9)  // ks_2samp
        let far = try #require(
            KolmogorovSmirnov.test(sorted: a, sorted: (0..<11_000).map { Double($0) / 11_000 + 0.02 }))
        #expect(abs(far.statistic - 0.020083333333333342) < 1e-12)  // ks_2samp
        #expect(abs(far.pValue - 0.019518482197934176) < 1e-12)  // special.kolmogorov(√5739·D)
        #expect(abs(far.pValue - 0.019254343663002226) < 5e-4)  // ks_2samp: 0.0193
    }

    // MARK: Profiles

    static func frame(numbers: [Double], text: [String?]) throws -> DataFrame {
        let levels = Array(Set(text.compactMap { $0 })).sorted()
        let codes = text.map { t in t.flatMap { levels.firstIndex(of: $0) }.map { Int32($0) } ?? -1 }
        return try DataFrame(columns: [
            Column(name: "x", data: .numeric(numbers)),
            Column(name: "c", data: .categorical(codes: codes, levels: levels)),
        ])
    }

    @Test func profileGivesTheSameResultAsTheFullReference() throws {
        var generator = SeededGenerator(seed: 3)
        let reference = try Self.frame(
            numbers: (0..<800).map { $0 % 50 == 0 ? .nan : generator.nextGaussian() },
            text: (0..<800).map { ["a", "b", "c", nil][$0 % 4] })
        let current = try Self.frame(
            numbers: (0..<300).map { _ in generator.nextGaussian() + 0.3 },
            text: (0..<300).map { ["a", "b", "d"][$0 % 3] })
        let full = try DriftDetector.compare(reference: reference, current: current)
        let profile = try ReferenceProfile(frame: reference)
        let data = try JSONEncoder().encode(profile)
        let reloaded = try JSONDecoder().decode(ReferenceProfile.self, from: data)
        #expect(reloaded == profile)
        let viaProfile = try reloaded.compare(current)
        #expect(viaProfile == full)  // 784 values < the 5 000 cap, so the sample is everything
        let x = try #require(full.features.first)
        #expect(x.decidedBy == .kolmogorovSmirnov && x.drifted)
        #expect(abs(x.referenceMissingRate - 16.0 / 800.0) < 1e-15)
        let c = try #require(full.features.last)
        // Levels a, b, c (reference) ∪ d (new): dof = 3; "c" vanished, "d" appeared.
        #expect(c.chiSquare?.degreesOfFreedom == 3)
        #expect(c.drifted && c.psiBand == .significant)
        #expect(abs(c.referenceMissingRate - 0.25) < 1e-15)
    }

    @Test func cappedProfileKeepsBinsExactAndSampleSeeded() throws {
        var generator = SeededGenerator(seed: 9)
        let values = (0..<7_000).map { _ in generator.nextGaussian() }
        let reference = try DataFrame(columns: [Column(name: "x", data: .numeric(values))])
        let current = try DataFrame(columns: [
            Column(name: "x", data: .numeric((0..<500).map { _ in generator.nextGaussian() }))
        ])
        let capped = try ReferenceProfile(frame: reference, sampleCap: 5_000, seed: 1)
        let again = try ReferenceProfile(frame: reference, sampleCap: 5_000, seed: 1)
        #expect(capped == again)
        let sample = try #require(capped.features.first?.numeric?.sample)
        #expect(sample.count == 5_000 && sample == sample.sorted())
        let full = try DriftDetector.compare(reference: reference, current: current)
        let viaProfile = try capped.compare(current)
        #expect(viaProfile.features[0].psi == full.features[0].psi)
        #expect(viaProfile.features[0].jensenShannon == full.features[0].jensenShannon)
        #expect(viaProfile.features[0].wasserstein?.normalized != nil)
        // The subsample's KS differs from the full reference's only by sampling noise.
        #expect(abs((viaProfile.features[0].ks?.statistic ?? 1) - (full.features[0].ks?.statistic ?? 0)) < 0.05)
    }

    @Test func predictionDrift() throws {
        let reference = Prediction.probabilities(
            Matrix([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]] + Array(repeating: [0.8, 0.2], count: 40)))
        let current = Prediction.probabilities(Matrix(Array(repeating: [0.1, 0.9], count: 40)))
        let labels = try DriftDetector.comparePredictions(
            reference: reference, current: current, classes: ["no", "yes"])
        #expect(labels.kind == .text && labels.decidedBy == .chiSquare && labels.drifted)
        let values = try DriftDetector.comparePredictions(
            reference: .values((0..<50).map(Double.init)),
            current: .values((0..<50).map { Double($0) + 0.5 }))
        #expect(values.kind == .number && values.decidedBy == .kolmogorovSmirnov && !values.drifted)
    }

    @Test func errorsNameTheColumn() throws {
        let reference = try Self.frame(numbers: [1, 2, 3], text: ["a", "b", "a"])
        let wrongKind = try DataFrame(columns: [
            Column(name: "x", data: .categorical(codes: [0, 0], levels: ["n/a"])),
            Column(name: "c", data: .categorical(codes: [0, 0], levels: ["a"])),
        ])
        #expect(throws: DriftError.kindMismatch(column: "x", reference: "numbers", current: "text")) {
            try DriftDetector.compare(reference: reference, current: wrongKind)
        }
        let missing = try DataFrame(columns: [Column(name: "x", data: .numeric([1]))])
        #expect(throws: DriftError.missingColumns(["c"])) {
            try DriftDetector.compare(reference: reference, current: missing)
        }
        // A column missing in every current row: nothing to compare, counted as drift.
        let allMissing = try Self.frame(numbers: [.nan, .nan], text: ["a", "b"])
        let result = try DriftDetector.compare(reference: reference, current: allMissing)
        #expect(result.features[0].decidedBy == .noValues && result.features[0].drifted)
        #expect(result.features[0].currentMissingRate == 1)
        #expect(result.features[0].psi == nil && result.features[0].psiBand == .unknown)
        // Reports and profiles with an all-missing column still encode (JSON has no NaN).
        _ = try JSONEncoder().encode(result)
        _ = try JSONEncoder().encode(try ReferenceProfile(frame: allMissing))
    }
}
