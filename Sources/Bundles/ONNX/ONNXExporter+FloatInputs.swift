public import Learning
public import Tabular

extension ONNXExporter {
    /// What float32 inputs (`onnx_precision=float`) cost: the model scored natively on the first
    /// `limit` rows of `frame` as they are and with its numeric inputs rounded to float32 — which
    /// is exactly what the float graph computes, since it casts them to double first. Returns the
    /// rows compared and the largest absolute difference of a probability (classification) or a
    /// value (regression); infinity when rounding made an output non-finite (a number beyond
    /// float32's ±3.4e38).
    public static func float32InputEffect(of model: PipelineModel, on frame: DataFrame, rows limit: Int = 20_000) throws
        -> (rows: Int, maximumDifference: Double)
    {
        let sample = frame.rowCount > limit ? frame.selectingRows(Array(0..<limit)) : frame
        let numeric = Set(onnxInputs(model).filter { $0.number && $0.date == nil }.map(\.name))
        let rounded = try DataFrame(
            columns: sample.columns.map { column in
                guard numeric.contains(column.name), case .numeric(let values) = column.data else { return column }
                return Column(name: column.name, data: .numeric(values.map { $0.isNaN ? $0 : Double(Float($0)) }))
            })
        let exact = try model.predict(sample, isCancelled: { false }).prediction
        let approximate = try model.predict(rounded, isCancelled: { false }).prediction
        let (a, b): ([Double], [Double]) =
            switch (exact, approximate) {
            case (.probabilities(let p), .probabilities(let q)): (p.values, q.values)
            case (.values(let v), .values(let w)): (v, w)
            default: ([], [])
            }
        var largest = 0.0
        for (x, y) in zip(a, b) where !(x.isNaN && y.isNaN) {
            let difference = abs(x - y)
            guard difference.isFinite else { return (sample.rowCount, .infinity) }
            largest = max(largest, difference)
        }
        return (sample.rowCount, largest)
    }
}
