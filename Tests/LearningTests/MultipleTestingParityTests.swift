import Foundation
import Testing
import TestSupport
@testable import Learning

/// Holm, Benjamini–Hochberg and Bonferroni against statsmodels' `multipletests`
/// (`Reference/statsmodels_multitest_reference.py`, committed with its JSON output).
@Suite("Multiple testing parity with statsmodels")
struct MultipleTestingParityTests {
    /// `Reference/statsmodels_multitest_reference.json`.
    struct Reference: Decodable {
        /// statsmodels' adjusted p-values and rejections for one method.
        struct Method: Decodable {
            let adjusted: [Double]
            let reject: [Bool]
        }
        /// One family of p-values and its three adjustments.
        struct Case: Decodable {
            let name: String
            let pValues: [Double]
            let holm: Method
            let fdrBh: Method
            let bonferroni: Method
        }
        let alpha: Double
        let cases: [Case]
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: testsPath("LearningTests/Reference/statsmodels_multitest_reference.json"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Reference.self, from: Data(contentsOf: url))
    }

    /// Adjusted p-values within 1e-12 (relative below 1e-6) and the same rejections, per method.
    @Test(arguments: ["holm", "fdr_bh", "bonferroni"])
    func matchesStatsmodels(method: String) throws {
        let file = try Self.reference()
        #expect(file.cases.count >= 30)
        for c in file.cases {
            let (ours, theirs): ([Double], Reference.Method) =
                switch method {
                case "holm": (MultipleTesting.holm(c.pValues), c.holm)
                case "fdr_bh": (MultipleTesting.benjaminiHochberg(c.pValues), c.fdrBh)
                default: (MultipleTesting.bonferroni(c.pValues), c.bonferroni)
                }
            // statsmodels leaves Bonferroni's m·p uncapped; its rejections are the same either way.
            let expected = method == "bonferroni" ? theirs.adjusted.map { min(1, $0) } : theirs.adjusted
            #expect(ours.count == expected.count, "\(c.name)")
            for (i, (a, b)) in zip(ours, expected).enumerated() {
                let difference = max(abs(a), abs(b)) < 1e-6 ? abs(a - b) / max(abs(a), abs(b), 1e-300) : abs(a - b)
                #expect(difference <= 1e-12, "\(method) \(c.name) #\(i): \(a) vs statsmodels \(b)")
            }
            #expect(MultipleTesting.rejects(ours, alpha: file.alpha) == theirs.reject, "\(method) \(c.name)")
        }
    }
}
