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

    public private(set) var feature: [Int32] = []
    public private(set) var threshold: [Double] = []
    public private(set) var left: [Int32] = []
    public private(set) var right: [Int32] = []
    public private(set) var missingGoesLeft: [Bool] = []
    public private(set) var cover: [Double] = []
    public let valueWidth: Int
    public private(set) var values: [Double] = []

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
    mutating func split(_ node: Int, feature f: Int, threshold t: Double, missingGoesLeft m: Bool, left l: Int, right r: Int) {
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

    /// Adds this tree's first output value for each row in `range` of the row-major `all`
    /// (`columns` wide) to `out[(r - range.lowerBound) * stride + column]`: `leafIndex` for a run
    /// of rows, with the node arrays' addresses taken once (no bounds checks in the walk).
    func addValues(_ all: UnsafeBufferPointer<Double>, columns: Int, rows range: Range<Int>,
                   into out: UnsafeMutableBufferPointer<Double>, stride: Int, column: Int) {
        feature.withUnsafeBufferPointer { fe in
            threshold.withUnsafeBufferPointer { th in
                left.withUnsafeBufferPointer { le in
                    right.withUnsafeBufferPointer { ri in
                        missingGoesLeft.withUnsafeBufferPointer { ml in
                            values.withUnsafeBufferPointer { va in
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
                                    out[(r - range.lowerBound) * stride + column] += va[node * valueWidth]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds `scale` × this tree's output for every row of `x` into `out` (row-major, `valueWidth`
    /// columns starting at `column` of `outWidth`).
    func accumulate(_ x: Matrix, into out: inout [Double], outWidth: Int, column: Int = 0, scale: Double = 1) {
        x.values.withUnsafeBufferPointer { all in
            for r in 0..<x.rows {
                let row = UnsafeBufferPointer(rebasing: all[(r * x.columns)..<((r + 1) * x.columns)])
                let leaf = leafIndex(row)
                for k in 0..<valueWidth {
                    out[r * outWidth + column + k] += scale * values[leaf * valueWidth + k]
                }
            }
        }
    }
}
