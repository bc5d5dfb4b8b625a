import Foundation
public import Tabular

extension PipelineModel {
    /// Predicts every row of `frame` in blocks of at most `blockRows` rows, calling `beforeBlock`
    /// with the rows done so far before each block: a caller can stop between blocks (Ctrl-C) or
    /// time the first one. Each output row depends only on its input row, so the result is the
    /// same as `predict(frame)`.
    public func predict(_ frame: DataFrame, blockRows: Int, beforeBlock: (_ rowsDone: Int) throws -> Void) throws
        -> Output
    {
        let (x, warnings) = try preprocessor.transform(try derived(frame))
        let prediction = calibrated(try Self.predict(fitted.model, x, blockRows: blockRows, beforeBlock: beforeBlock))
        return Output(prediction: prediction, warnings: warnings, decision: decision)
    }

    /// `predict(frame)` that stops between blocks, throwing `LearningError.cancelled`, once
    /// `isCancelled` says so; blocks of `stoppableBlockRows`.
    public func predict(_ frame: DataFrame, isCancelled: () -> Bool) throws -> Output {
        try predict(frame, blockRows: stoppableBlockRows) { _ in
            if isCancelled() { throw LearningError.cancelled }
        }
    }

    /// Distance terms (training rows × features) per block of a k-NN prediction and core: well
    /// under a second of work, so a stop is answered within about that. Per core, because the
    /// block is shared among them (one core's worth on two left each with half a block, 8 rows of
    /// a wide model, and a k-NN cross-validation ran 25% slower).
    public static let stoppableBlockCost = 50_000_000
    /// Rows per block for models whose rows are cheap (blocks keep the parallel kernels busy).
    public static let cheapBlockRows = 65_536

    /// The distance terms one row costs a k-NN model; nil for other models, whose rows are cheap.
    /// Each training row also costs a bound check (and, near ties, an exact distance) worth about
    /// `pairOverheadTerms` columns: on narrow data that, not the columns, is the work (two features
    /// and 20,000 training rows made blocks of 25 million pairs, seconds each in a debug build).
    public var costPerRow: Int? {
        guard let knn = fitted.model as? KNearestNeighborsModel else { return nil }
        return max(1, knn.training.rows) * (max(1, knn.training.columns) + Self.pairOverheadTerms)
    }

    /// A pair's cost beyond its columns, in distance terms (see `costPerRow`).
    static let pairOverheadTerms = 8

    /// Rows per block of a prediction that must stop soon when asked.
    public var stoppableBlockRows: Int {
        costPerRow.map {
            max(
                8, min(Self.cheapBlockRows, Self.stoppableBlockCost * ProcessInfo.processInfo.activeProcessorCount / $0)
            )
        } ?? Self.cheapBlockRows
    }

    /// `model.predict(x)` in blocks of at most `blockRows` rows, `beforeBlock` before each.
    static func predict(
        _ model: any FittedModel, _ x: Matrix, blockRows: Int, beforeBlock: (_ rowsDone: Int) throws -> Void
    ) throws -> Prediction {
        let size = max(1, blockRows)
        guard x.rows > size else {
            try beforeBlock(0)
            return model.predict(x)
        }
        var probabilities: [Double] = []
        var values: [Double] = []
        var classColumns = 0
        var start = 0
        while start < x.rows {
            try beforeBlock(start)
            let end = min(x.rows, start + size)
            let block = Matrix(
                rows: end - start, columns: x.columns, values: Array(x.values[(start * x.columns)..<(end * x.columns)]))
            switch model.predict(block) {
            case .probabilities(let p):
                classColumns = p.columns
                probabilities.append(contentsOf: p.values)
            case .values(let v):
                values.append(contentsOf: v)
            }
            start = end
        }
        return classColumns > 0
            ? .probabilities(Matrix(rows: x.rows, columns: classColumns, values: probabilities))
            : .values(values)
    }
}
