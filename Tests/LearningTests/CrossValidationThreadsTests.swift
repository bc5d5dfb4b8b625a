import Foundation
import Synchronization
import Tabular
import TestSupport
import Testing
@testable import Learning

/// Folds run side by side in rounds of the thread count; the result must not depend on it.
@Suite("Cross-validation whatever the thread count")
struct CrossValidationThreadsTests {
    static func crossValidate(
        _ algorithm: any Algorithm.Type, threads: Int, progress: @escaping @Sendable (Double) -> Void = { _ in }
    )
        throws -> CrossValidationResult
    {
        let frame = try CSVReader.read(path: exampleData + "/penguins.csv")
        let features = frame.columnNames.filter { $0 != "species" }
        let (rows, task, strata) = try CrossValidation.usableRows(frame: frame, target: "species", task: nil)
        let folds = KFold.folds(rowCount: rows.count, k: 5, strata: task == .classification ? strata : nil, seed: 3)
            .map { $0.map { rows[$0] } }
        return try CrossValidation.run(
            algorithm: algorithm, parameters: [:], frame: frame, target: "species", features: features,
            task: task, folds: folds, allRows: rows, context: FitContext(seed: 9, threads: threads, progress: progress))
    }

    /// One thread (folds one after another), two (rounds of two, the fifth fold on both), three
    /// (a round of three, then two) and eight (one round of five): the same scores and the same
    /// out-of-fold probabilities, bit for bit, in fold order.
    @Test(arguments: ["forest", "tree", "linear", "knn"])
    func sameFoldsWhateverTheThreads(name: String) throws {
        let algorithm = try #require(AlgorithmRegistry.named(name))
        let one = try Self.crossValidate(algorithm, threads: 1)
        #expect(one.foldScores.count == 5)
        for threads in [2, 3, 8] {
            let other = try Self.crossValidate(algorithm, threads: threads)
            #expect(other.foldScores == one.foldScores, "\(name), \(threads) threads")
            #expect(other.outOfFold == one.outOfFold, "\(name), \(threads) threads")
            #expect(other.foldSizes == one.foldSizes && other.outOfFoldTruth == one.outOfFoldTruth)
        }
    }

    /// Side by side while the fits' memory stays within a quarter of the machine's (32 bytes per
    /// cell each, by the estimate): 80,000 × 22 runs two at once on 24 GiB, 10 million × 22 one.
    @Test func foldsSideBySideOnlyWhileTheirMemoryFits() {
        let gib: UInt64 = 1 << 30
        #expect(CrossValidation.foldsSideBySide(threads: 2, rows: 80_000, columns: 22, memory: 24 * gib) == 2)
        #expect(CrossValidation.foldsSideBySide(threads: 8, rows: 80_000, columns: 22, memory: 24 * gib) == 8)
        #expect(CrossValidation.foldsSideBySide(threads: 1, rows: 80_000, columns: 22, memory: 24 * gib) == 1)
        #expect(CrossValidation.foldsSideBySide(threads: 2, rows: 10_000_000, columns: 22, memory: 24 * gib) == 1)
        // 6 GiB for fits of 32 × 4M × 22 bytes (2.6 GiB) each: two.
        #expect(CrossValidation.foldsSideBySide(threads: 4, rows: 4_000_000, columns: 22, memory: 24 * gib) == 2)
        #expect(CrossValidation.foldsSideBySide(threads: 2, rows: 0, columns: 0, memory: 0) == 1)
    }

    /// Folds side by side report one progress: it never goes back and ends at 1.
    @Test func progressOfFoldsSideBySideNeverGoesBack() throws {
        let seen = Mutex<[Double]>([])
        _ = try Self.crossValidate(AlgorithmRegistry.named("forest")!, threads: 2) { fraction in
            seen.withLock { $0.append(fraction) }
        }
        let fractions = seen.withLock { $0 }
        #expect(fractions.last == 1)
        #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 }, "\(fractions)")
    }
}
