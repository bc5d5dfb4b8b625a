import Foundation
import Parallelism

/// One fitted decision tree stored as flat, index-linked node arrays (shared by tree, forest and boost).
///
/// Layout (node `i`, root is node 0, children always have larger indices than their parent):
/// - `feature[i]`: column tested, or `Tree.leaf` (-1) for a leaf.
/// - `threshold[i]`: a row goes left when `x[feature] <= threshold` (ONNX "BRANCH_LEQ"); always finite.
/// - `left[i]`, `right[i]`: child node indices (-1 for leaves).
/// - `missingGoesLeft[i]`: where a NaN in `feature[i]` goes (learned in training, or the larger child
///   when the node saw no missing value).
/// - `cover[i]`: training weight that reached the node (sample count, bootstrap weight, or hessian
///   sum for boosting) — what TreeSHAP needs.
/// - `values[i * valueWidth ..< (i + 1) * valueWidth]`: the node's output: class probabilities
///   (width = class count) for classification trees, one value for regression and boosting trees.
///   Internal nodes keep theirs too (the cover-weighted mean of their children's).
public struct Tree: Sendable, Codable, Equatable {
    /// The `feature` marker of a leaf.
    public static let leaf: Int32 = -1
    /// The deepest tree a model file may hold: TreeSHAP recurses once per level and keeps a path
    /// of O(depth²) elements, so a crafted chain of nodes must not set the cost.
    public static let maximumDepth = 1_000

    public private(set) var feature: [Int32] = []
    public private(set) var threshold: [Double] = []
    public private(set) var left: [Int32] = []
    public private(set) var right: [Int32] = []
    public private(set) var missingGoesLeft: [Bool] = []
    public private(set) var cover: [Double] = []
    public let valueWidth: Int
    public private(set) var values: [Double] = []

    enum CodingKeys: String, CodingKey {
        case feature, threshold, left, right, missingGoesLeft, cover, valueWidth, values
    }

    public init(valueWidth: Int) {
        precondition(valueWidth >= 1, "internal error: a tree needs at least one output")
        self.valueWidth = valueWidth
    }

    public var nodeCount: Int { feature.count }

    /// Number of leaves.
    public var leafCount: Int { feature.reduce(0) { $0 + ($1 == Tree.leaf ? 1 : 0) } }

    /// Depth of the deepest leaf (a lone root has depth 0).
    public var depth: Int {
        guard nodeCount > 0 else { return 0 }
        var depths = [Int](repeating: 0, count: nodeCount)
        var deepest = 0
        for i in 0..<nodeCount where feature[i] != Tree.leaf {
            depths[Int(left[i])] = depths[i] + 1
            depths[Int(right[i])] = depths[i] + 1
            deepest = max(deepest, depths[i] + 1)
        }
        return deepest
    }

    /// Appends a leaf and returns its index; `split(_:...)` may later turn it into an internal node.
    @discardableResult
    mutating func addLeaf(values nodeValues: some Collection<Double>, cover nodeCover: Double) -> Int {
        precondition(nodeValues.count == valueWidth, "internal error: leaf value width")
        feature.append(Tree.leaf)
        threshold.append(0)
        left.append(-1)
        right.append(-1)
        missingGoesLeft.append(true)
        cover.append(nodeCover)
        values.append(contentsOf: nodeValues)
        return feature.count - 1
    }

    /// Turns leaf `node` into a split on `feature` with the given children.
    mutating func split(
        _ node: Int, feature f: Int, threshold t: Double, missingGoesLeft m: Bool, left l: Int, right r: Int
    ) {
        precondition(feature[node] == Tree.leaf && l > node && r > node, "internal error: bad split link")
        feature[node] = Int32(f)
        // JSON cannot hold infinities, and ONNX wants finite thresholds: clamp, which keeps the
        // ordering for every finite input.
        threshold[node] = min(max(t, -Double.greatestFiniteMagnitude), Double.greatestFiniteMagnitude)
        missingGoesLeft[node] = m
        left[node] = Int32(l)
        right[node] = Int32(r)
    }

    /// Overwrites the output of `node` (boosting sets leaf values after growth).
    mutating func setValue(_ node: Int, _ value: Double, at slot: Int = 0) {
        values[node * valueWidth + slot] = value
    }

