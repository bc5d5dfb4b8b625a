import Foundation
import Synchronization
public import Tabular
import Parallelism

/// Per-fold results of cross-validating one candidate (an algorithm with fixed parameters).
public struct CrossValidationResult: Sendable {
    public var algorithm: String
    public var parameters: Parameters
    /// Scores per fold, in fold order.
    public var foldScores: [Scores]
    public var fitSeconds: [Double]
    public var predictSeconds: [Double]
    /// Each scored row's prediction by the fold model that did not see it: the honest reference
    /// for "did the predictions drift" (predictions on training rows are over-confident).
    public var outOfFold: OutOfFoldPredictions? = nil
    /// Classification: the true class of each out-of-fold row (in `outOfFold`'s order) and the
    /// rows per fold, so the folds can be scored again under a decision rule the refits lack.
    public var outOfFoldTruth: [String]? = nil
    public var foldSizes: [Int] = []

    /// These folds as `pipeline` would have scored them: its calibration applied to each fold's
    /// out-of-fold probabilities and its decision threshold or costs deciding the labels. The
    /// refits have neither, so a calibrated or thresholded model's fresh scores must be compared
    /// with these, not with the refits' own. Unchanged when the model has neither (or for
    /// regression, or a result recorded without its truth).
    public func scored(as pipeline: PipelineModel) -> CrossValidationResult {
        guard pipeline.task == .classification, pipeline.calibration != nil || pipeline.decision != .mostProbable,
            case .probabilities(let p, let classes)? = outOfFold, let truthNames = outOfFoldTruth,
            truthNames.count == p.rows, foldSizes.reduce(0, +) == p.rows, foldSizes.count == foldScores.count
        else { return self }
        let target = pipeline.target.classes
        let code = Dictionary(target.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let from = classes.map { code[$0] }
        var rescored: [Scores] = []
        var start = 0
        for size in foldSizes {
            var flat = [Double](repeating: 0, count: size * target.count)
            var truth: [Int] = []
            truth.reserveCapacity(size)
            for r in 0..<size {
                for (c, to) in from.enumerated() { if let to { flat[r * target.count + to] = p[start + r, c] } }
                guard let t = code[truthNames[start + r]] else { return self }
                truth.append(t)
            }
            let prediction = pipeline.calibrated(
                .probabilities(Matrix(rows: size, columns: target.count, values: flat)))
            rescored.append(
                Scores(
                    target: .classes(truth, classCount: target.count), prediction: prediction,
                    decision: pipeline.decision))
            start += size
        }
        var result = self
        result.foldScores = rescored
        return result
    }

    public func values(of metric: MetricDefinition) -> [Double] { foldScores.map(metric.value) }

    public func mean(of metric: MetricDefinition) -> Double {
        let v = values(of: metric)
        return v.reduce(0, +) / Double(max(1, v.count))
    }

    /// Sample standard deviation over folds.
    public func standardDeviation(of metric: MetricDefinition) -> Double {
        let v = values(of: metric)
        guard v.count > 1 else { return 0 }
        let m = mean(of: metric)
        return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
    }
}

/// k-fold cross-validation of whole pipelines: preprocessing is refitted on each fold's training
/// rows, so no statistic of the held-out rows leaks into the model.
public enum CrossValidation {
    /// Rows with a present target, and their strata (class codes) for stratified folds.
    public static func usableRows(frame: DataFrame, target: String, task: Task?) throws -> (
        rows: [Int], task: Task, strata: [Int]?
    ) {
        guard let column = frame.column(named: target) else { throw PreprocessingError.missingColumns([target]) }
        let (spec, encoded, used) = try TargetSpec.fit(column: column, rows: Array(0..<frame.rowCount), task: task)
        if case .classes(let codes, _) = encoded { return (used, spec.task, codes) }
        return (used, spec.task, nil)
    }

    /// What one fold gives: its scores, the model's parameters, its out-of-fold predictions.
    private struct FoldOutcome: Sendable {
        var scores: Scores
        var parameters: Parameters
        var prediction: Prediction
        var truth: Target
        var classes: [String]
        var size: Int
        var fitSeconds: Double
        var predictSeconds: Double
    }

