import Learning

extension ONNXExporter {
    /// The training class shares or mean, repeated for every row: `Expand` of a `[1, k]` constant
    /// to `[N, k]`, with N read from the first input (the baseline never looks at feature values).
    static func emitBaseline(_ model: BaselineModel, model pipeline: PipelineModel, into graph: inout GraphBuilder)
        throws -> Head
    {
        guard let first = onnxInputs(pipeline.preprocessor).first?.name else {
            throw ONNXExportError.inconsistent("the pipeline has no input column")
        }
        let row: [Double] = model.task == .classification ? model.classShares : [model.mean]
        let constant = graph.constant("baseline_row", doubles: row, shape: [1, row.count])
        let rows = graph.add("Shape", [first], named: "batch_size", attributes: [.int("start", 0), .int("end", 1)])
        let k = graph.constant("output_width", int64s: [Int64(row.count)], shape: [1])
        let shape = graph.add("Concat", [rows, k], named: "output_shape", attributes: [.int("axis", 0)])
        let out = graph.add("Expand", [constant, shape], named: "baseline")
        return model.task == .classification ? .probabilities(out) : .values(out)
    }
}