    /// The leaf a row ends in. Columns past the row's end read as missing, so a short row cannot crash.
    /// - Complexity: O(depth).
    @inlinable
    public func leafIndex(_ row: UnsafeBufferPointer<Double>) -> Int {
        var node = 0
        while true {
            let f = Int(feature[node])
            if f < 0 { return node }
            let x = f < row.count ? row[f] : .nan
            let goLeft = x.isNaN ? missingGoesLeft[node] : x <= threshold[node]
            node = Int(goLeft ? left[node] : right[node])
        }
    }

    /// Calls `visit(row, leaf)` for each row in `range` of the row-major `all` (`columns` wide)
    /// with the leaf it ends in: `leafIndex` for a run of rows, with the node arrays' addresses
    /// taken once (no bounds checks in the walk).
    @inline(__always)
    private func forEachLeaf(
        _ all: UnsafeBufferPointer<Double>, columns: Int, rows range: Range<Int>, _ visit: (Int, Int) -> Void
    ) {
        feature.withUnsafeBufferPointer { fe in
            threshold.withUnsafeBufferPointer { th in
                left.withUnsafeBufferPointer { le in
                    right.withUnsafeBufferPointer { ri in
                        missingGoesLeft.withUnsafeBufferPointer { ml in
                            for r in range {
                                let base = r * columns
                                var node = 0
                                while true {
                                    let f = Int(fe[node])
                                    if f < 0 { break }
                                    let x = f < columns ? all[base + f] : .nan
                                    let goLeft = x.isNaN ? ml[node] : x <= th[node]
                                    node = Int(goLeft ? le[node] : ri[node])
                                }
                                visit(r, node)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds this tree's first output value for each row in `range` of the row-major `all`
    /// (`columns` wide) to `out[(r - range.lowerBound) * stride + column]`.
    func addValues(
        _ all: UnsafeBufferPointer<Double>, columns: Int, rows range: Range<Int>,
        into out: UnsafeMutableBufferPointer<Double>, stride: Int, column: Int
    ) {
        values.withUnsafeBufferPointer { va in
            forEachLeaf(all, columns: columns, rows: range) { r, leaf in
                out[(r - range.lowerBound) * stride + column] += va[leaf * valueWidth]
            }
        }
    }

    /// Adds `scale` × this tree's outputs for each row in `range` to `out[(r - range.lowerBound) * valueWidth + k]`.
    private func addScaledOutputs(
        _ all: UnsafeBufferPointer<Double>, columns: Int, rows range: Range<Int>,
        into out: UnsafeMutableBufferPointer<Double>, scale: Double
    ) {
        values.withUnsafeBufferPointer { va in
            forEachLeaf(all, columns: columns, rows: range) { r, leaf in
                let target = (r - range.lowerBound) * valueWidth
                for k in 0..<valueWidth { out[target + k] += scale * va[leaf * valueWidth + k] }
            }
        }
    }

    /// Σ `scale` × output of `trees` (all of one output width) for every row of `x`, row-major.
    /// Large inputs are scored in blocks of rows on all cores; each row still adds the trees in
    /// order, so the result does not depend on the number of threads.
    static func summedOutputs(of trees: [Tree], _ x: Matrix, scale: Double) -> [Double] {
        // Each block walks one tree for all its rows before the next tree, so a tree's nodes are
        // fetched once per block: blocks as large as a few per core allow (a forest of deep trees
        // is far larger than the caches), and at least 128 rows, so a 1,000-row batch still splits.
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let block = max(128, min(8_192, x.rows / (2 * max(1, threads))))
        guard x.rows >= 2 * block else { return summedOutputs(of: trees, x, scale: scale, rows: 0..<x.rows) }
        let blocks = (x.rows + block - 1) / block
        let parts = parallelMap(blocks, threads: threads) { b in
            summedOutputs(of: trees, x, scale: scale, rows: (b * block)..<min(x.rows, (b + 1) * block))
        }
        return parts.flatMap { $0 }
    }

    private static func summedOutputs(of trees: [Tree], _ x: Matrix, scale: Double, rows range: Range<Int>) -> [Double]
    {
        var out = [Double](repeating: 0, count: range.count * (trees.first?.valueWidth ?? 1))
        x.values.withUnsafeBufferPointer { all in
            out.withUnsafeMutableBufferPointer { o in
                for tree in trees { tree.addScaledOutputs(all, columns: x.columns, rows: range, into: o, scale: scale) }
            }
        }
        return out
    }
}

// MARK: - Decoding

extension Tree {
    /// Writes the node arrays compactly (`CompactArrayCoding`): a deep tree has thousands of nodes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(valueWidth, forKey: .valueWidth)
        try container.encodeCompact(feature, forKey: .feature)
        try container.encodeCompact(threshold, forKey: .threshold)
        try container.encodeCompact(left, forKey: .left)
        try container.encodeCompact(right, forKey: .right)
        try container.encodeCompact(missingGoesLeft, forKey: .missingGoesLeft)
        try container.encodeCompact(cover, forKey: .cover)
        try container.encodeCompact(values, forKey: .values)
    }

    /// Decodes a tree, refusing one the walk could leave or loop in: node arrays of one length,
    /// `valueWidth` outputs per node, every split's children after it in the arrays (so no cycle)
    /// and each node the child of one parent, depth at most `maximumDepth`, and finite thresholds,
    /// covers and outputs.
    /// - Complexity: O(nodes · valueWidth).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = container.codingPath
        let width = try container.decode(Int.self, forKey: .valueWidth)
        try StoredModelCheck.require(
            width >= 1, at: path + [CodingKeys.valueWidth], "a tree needs at least one output per node, not \(width)")
        self.init(valueWidth: width)
        feature = try container.decodeCompact([Int32].self, forKey: .feature)
        threshold = try container.decodeCompact([Double].self, forKey: .threshold)
        left = try container.decodeCompact([Int32].self, forKey: .left)
        right = try container.decodeCompact([Int32].self, forKey: .right)
        missingGoesLeft = try container.decodeCompact([Bool].self, forKey: .missingGoesLeft)
        cover = try container.decodeCompact([Double].self, forKey: .cover)
        values = try container.decodeCompact([Double].self, forKey: .values)
        let n = feature.count
        try StoredModelCheck.require(n >= 1, at: path + [CodingKeys.feature], "a tree needs at least one node")
        for (key, count) in [
            (CodingKeys.threshold, threshold.count), (.left, left.count), (.right, right.count),
            (.missingGoesLeft, missingGoesLeft.count), (.cover, cover.count),
        ] {
            try StoredModelCheck.require(count == n, at: path + [key], "\(count) entries for \(n) nodes")
        }
        try StoredModelCheck.require(
            StoredModelCheck.product(n, width) == values.count, at: path + [CodingKeys.values],
            "\(values.count) values for \(n) nodes of \(width) outputs each")
        try StoredModelCheck.require(
            StoredModelCheck.allFinite(threshold), at: path + [CodingKeys.threshold],
            "a threshold is not a finite number")
        try StoredModelCheck.require(
            cover.allSatisfy { $0.isFinite && $0 >= 0 }, at: path + [CodingKeys.cover],
            "a cover is negative or not a finite number")
        try StoredModelCheck.require(
            StoredModelCheck.allFinite(values), at: path + [CodingKeys.values], "an output is not a finite number")
        // Children strictly after their parent: every walk moves forward, so it ends within n steps.
        var depths = [Int](repeating: -1, count: n)
        depths[0] = 0
        func link(_ parent: Int, _ child: Int, _ key: CodingKeys) throws {
            try StoredModelCheck.require(
                child > parent && child < n, at: path + [key],
                "node \(parent)'s child \(child) is not a later node of the \(n)")
            try StoredModelCheck.require(depths[child] < 0, at: path + [key], "node \(child) has two parents")
            depths[child] = depths[parent] + 1
            try StoredModelCheck.require(
                depths[child] <= Tree.maximumDepth, at: path + [key],
                "the tree is deeper than \(Tree.maximumDepth) levels")
        }
        for i in 0..<n {
            let f = feature[i]
            if f == Tree.leaf {
                try StoredModelCheck.require(
                    left[i] == -1 && right[i] == -1, at: path + [CodingKeys.left],
                    "leaf \(i) has children")
                continue
            }
            try StoredModelCheck.require(f >= 0, at: path + [CodingKeys.feature], "node \(i) tests feature \(f)")
            try StoredModelCheck.require(
                depths[i] >= 0, at: path + [CodingKeys.left], "node \(i) is not reached from the root")
            try link(i, Int(left[i]), .left)
            try link(i, Int(right[i]), .right)
        }
        try StoredModelCheck.require(
            !depths.contains(-1), at: path + [CodingKeys.left], "a node is not reached from the root")
    }

    /// The largest feature index a split tests, or -1 for a lone leaf.
    var largestFeature: Int { Int(feature.max() ?? -1) }
}
