import Learning

extension ONNXExporter {
    /// One CART tree: its leaves are the probabilities (classification) or the value.
    static func emitDecisionTree(
        _ model: DecisionTreeModel, features x: EncodedFeatures, classCount: Int, into graph: inout GraphBuilder
    ) throws -> Head {
        let width = model.tree.valueWidth
        try checkWidth(width, model.task, classCount: classCount)
        var writer = try TreeEnsembleWriter(columns: x)
        for slot in 0..<width { try writer.append(model.tree, slot: slot, target: slot) }
        let scores = writer.emit(input: x.value, targets: width, into: &graph)
        return model.task == .classification ? .probabilities(scores) : .values(scores)
    }

    /// Random forest: Σ (1/T)·leaf, the scale folded into the leaf weights exactly as Workbench
    /// multiplies before adding.
    ///
    /// Classification, when every leaf's class distribution sums to 1 (within 1e-12; always, for
    /// Workbench's forests): one single-target `TreeEnsemble` per class but one, and `Gemm`
    /// completing the last as 1 − Σ others (the others are copied through ×1 + 0, exactly), then
    /// `Relu` so that rounding never leaves a probability of −1e-16. The class left out is the
    /// one whose tree copies have the most splits: walking
    /// the trees is the work on a batch, and a single-target ensemble is ONNX Runtime's faster
    /// kernel. Workbench divides by the row sum (1 up to rounding); the graph does not, which moves
    /// a probability by about 1e-15. Otherwise: one ensemble of all classes, `ReduceSum` and `Div`.
    static func emitForest(
        _ model: RandomForestModel, features x: EncodedFeatures, classCount: Int, into graph: inout GraphBuilder
    ) throws -> Head {
        guard let width = model.trees.first?.valueWidth else {
            throw ONNXExportError.inconsistent("the forest has no trees")
        }
        try checkWidth(width, model.task, classCount: classCount)
        let scale = 1 / Double(model.trees.count)
        guard model.task == .classification else {
            var writer = try TreeEnsembleWriter(columns: x)
            for tree in model.trees { try writer.append(tree, slot: 0, target: 0, scale: scale) }
            return .values(writer.emit(input: x.value, targets: 1, into: &graph))
        }
        if width >= 2, model.trees.allSatisfy(\.leavesAreDistributions) {
            var writers: [TreeEnsembleWriter] = []
            for slot in 0..<width {
                var writer = try TreeEnsembleWriter(columns: x)
                for tree in model.trees { try writer.append(tree, slot: slot, target: 0, scale: scale) }
                writers.append(writer)
            }
            let completed = writers.indices.max { writers[$0].splitCount < writers[$1].splitCount } ?? 0
            let kept = writers.indices.filter { $0 != completed }
            let parts = kept.map {
                writers[$0].emit(input: x.value, targets: 1, named: "class_\($0)_scores", into: &graph)
            }
            let partial =
                parts.count == 1
                ? parts[0] : graph.add("Concat", parts, named: "kept_probabilities", attributes: [.int("axis", 1)])
            // partial [N, width − 1] · completion [width − 1, width] + bias [width].
            var completion = [Double](repeating: 0, count: kept.count * width)
            for (row, slot) in kept.enumerated() {
                completion[row * width + slot] = 1
                completion[row * width + completed] = -1
            }
            var bias = [Double](repeating: 0, count: width)
            bias[completed] = 1
            let matrix = graph.constant("completion", doubles: completion, shape: [kept.count, width])
            let offset = graph.constant("completion_bias", doubles: bias, shape: [width])
            let sums = graph.add("Gemm", [partial, matrix, offset], named: "forest_sums")
            return .probabilities(graph.add("Relu", [sums], named: "forest_probabilities"))
        }
        var writer = try TreeEnsembleWriter(columns: x)
        for tree in model.trees {
            for slot in 0..<width { try writer.append(tree, slot: slot, target: slot, scale: scale) }
        }
        let scores = writer.emit(input: x.value, targets: width, into: &graph)
        let axis = graph.constant("class_axis", int64s: [1], shape: [1])
        let total = graph.add("ReduceSum", [scores, axis], named: "forest_total", attributes: [.int("keepdims", 1)])
        return .probabilities(graph.add("Div", [scores, total], named: "forest_probabilities"))
    }