    /// Folds run at once: one per thread, as long as their fits' memory stays within a quarter of
    /// the machine's. A fit holds its rows a few times over (the encoded matrix, bins or a
    /// workspace, each up to 8 bytes a value; one-hot columns widen it), estimated at 32 bytes per
    /// row and column: on 24 GiB, two folds side by side up to about 100 million cells (4.5
    /// million rows of 22 columns), one at a time beyond.
    static func foldsSideBySide(threads: Int, rows: Int, columns: Int, memory: UInt64) -> Int {
        let perFit = max(1, Double(rows) * Double(max(1, columns)) * 32)
        let fits = Int(min(Double(Int.max / 2), Double(memory) / 4 / perFit))
        return max(1, min(threads, fits))
    }

    /// Cross-validates one candidate on `folds` (test rows per fold, indices into `frame`).
    ///
    /// Folds run side by side, one per core with one thread each, in rounds of `context.threads`
    /// (fewer when their memory would not fit: `foldsSideBySide`);
    /// the last round's folds share the cores (five folds on two cores: two rounds of two, then
    /// one fold on both). A fit's own parallelism leaves cores idle in its serial parts (a tree
    /// kept 1.3 of 2 cores busy); folds side by side keep both busy. Each fold's model is the same
    /// whatever its thread count, so the result is too. Its fit and prediction times are each
    /// divided by the folds that ran beside it: the share of the machine one fold took.
    public static func run(
        algorithm: any Algorithm.Type, parameters: [String: ParameterValue], frame: DataFrame, target: String,
        features: [String], task: Task, folds: [[Int]], allRows: [Int], context: FitContext
    ) throws -> CrossValidationResult {
        guard let targetColumn = frame.column(named: target) else { throw PreprocessingError.missingColumns([target]) }
        let progress = FoldProgress(folds: folds.count, report: context.progress)
        let runFold: @Sendable (Int, Int) throws -> FoldOutcome? = { i, sideBySide in
            try context.checkCancellation()
            let testRows = folds[i]
            let testSet = Set(testRows)
            let trainRows = allRows.filter { !testSet.contains($0) }
            var foldContext = context
            foldContext.threads = max(1, context.threads / sideBySide)
            foldContext.progress = { progress.update(fold: i, fraction: $0) }
            let clock = ContinuousClock()
            var model: PipelineModel?
            let fit = try clock.measure {
                model = try PipelineModel.train(
                    algorithm: algorithm, parameters: parameters, frame: frame, target: target, features: features,
                    rows: trainRows, task: task, context: foldContext)
            }
            guard let model else { return nil }
            let (truth, kept) = model.target.encode(column: targetColumn, rows: testRows)
            var output: PipelineModel.Output?
            let predict = try clock.measure {
                output = try model.predict(frame.selectingRows(kept), isCancelled: context.isCancelled)
            }
            guard let output else { return nil }
            progress.update(fold: i, fraction: 1)
            let share = Double(sideBySide)
            return FoldOutcome(
                scores: Scores(target: truth, prediction: output.prediction), parameters: model.parameters,
                prediction: output.prediction, truth: truth, classes: model.target.classes, size: kept.count,
                fitSeconds: fit.seconds / share, predictSeconds: predict.seconds / share)
        }
        var outcomes: [FoldOutcome?] = []
        var next = 0
        let sideBySide = foldsSideBySide(
            threads: context.threads, rows: allRows.count, columns: features.count,
            memory: ProcessInfo.processInfo.physicalMemory)
        while next < folds.count {
            let round = min(sideBySide, folds.count - next)
            let first = next
            outcomes += try parallelMap(round, threads: round) { try runFold(first + $0, round) }
            next += round
        }
        var scores: [Scores] = []
        var fitTimes: [Double] = []
        var predictTimes: [Double] = []
        var resolved: Parameters?
        var foldProbabilities: [(classes: [String], probabilities: Matrix)] = []
        var truthNames: [String] = []
        var foldSizes: [Int] = []
        var values: [Double] = []
        for outcome in outcomes {
            guard let outcome else { continue }
            resolved = outcome.parameters
            scores.append(outcome.scores)
            switch outcome.prediction {
            case .values(let v): values += v
            case .probabilities(let p):
                foldProbabilities.append((outcome.classes, p))
                if case .classes(let codes, _) = outcome.truth {
                    let names = outcome.classes
                    truthNames += codes.map { names.indices.contains($0) ? names[$0] : "" }
                }
            }
            foldSizes.append(outcome.size)
            fitTimes.append(outcome.fitSeconds)
            predictTimes.append(outcome.predictSeconds)
        }
        let finalParameters =
            try resolved ?? Parameters(algorithm: algorithm.name, specs: algorithm.parameterSpecs, given: parameters)
        var result = CrossValidationResult(
            algorithm: algorithm.name, parameters: finalParameters, foldScores: scores, fitSeconds: fitTimes,
            predictSeconds: predictTimes)
        if !foldProbabilities.isEmpty {
            // A fold without some class has fewer columns: every row is put in the union's order.
            let classes = Array(Set(foldProbabilities.flatMap(\.classes))).sorted()
            let column = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
            var flat: [Double] = []
            for (foldClasses, p) in foldProbabilities {
                for r in 0..<p.rows {
                    var row = [Double](repeating: 0, count: classes.count)
                    for (c, name) in foldClasses.enumerated() { if let to = column[name] { row[to] = p[r, c] } }
                    flat += row
                }
            }
            result.outOfFold = .probabilities(
                Matrix(rows: flat.count / max(1, classes.count), columns: classes.count, values: flat), classes: classes
            )
            result.outOfFoldTruth = truthNames
            result.foldSizes = foldSizes
        } else if !values.isEmpty {
            result.outOfFold = .values(values)
        }
        return result
    }
}

/// Each fold's fraction done, summed into the candidate's: folds run side by side report at once.
private final class FoldProgress: Sendable {
    private let fractions: Mutex<[Double]>
    private let report: @Sendable (Double) -> Void

