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

    init(columns: [Int]) {
        self.columns = columns
    }

    /// Trees written so far.
    var treeCount: Int { roots.count }

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
        func addLeaf(_ node: Int) -> Int {
            leafTargets.append(target)
            leafWeights.append(leafWeight(node))
            return leafTargets.count - 1
        }
        roots.append(featureIds.count)
        if tree.feature[0] == Tree.leaf {
            // The operator has no leaf-only tree: a split on feature 0 whose both sides are the leaf.
            let l = addLeaf(0), r = addLeaf(0)
            appendSplit(feature: 0, threshold: 0, missingLeft: true, trueId: l, trueLeaf: true, falseId: r, falseLeaf: true)
            return
        }
        // Split nodes keep Workbench's relative order; children always come after their parent.
        var splitIndex = [Int](repeating: -1, count: tree.nodeCount)
        var next = featureIds.count
        for i in 0..<tree.nodeCount where tree.feature[i] != Tree.leaf {
            splitIndex[i] = next
            next += 1
        }
        for i in 0..<tree.nodeCount where tree.feature[i] != Tree.leaf {
            let l = Int(tree.left[i]), r = Int(tree.right[i])
            guard tree.left.indices.contains(l), tree.left.indices.contains(r) else {
                throw ONNXExportError.inconsistent("tree node \(i) links to a missing child")
            }
            let feature = Int(tree.feature[i])
            guard columns.indices.contains(feature) else {
                throw ONNXExportError.inconsistent("tree node \(i) splits on feature \(feature) of \(columns.count)")
            }
            let leftIsLeaf = tree.feature[l] == Tree.leaf, rightIsLeaf = tree.feature[r] == Tree.leaf
            let trueId = leftIsLeaf ? addLeaf(l) : splitIndex[l]
            let falseId = rightIsLeaf ? addLeaf(r) : splitIndex[r]
            appendSplit(feature: columns[feature], threshold: tree.threshold[i], missingLeft: tree.missingGoesLeft[i],
                        trueId: trueId, trueLeaf: leftIsLeaf, falseId: falseId, falseLeaf: rightIsLeaf)
        }
    }

    private mutating func appendSplit(feature: Int, threshold: Double, missingLeft: Bool,
                                      trueId: Int, trueLeaf: Bool, falseId: Int, falseLeaf: Bool) {
        featureIds.append(feature)
        splits.append(threshold)
        missingTracksTrue.append(missingLeft ? 1 : 0)
        trueIds.append(trueId)
        trueIsLeaf.append(trueLeaf ? 1 : 0)
        falseIds.append(falseId)
        falseIsLeaf.append(falseLeaf ? 1 : 0)
    }

    /// Emits the `TreeEnsemble` node summing leaf weights per target: output `[N, targets]` double.
    func emit(input: String, targets: Int, into graph: inout GraphBuilder) -> String {
        graph.add("TreeEnsemble", [input], named: "tree_scores", domain: ONNXExporter.mlDomain, attributes: [
            .int("n_targets", targets),
            .int("aggregate_function", 1),  // SUM; averaging is done by scaling leaf weights.
            .int("post_transform", 0),  // NONE; links are separate ai.onnx nodes in double.
            .ints("tree_roots", roots),
            .ints("nodes_featureids", featureIds),
            .tensor("nodes_splits", .doubles(splits, shape: [splits.count])),
            .tensor("nodes_modes", .uint8s([UInt8](repeating: 0, count: splits.count), shape: [splits.count])),  // 0 = BRANCH_LEQ
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
