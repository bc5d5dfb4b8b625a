/// Where a depth-first tree reads its feature values: exact presorted columns (CART) or bins (forest).
///
/// Each node owns a range `start..<end` of the source's row ordering; `partition` reorders that
/// range so the left child's rows come first.
protocol SplitSource {
    var featureCount: Int { get }
    /// Streams the node's rows of feature `f` into `scanner` in increasing value order, with the
    /// feature's missing rows in `scanner.missingBuffer`. Returns false when the feature is constant
    /// in the node (no split possible).
    mutating func scan(feature f: Int, start: Int, end: Int, targets: TrainingTargets, scanner: inout SplitScanner)
        -> Bool
    /// The stored threshold for a split between the adjacent values `lower` and `upper`.
    func threshold(feature f: Int, lower: Double, upper: Double) -> Double
    /// Moves the rows going left to the front of `start..<end`; returns where the right child starts.
    mutating func partition(start: Int, end: Int, feature f: Int, lower: Double, threshold: Double, missingLeft: Bool)
        -> Int
}

/// Grows one CART-style tree depth first: each node takes the best split over (a random subset
/// of) features, until depth, size or purity limits stop it.
///
/// Like scikit-learn, a node splits even when the best split does not lower impurity (so XOR is
/// learnable), and `maxFeatures` counts only features that are not constant in the node.
struct DepthFirstGrower: Sendable {
    let criterion: SplitCriterion
    /// 0 means unlimited.
    let maxDepth: Int
    let minSamplesSplit: Int
    let minSamplesLeaf: Int
    let maxFeatures: Int

    /// A node waiting to be split: its tree index, its row range and depth.
    private struct Pending {
        var node: Int
        var start: Int
        var end: Int
        var depth: Int
    }

    /// - Complexity: O(nodes × evaluated features × cost of `scan`).
    func grow<Source: SplitSource>(
        _ source: inout Source, targets: TrainingTargets, rootRows: some Sequence<Int>, rowCount: Int,
        generator: inout SeededGenerator, context: FitContext, reportProgress: Bool
    ) throws -> Tree {
        let width = targets.statsWidth
        var scanner = SplitScanner(criterion: criterion, width: width, minSamplesLeaf: minSamplesLeaf)
        defer { scanner.deallocate() }
        // Statistics of every node, flat (node i at i * width), so growing allocates nothing per node.
        var stats = [Double](repeating: 0, count: width)
        stats.withUnsafeMutableBufferPointer { s in
            for r in rootRows { targets.add(row: r, to: s.baseAddress!) }
        }
        var tree = Tree(valueWidth: targets.valueWidth)
        let valueBuffer = UnsafeMutablePointer<Double>.allocate(capacity: targets.valueWidth)
        defer { valueBuffer.deallocate() }
        func addNode(_ tree: inout Tree, statsAt offset: Int) -> Int {
            stats.withUnsafeBufferPointer { targets.writeNodeValues($0.baseAddress! + offset, into: valueBuffer) }
            return tree.addLeaf(
                values: UnsafeBufferPointer(start: valueBuffer, count: targets.valueWidth),
                cover: stats[offset + 1])
        }
        _ = addNode(&tree, statsAt: 0)

        var stack = [Pending(node: 0, start: 0, end: rowCount, depth: 0)]
        let d = source.featureCount
        var order = Array(0..<d)
        var settledRows = 0
        var visited = 0

        while let item = stack.popLast() {
            visited += 1
            if visited & 63 == 0 { try context.checkCancellation() }
            let count = item.end - item.start
            let offset = item.node * width
            let pure = stats.withUnsafeBufferPointer { targets.isPure($0.baseAddress! + offset) }
            let stop =
                (maxDepth > 0 && item.depth >= maxDepth)
                || count < minSamplesSplit || count < 2 * minSamplesLeaf || pure
            var splitFound = false
            if !stop {
                stats.withUnsafeBufferPointer { scanner.startNode($0.baseAddress! + offset) }
                // Partial Fisher–Yates: draw features until `maxFeatures` non-constant ones were scored.
                var scored = 0, i = 0
                while i < d && scored < maxFeatures {
                    let j = i + generator.nextInt(below: d - i)
                    order.swapAt(i, j)
                    if source.scan(
                        feature: order[i], start: item.start, end: item.end, targets: targets, scanner: &scanner)
                    {
                        scored += 1
                    }
                    i += 1
                }
                splitFound = scanner.found
            }
            guard splitFound else {
                settledRows += count
                if reportProgress { context.progress(Double(settledRows) / Double(max(1, rowCount))) }
                continue
            }
            let f = scanner.bestFeature
            let t = source.threshold(feature: f, lower: scanner.bestLower, upper: scanner.bestUpper)
            let mid = source.partition(
                start: item.start, end: item.end, feature: f, lower: scanner.bestLower,
                threshold: t, missingLeft: scanner.bestMissingLeft)
            precondition(
                mid - item.start == Int(scanner.bestLeft[0]),
                "internal error: partition disagrees with split statistics")
            // Children's statistics: the best left, and parent minus left.
            for j in 0..<width { stats.append(scanner.bestLeft[j]) }
            for j in 0..<width { stats.append(stats[offset + j] - scanner.bestLeft[j]) }
            let l = addNode(&tree, statsAt: stats.count - 2 * width)
            let r = addNode(&tree, statsAt: stats.count - width)
            tree.split(item.node, feature: f, threshold: t, missingGoesLeft: scanner.bestMissingLeft, left: l, right: r)
            stack.append(Pending(node: r, start: mid, end: item.end, depth: item.depth + 1))
            stack.append(Pending(node: l, start: item.start, end: mid, depth: item.depth + 1))
        }
        return tree
    }
}