    init(folds: Int, report: @escaping @Sendable (Double) -> Void) {
        fractions = Mutex([Double](repeating: 0, count: folds))
        self.report = report
    }

    /// Reports under the lock, so two folds' reports cannot arrive in the wrong order.
    func update(fold: Int, fraction: Double) {
        fractions.withLock { fractions in
            fractions[fold] = min(1, max(fractions[fold], fraction))
            report(fractions.reduce(0, +) / Double(max(1, fractions.count)))
        }
    }
}

/// Out-of-fold predictions, in fold order: class probabilities (columns: `classes`), or values
/// for regression.
public enum OutOfFoldPredictions: Sendable, Equatable {
    case probabilities(Matrix, classes: [String])
    case values([Double])

    /// The predictions as a column named "prediction", comparable with
    /// `DriftDetector.predictionColumn` of `pipeline`'s fresh predictions: the labels `pipeline`
    /// would give them — after its calibration, under its decision threshold or costs (the refits
    /// have neither: a thresholded model's reference must be thresholded too, or its own labels
    /// would look like drift).
    public func column(for pipeline: PipelineModel) -> Column {
        switch self {
        case .values(let v):
            return Column(name: "prediction", data: .numeric(v))
        case .probabilities(let p, let classes):
            let target = pipeline.target.classes
            let from = classes.map { target.firstIndex(of: $0) }
            var flat = [Double](repeating: 0, count: p.rows * target.count)
            for r in 0..<p.rows {
                for (c, to) in from.enumerated() { if let to { flat[r * target.count + to] = p[r, c] } }
            }
            let mapped = pipeline.calibrated(.probabilities(Matrix(rows: p.rows, columns: target.count, values: flat)))
            return DriftDetector.predictionColumn(mapped, classes: target, decision: pipeline.decision)
        }
    }
}

extension Duration {
    /// The duration in seconds as a double.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
