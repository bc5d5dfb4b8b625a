import Learning

/// Collects Workbench trees into the flat attribute arrays of ai.onnx.ml `TreeEnsemble` (opset 5).
///
/// That operator stores split nodes and leaves in separate arrays, and each leaf adds one weight
/// to one target. A Workbench tree whose leaves hold several outputs (a class distribution) is
/// therefore written once per output, each copy with that output's leaf values. Split mode is
/// always BRANCH_LEQ (`x <= threshold` goes to the true branch = Workbench's left child), and
/// `nodes_missing_value_tracks_true` is `missingGoesLeft`: a NaN takes the true (left) branch
/// when it is 1, the false (right) branch when it is 0.
///
/// Workbench's feature index `f` (a column of `Preprocessor.outputNames`) is written as the graph
/// column `columns[f]` (`EncodedFeatures.column`), so the splits read the preprocessing graph's
/// column order directly.
struct TreeEnsembleWriter {
    private let columns: [Int]
    private var featureIds: [Int] = []
    private var splits: [Double] = []
    private var trueIds: [Int] = []
    private var trueIsLeaf: [Int] = []
    private var falseIds: [Int] = []
    private var falseIsLeaf: [Int] = []
    private var missingTracksTrue: [Int] = []
    private var roots: [Int] = []
    private var leafTargets: [Int] = []
    private var leafWeights: [Double] = []

    /// Throws for a matrix with alias columns, which a split cannot read as one feature.
    init(columns x: EncodedFeatures) throws {
        guard x.aliases.isEmpty else {
            throw ONNXExportError.inconsistent("tree splits need one graph column per feature")
        }
        columns = x.column
    }

    /// Trees written so far.
    var treeCount: Int { roots.count }

    /// Split nodes written so far: a row's walk through the ensemble costs about this many
    /// comparisons in the worst case.
    var splitCount: Int { featureIds.count }

    /// Appends `tree`, reading leaf output `slot` and adding `start + scale × value` to `target`.
    ///
    /// `start` folds a constant into the leaves (boosting's baseline into each target's first
    /// tree): `start + value` is the very sum Workbench forms when it adds the tree to the
    /// baseline, and the ensemble's sum starts from 0, so the total keeps Workbench's bits.
    mutating func append(_ tree: Tree, slot: Int, target: Int, scale: Double = 1, start: Double? = nil) throws {
        guard tree.nodeCount > 0, slot < tree.valueWidth, tree.values.count >= tree.nodeCount * tree.valueWidth else {
            throw ONNXExportError.inconsistent("a tree with \(tree.nodeCount) nodes has no output \(slot)")
        }
        func leafWeight(_ node: Int) -> Double {
            let value = scale * tree.values[node * tree.valueWidth + slot]
            return start.map { $0 + value } ?? value
        }
        let n = tree.nodeCount
        guard tree.left.count == n, tree.right.count == n, tree.threshold.count == n, tree.missingGoesLeft.count == n,
            (0..<n).allSatisfy({
                tree.feature[$0] == Tree.leaf
                    || (0..<n).contains(Int(tree.left[$0])) && (0..<n).contains(Int(tree.right[$0]))
            })
        else {
            throw ONNXExportError.inconsistent("a tree's node arrays disagree or a split links to a missing child")
        }
        // A subtree whose every leaf adds the same weight to this target is written as one leaf
        // of that weight: the row adds the very same number wherever it would have ended, and
        // stops there. Most of a forest's per-class copies are such subtrees (a pure leaf has
        // weight 0 for every other class; a pure subtree the same weight for its own). Equal
        // means the same bits, so the sums keep Workbench's. Children come after their parent
        // in Workbench's trees, so one backward pass decides every node.
        var uniform = [UInt64?](repeating: nil, count: n)
        let ordered = (0..<n).allSatisfy {
            tree.feature[$0] == Tree.leaf || (Int(tree.left[$0]) > $0 && Int(tree.right[$0]) > $0)
        }
        if ordered {
            for i in stride(from: n - 1, through: 0, by: -1) {
                if tree.feature[i] == Tree.leaf {
                    uniform[i] = leafWeight(i).bitPattern
                } else if let left = uniform[Int(tree.left[i])], left == uniform[Int(tree.right[i])] {
                    uniform[i] = left
                }
            }
        }
        func isLeaf(_ node: Int) -> Bool { tree.feature[node] == Tree.leaf || uniform[node] != nil }
        func addLeaf(_ node: Int) -> Int {
            leafTargets.append(target)
            leafWeights.append(uniform[node].map(Double.init(bitPattern:)) ?? leafWeight(node))
            return leafTargets.count - 1
        }
        roots.append(featureIds.count)
        if isLeaf(0) {
            // The operator has no leaf-only tree: a split on feature 0 whose both sides are the leaf.
            let l = addLeaf(0), r = addLeaf(0)
            appendSplit(
                feature: 0, threshold: 0, missingLeft: true, trueId: l, trueLeaf: true, falseId: r, falseLeaf: true)
            return
        }
        // The splits a row can reach, in Workbench's relative order.
        var reached = [Bool](repeating: false, count: n)
        var stack = [0]
        reached[0] = true
        while let i = stack.popLast() {
            for child in [Int(tree.left[i]), Int(tree.right[i])] where !isLeaf(child) && !reached[child] {
                reached[child] = true
                stack.append(child)
            }
        }
        var splitIndex = [Int](repeating: -1, count: n)
        var next = featureIds.count
        for i in 0..<n where reached[i] {
            splitIndex[i] = next
            next += 1
        }
        for i in 0..<n where reached[i] {
            let l = Int(tree.left[i]), r = Int(tree.right[i])
            let feature = Int(tree.feature[i])
            guard columns.indices.contains(feature) else {
                throw ONNXExportError.inconsistent("tree node \(i) splits on feature \(feature) of \(columns.count)")
            }
            let leftIsLeaf = isLeaf(l), rightIsLeaf = isLeaf(r)
            let trueId = leftIsLeaf ? addLeaf(l) : splitIndex[l]
            let falseId = rightIsLeaf ? addLeaf(r) : splitIndex[r]
            appendSplit(
                feature: columns[feature], threshold: tree.threshold[i], missingLeft: tree.missingGoesLeft[i],
                trueId: trueId, trueLeaf: leftIsLeaf, falseId: falseId, falseLeaf: rightIsLeaf)
        }
    }