    /// Gradient boosting: raw = baseline + Σ trees (tree i adds to column i mod k), then
    /// identity (regression), sigmoid as `[1 - p, p]` (binary) or softmax (multiclass).
    static func emitBoosting(
        _ model: GradientBoostingModel, features x: EncodedFeatures, classCount: Int, into graph: inout GraphBuilder
    ) throws -> Head {
        let k = model.treesPerIteration
        guard k >= 1, model.baseline.count == k else {
            throw ONNXExportError.inconsistent("boosting baseline has \(model.baseline.count) values for \(k) outputs")
        }
        let raw: String
        if model.trees.isEmpty {
            // No trees: the raw score is the baseline alone, repeated per row.
            let base = graph.constant("boost_baseline", doubles: model.baseline, shape: [k])
            let rows = graph.add(
                "Shape", [x.value], named: "batch_size", attributes: [.int("start", 0), .int("end", 1)])
            let width = graph.constant("raw_width", int64s: [Int64(k)], shape: [1])
            let shape = graph.add("Concat", [rows, width], named: "raw_shape", attributes: [.int("axis", 0)])
            raw = graph.add("Expand", [base, shape], named: "raw_scores")
        } else {
            // Boosting adds k trees per iteration, so every column has a first tree.
            guard model.trees.count >= k else {
                throw ONNXExportError.inconsistent("boosting has \(model.trees.count) trees for \(k) score columns")
            }
            // One single-target ensemble per score column (ONNX Runtime's faster kernel), then
            // Concat. Tree i < k is its column's first: Workbench's raw score starts at the
            // baseline and adds the trees in order, so baseline + first tree's leaf is its first
            // partial sum (the baseline folded into the leaves, no `Add` node).
            var writers = try (0..<k).map { _ in try TreeEnsembleWriter(columns: x) }
            for (i, tree) in model.trees.enumerated() {
                try writers[i % k].append(tree, slot: 0, target: 0, start: i < k ? model.baseline[i] : nil)
            }
            let columns = writers.enumerated().map { column, writer in
                writer.emit(
                    input: x.value, targets: 1, named: k == 1 ? "tree_scores" : "column_\(column)_scores", into: &graph)
            }
            raw =
                columns.count == 1
                ? columns[0] : graph.add("Concat", columns, named: "raw_scores", attributes: [.int("axis", 1)])
        }
        switch model.task {
        case .regression:
            return .values(raw)
        case .classification where classCount == 2 && k == 1:
            let p = graph.add("Sigmoid", [raw], named: "positive_probability")
            let one = graph.constant("one", doubles: [1], shape: [1])
            let q = graph.add("Sub", [one, p], named: "negative_probability")
            return .probabilities(
                graph.add("Concat", [q, p], named: "boost_probabilities", attributes: [.int("axis", 1)]))
        case .classification where classCount == k:
            return .probabilities(
                graph.add("Softmax", [raw], named: "boost_probabilities", attributes: [.int("axis", 1)]))
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

extension Tree {
    /// Every leaf holds a class distribution: no negative share, and shares summing to 1 within
    /// 1e-12 (a forest's average of them then sums to 1 up to rounding, so the last class is
    /// 1 − Σ others).
    var leavesAreDistributions: Bool {
        guard valueWidth >= 1, values.count >= nodeCount * valueWidth, feature.count == nodeCount else { return false }
        for node in 0..<nodeCount where feature[node] == Tree.leaf {
            let shares = values[node * valueWidth..<(node + 1) * valueWidth]
            guard shares.allSatisfy({ $0 >= 0 }), abs(shares.reduce(0, +) - 1) <= 1e-12 else { return false }
        }
        return true
    }
}
