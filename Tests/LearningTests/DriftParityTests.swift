import Foundation
import Tabular
import Testing
import TestSupport
@testable import Learning

/// Drift statistics against SciPy / NumPy (`Reference/scipy_drift_reference.py`, committed with
/// its JSON output) and the drift decisions on the example fresh / fresh_drift files.
@Suite("Drift parity with SciPy")
struct DriftParityTests {
    /// `Reference/scipy_drift_reference.json`.
    struct Reference: Decodable {
        /// One reference/current file pair and its per-feature values.
        struct Pair: Decodable {
            let reference: String
            let current: String
            let target: String
            let features: [String: Feature]
        }
        /// SciPy's values for one feature (numeric or text fields filled by kind).
        struct Feature: Decodable {
            let kind: String
            let ksStatistic: Double?
            let ksPvalue: Double?
            let wasserstein: Double?
            let referenceStd: Double?
            let chi2Statistic: Double?
            let chi2Pvalue: Double?
            let chi2Dof: Int?
            let jensenShannon: Double
            let psi: Double
            let edges: [Double]?
            let referenceBinCounts: [Int]?
            let currentBinCounts: [Int]?
        }
        let pairs: [Pair]
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: testsPath("LearningTests/Reference/scipy_drift_reference.json"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Reference.self, from: Data(contentsOf: url))
    }