    private mutating func appendSplit(
        feature: Int, threshold: Double, missingLeft: Bool,
        trueId: Int, trueLeaf: Bool, falseId: Int, falseLeaf: Bool
    ) {
        featureIds.append(feature)
        splits.append(threshold)
        missingTracksTrue.append(missingLeft ? 1 : 0)
        trueIds.append(trueId)
        trueIsLeaf.append(trueLeaf ? 1 : 0)
        falseIds.append(falseId)
        falseIsLeaf.append(falseLeaf ? 1 : 0)
    }

    /// Emits the `TreeEnsemble` node summing leaf weights per target: output `[N, targets]` double.
    ///
    /// ONNX Runtime has a faster kernel for one target (a scalar sum per row instead of a vector
    /// of scores that each leaf indexes): about 28% less time per row and tree on batches. So the
    /// heads write one ensemble per target where a row has several.
    func emit(input: String, targets: Int, named base: String = "tree_scores", into graph: inout GraphBuilder) -> String
    {
        graph.add(
            "TreeEnsemble", [input], named: base, domain: ONNXExporter.mlDomain,
            attributes: [
                .int("n_targets", targets),
                .int("aggregate_function", 1),  // SUM; averaging is done by scaling leaf weights.
                .int("post_transform", 0),  // NONE; links are separate ai.onnx nodes in double.
                .ints("tree_roots", roots),
                .ints("nodes_featureids", featureIds),
                .tensor("nodes_splits", .doubles(splits, shape: [splits.count])),
                // 0 = BRANCH_LEQ
                .tensor("nodes_modes", .uint8s([UInt8](repeating: 0, count: splits.count), shape: [splits.count])),
                .ints("nodes_truenodeids", trueIds),
                .ints("nodes_trueleafs", trueIsLeaf),
                .ints("nodes_falsenodeids", falseIds),
                .ints("nodes_falseleafs", falseIsLeaf),
                .ints("nodes_missing_value_tracks_true", missingTracksTrue),
                .ints("leaf_targetids", leafTargets),
                .tensor("leaf_weights", .doubles(leafWeights, shape: [leafWeights.count])),
            ])
    }
}
