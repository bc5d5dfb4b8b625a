import Learning

extension ONNXExporter {
    /// One CART tree: its leaves are the probabilities (classification) or the value.
    static func emitDecisionTree(_ model: DecisionTreeModel, features x: EncodedFeatures, classCount: Int, into graph: inout GraphBuilder) throws -> Head {
        let width = model.tree.valueWidth
        try checkWidth(width, model.task, classCount: classCount)
        var writer = try TreeEnsembleWriter(columns: x)
        for slot in 0..<width { try writer.append(model.tree, slot: slot, target: slot) }
        let scores = writer.emit(input: x.value, targets: width, into: &graph)
        return model.task == .classification ? .probabilities(scores) : .values(scores)
    }

    /// Random forest: Σ (1/T)·leaf, the scale folded into the leaf weights exactly as Workbench
    /// multiplies before adding; classification then divides by the row sum, as Workbench
    /// renormalises.
    static func emitForest(_ model: RandomForestModel, features x: EncodedFeatures, classCount: Int, into graph: inout GraphBuilder) throws -> Head {
        guard let width = model.trees.first?.valueWidth else {
            throw ONNXExportError.inconsistent("the forest has no trees")
        }
        try checkWidth(width, model.task, classCount: classCount)
        let scale = 1 / Double(model.trees.count)
        var writer = try TreeEnsembleWriter(columns: x)
        for tree in model.trees {
            for slot in 0..<width { try writer.append(tree, slot: slot, target: slot, scale: scale) }
        }
        let scores = writer.emit(input: x.value, targets: width, into: &graph)
        guard model.task == .classification else { return .values(scores) }
        let axis = graph.constant("class_axis", int64s: [1], shape: [1])
        let total = graph.add("ReduceSum", [scores, axis], named: "forest_total", attributes: [.int("keepdims", 1)])
        return .probabilities(graph.add("Div", [scores, total], named: "forest_probabilities"))
    }

    /// Gradient boosting: raw = baseline + Σ trees (tree i adds to column i mod k), then
    /// identity (regression), sigmoid as `[1 - p, p]` (binary) or softmax (multiclass).
    /// The baseline is folded into the leaves of each column's first tree (no `Add` node).
    static func emitBoosting(_ model: GradientBoostingModel, features x: EncodedFeatures, classCount: Int, into graph: inout GraphBuilder) throws -> Head {
        let k = model.treesPerIteration
        guard k >= 1, model.baseline.count == k else {
            throw ONNXExportError.inconsistent("boosting baseline has \(model.baseline.count) values for \(k) outputs")
        }
        var writer = try TreeEnsembleWriter(columns: x)
        // Tree i < k is its column's first: Workbench's raw score starts at the baseline and adds
        // the trees in order, so baseline + first tree's leaf is its first partial sum.
        let folded = model.trees.count >= k
        for (i, tree) in model.trees.enumerated() {
            try writer.append(tree, slot: 0, target: i % k, start: folded && i < k ? model.baseline[i] : nil)
        }
        let raw: String
        if writer.treeCount == 0 {
            // No trees: the raw score is the baseline alone, repeated per row.
            let base = graph.constant("boost_baseline", doubles: model.baseline, shape: [k])
            let rows = graph.add("Shape", [x.value], named: "batch_size", attributes: [.int("start", 0), .int("end", 1)])
            let width = graph.constant("raw_width", int64s: [Int64(k)], shape: [1])
            let shape = graph.add("Concat", [rows, width], named: "raw_shape", attributes: [.int("axis", 0)])
            raw = graph.add("Expand", [base, shape], named: "raw_scores")
        } else if folded {
            raw = writer.emit(input: x.value, targets: k, into: &graph)
        } else {
            let base = graph.constant("boost_baseline", doubles: model.baseline, shape: [k])
            let sums = writer.emit(input: x.value, targets: k, into: &graph)
            raw = graph.add("Add", [sums, base], named: "raw_scores")
        }
        switch model.task {
        case .regression:
            return .values(raw)
        case .classification where classCount == 2 && k == 1:
            let p = graph.add("Sigmoid", [raw], named: "positive_probability")
            let one = graph.constant("one", doubles: [1], shape: [1])
            let q = graph.add("Sub", [one, p], named: "negative_probability")
            return .probabilities(graph.add("Concat", [q, p], named: "boost_probabilities", attributes: [.int("axis", 1)]))
        case .classification where classCount == k:
            return .probabilities(graph.add("Softmax", [raw], named: "boost_probabilities", attributes: [.int("axis", 1)]))
        case .classification:
            throw ONNXExportError.inconsistent("boosting has \(k) score columns for \(classCount) classes")
        }
    }

    private static func checkWidth(_ width: Int, _ task: Task, classCount: Int) throws {
        let expected = task == .classification ? classCount : 1
        guard width == expected else {
            throw ONNXExportError.inconsistent("trees have \(width) outputs, the \(task.rawValue) needs \(expected)")
        }
    }
}