    static func frame(_ name: String) throws -> DataFrame {
        let url = ExampleDatasets.folder.appendingPathComponent("\(name).csv")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TestSetupError(description: "example dataset missing: \(url.path)")
        }
        return try CSVReader.read(path: url.path)
    }

    /// Every feature's drift for one pair, computed on the full reference.
    static func drift(
        _ referenceName: String, _ currentName: String, target: String,
        options: DriftOptions = DriftOptions()
    ) throws -> DatasetDrift {
        let reference = try frame(referenceName), current = try frame(currentName)
        let columns = reference.columnNames.filter { $0 != target }
        return try DriftDetector.compare(reference: reference, current: current, columns: columns, options: options)
    }

    /// |a − b| for statistics and distances; for p-values below 1e-6 the relative difference,
    /// since an absolute 1e-6 says nothing about 1e-30.
    static func difference(_ a: Double, _ b: Double, pValue: Bool = false) -> Double {
        if pValue && max(abs(a), abs(b)) < 1e-6 { return abs(a - b) / max(abs(a), abs(b), 1e-300) }
        return abs(a - b)
    }

    @Test func matchesScipyOnExampleDatasets() throws {
        let file = try Self.reference()
        #expect(file.pairs.count == 4)
        var worst: [String: Double] = [:]
        func record(_ name: String, _ value: Double) { worst[name] = max(worst[name] ?? 0, value) }
        for pair in file.pairs {
            let result = try Self.drift(pair.reference, pair.current, target: pair.target)
            #expect(result.features.count == pair.features.count)
            for feature in result.features {
                let expected = try #require(pair.features[feature.name], "no reference for \(feature.name)")
                let label = "\(pair.current) \(feature.name)"
                let psi = try #require(feature.psi), js = try #require(feature.jensenShannon)
                record("psi", Self.difference(psi, expected.psi))
                record("jensen_shannon", Self.difference(js, expected.jensenShannon))
                #expect(Self.difference(psi, expected.psi) <= 1e-9, "\(label) psi")
                #expect(Self.difference(js, expected.jensenShannon) <= 1e-9, "\(label) js")
                if expected.kind == "number" {
                    let ks = try #require(feature.ks)
                    let w = try #require(feature.wasserstein)
                    let ksP = try #require(expected.ksPvalue), ksD = try #require(expected.ksStatistic)
                    let raw = try #require(expected.wasserstein), sd = try #require(expected.referenceStd)
                    record("ksStatistic", Self.difference(ks.statistic, ksD))
                    record("ksPvalue", Self.difference(ks.pValue, ksP, pValue: true))
                    record("wasserstein", Self.difference(w.distance, raw))
                    #expect(Self.difference(ks.statistic, ksD) <= 1e-12, "\(label) ks statistic")
                    #expect(
                        Self.difference(ks.pValue, ksP, pValue: true) <= 1e-6, "\(label) ks p \(ks.pValue) vs \(ksP)")
                    #expect(Self.difference(w.distance, raw) <= 1e-9 * max(1, raw), "\(label) wasserstein")
                    #expect(abs(w.normalized - raw / sd) <= 1e-9 * max(1, raw / sd), "\(label) normalised wasserstein")
                } else {
                    let chi = try #require(feature.chiSquare)
                    let stat = try #require(expected.chi2Statistic), p = try #require(expected.chi2Pvalue)
                    record("chi2Statistic", Self.difference(chi.statistic, stat))
                    record("chi2Pvalue", Self.difference(chi.pValue, p, pValue: true))
                    #expect(Self.difference(chi.statistic, stat) <= 1e-9, "\(label) chi2")
                    #expect(Self.difference(chi.pValue, p, pValue: true) <= 1e-6, "\(label) chi2 p")
                    #expect(chi.degreesOfFreedom == expected.chi2Dof, "\(label) dof")
                }
            }
        }
        print(
            "drift parity, largest differences: "
                + worst.keys.sorted().map { "\($0)=\(worst[$0] ?? 0)" }.joined(separator: " "))
    }

    /// The decile edges and bin counts are NumPy's (`np.quantile`, `np.searchsorted`) exactly.
    @Test func binsMatchNumpy() throws {
        let file = try Self.reference()
        let pair = try #require(file.pairs.first { $0.current == "breast_cancer_fresh_drift" })
        let reference = try Self.frame(pair.reference), current = try Self.frame(pair.current)
        let profile = try ReferenceProfile(frame: reference, columns: ["mean radius", "worst area"])
        for feature in profile.features {
            let expected = try #require(pair.features[feature.name])
            let numeric = try #require(feature.numeric)
            #expect(numeric.edges == expected.edges)
            #expect(numeric.binCounts == expected.referenceBinCounts)
            guard case .numeric(let values)? = current.column(named: feature.name)?.data else {
                Issue.record("no numeric column \(feature.name)")
                continue
            }
            #expect(DriftStatistics.binCounts(values, edges: numeric.edges) == expected.currentBinCounts)
        }
    }

    // MARK: Decisions on the example drift files

    @Test func breastCancerFlagsExactlyTheShiftedFeatures() throws {
        let drifted = try Self.drift("breast_cancer_train", "breast_cancer_fresh_drift", target: "diagnosis")
        #expect(drifted.driftedFeatures == ["mean radius", "mean texture"])
        #expect(drifted.features.allSatisfy { $0.decidedBy == .kolmogorovSmirnov })
        #expect(!drifted.drifted)  // 2 of 30 features is below the 50 % share
        let fresh = try Self.drift("breast_cancer_train", "breast_cancer_fresh", target: "diagnosis")
        #expect(fresh.driftedFeatures.isEmpty)
        #expect(fresh.share == 0)
    }

    /// With the default (uncorrected) 5 % level, `sex` is flagged in both penguin files: the
    /// stratified split happens to put 43 of 69 fresh penguins in "female" against 122 of 264
    /// in training (chi-square with Yates 5.05, p = 0.025, SciPy agrees). That is a real, if
    /// chance, difference, so the default stays; Bonferroni over the 7 features (p < 0.0071)
    /// flags exactly the two shifted features.
    @Test func penguinsFlagShiftedFeaturesAndTheImbalancedSex() throws {
        let drifted = try Self.drift("penguins_train", "penguins_fresh_drift", target: "species")
        #expect(drifted.driftedFeatures.sorted() == ["bill_length_mm", "flipper_length_mm", "sex"])
        let fresh = try Self.drift("penguins_train", "penguins_fresh", target: "species")
        #expect(fresh.driftedFeatures == ["sex"])
        let sex = try #require(fresh.features.first { $0.name == "sex" })
        #expect(sex.decidedBy == .chiSquare)
        #expect(sex.chiSquare?.degreesOfFreedom == 1)
        #expect(abs(sex.referenceMissingRate - 11.0 / 275.0) < 1e-15)
        #expect(sex.currentMissingRate == 0)

        var corrected = DriftOptions()
        corrected.correction = .bonferroni
        let driftedCorrected = try Self.drift(
            "penguins_train", "penguins_fresh_drift", target: "species", options: corrected)
        #expect(driftedCorrected.driftedFeatures.sorted() == ["bill_length_mm", "flipper_length_mm"])
        let freshCorrected = try Self.drift("penguins_train", "penguins_fresh", target: "species", options: corrected)
        #expect(freshCorrected.driftedFeatures.isEmpty)
    }

    /// Large references switch to distances: Wasserstein / sd ≥ 0.1 and Jensen–Shannon ≥ 0.1.
    @Test func largeReferenceRuleUsesDistances() throws {
        var options = DriftOptions()
        options.smallReferenceRows = 100  // treat the 455-row reference as large
        let drifted = try Self.drift(
            "breast_cancer_train", "breast_cancer_fresh_drift", target: "diagnosis", options: options)
        #expect(drifted.features.allSatisfy { $0.decidedBy == .wasserstein })
        #expect(drifted.driftedFeatures.contains("mean radius") && drifted.driftedFeatures.contains("mean texture"))
        let penguins = try Self.drift("penguins_train", "penguins_fresh", target: "species", options: options)
        #expect(penguins.features.first { $0.name == "island" }?.decidedBy == .jensenShannon)
    }
}
