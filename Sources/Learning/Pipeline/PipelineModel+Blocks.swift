import Tabular

extension PipelineModel {
    /// Predicts every row of `frame` in blocks of at most `blockRows` rows, calling `beforeBlock`
    /// with the rows done so far before each block: a caller can stop between blocks (Ctrl-C) or
    /// time the first one. Each output row depends only on its input row, so the result is the
    /// same as `predict(frame)`.
    public func predict(_ frame: DataFrame, blockRows: Int, beforeBlock: (_ rowsDone: Int) throws -> Void) throws -> Output {
        let (x, warnings) = try preprocessor.transform(frame)
        let size = max(1, blockRows)
        guard x.rows > size else {
            try beforeBlock(0)
            return Output(prediction: fitted.model.predict(x), warnings: warnings)
        }
        var probabilities: [Double] = []
        var values: [Double] = []
        var classColumns = 0
        var start = 0
        while start < x.rows {
            try beforeBlock(start)
            let end = min(x.rows, start + size)
            let block = Matrix(rows: end - start, columns: x.columns, values: Array(x.values[(start * x.columns)..<(end * x.columns)]))
            switch fitted.model.predict(block) {
            case .probabilities(let p):
                classColumns = p.columns
                probabilities.append(contentsOf: p.values)
            case .values(let v):
                values.append(contentsOf: v)
            }
            start = end
        }
        let prediction: Prediction = classColumns > 0
            ? .probabilities(Matrix(rows: x.rows, columns: classColumns, values: probabilities))
            : .values(values)
        return Output(prediction: prediction, warnings: warnings)
    }
}
