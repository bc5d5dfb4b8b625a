import Dispatch

/// A raw pointer handed to worker threads that write disjoint parts of it.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

/// Binned training data for boosting: row-major bins where a missing value is bin `binCount(f)`.
///
/// Row-major because histogram building reads every feature of a row at once: one or two cache
/// lines per row instead of one per feature.
struct BoostingBins: Sendable {
    let rowCount: Int
    let featureCount: Int
    /// Bin of row r, feature f at `r * featureCount + f`.
    let codes: [UInt8]
    /// Value bins per feature (the missing bin is one more).
    let binCounts: [Int]
    /// Start of feature f's bins in a histogram (each feature has `binCounts[f] + 1` bins).
    let offsets: [Int]
    var totalBins: Int { offsets.last ?? 0 }

    /// Bins `rows` of `x` with `binner`, moving missing values from bin 255 to `binCount(f)`.
    init(_ x: Matrix, rows: [Int], binner: FeatureBinner, threads: Int) throws {
        rowCount = rows.count
        featureCount = x.columns
        binCounts = (0..<x.columns).map { binner.binCount($0) }
        var o = [0]
        for b in binCounts { o.append(o[o.count - 1] + b + 1) }
        offsets = o
        var c = try binner.transform(x, rows: rows, threads: threads)
        let n = rows.count, d = x.columns
        let missing = binCounts.map { UInt8($0) }
        for r in 0..<n {
            for f in 0..<d where c[r * d + f] == FeatureBinner.missingBin { c[r * d + f] = missing[f] }
        }
        codes = c
    }
}

/// Grows one gradient-boosting tree leaf-wise (best-first) from gradient/hessian histograms, like
/// LightGBM and scikit-learn's HistGradientBoosting.
///
/// A histogram holds (Σg, Σh, count) per bin of every feature. Only the smaller child of each
/// split gets a histogram built from its rows; its sibling's is the parent's minus it. Building is
/// spread over features on `threads` workers; each feature's sums are taken in row order by one
/// worker, so results do not depend on the thread count.
final class HistogramGrower {
    let bins: BoostingBins
    let maxLeafNodes: Int
    /// 0 = unlimited.
    let maxDepth: Int
    let minSamplesLeaf: Int
    let l2: Double
    let threads: Int
    static let minHessianToSplit = 1e-3

    /// Training rows, node-contiguous.
    private var rows: [Int32]
    private let orderedG: UnsafeMutablePointer<Double>
    private let orderedH: UnsafeMutablePointer<Double>

    init(bins: BoostingBins, edges: [[Double]], maxLeafNodes: Int, maxDepth: Int, minSamplesLeaf: Int, l2: Double, threads: Int) {
        self.bins = bins
        self.edges = edges
        self.maxLeafNodes = maxLeafNodes
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.l2 = l2
        self.threads = threads
        rows = (0..<bins.rowCount).map { Int32($0) }
        orderedG = .allocate(capacity: max(1, bins.rowCount))
        orderedH = .allocate(capacity: max(1, bins.rowCount))
    }

    deinit {
        orderedG.deallocate()
        orderedH.deallocate()
    }

    /// The best split of a node.
    struct Split: Sendable {
        var gain = 0.0
        var feature = -1
        /// Rows with bin ≤ `bin` go left.
        var bin = 0
        var missingLeft = true
        var leftG = 0.0, leftH = 0.0, leftCount = 0.0
    }

    /// A leaf that may still be split.
    private final class Candidate {
        let node: Int
        let start: Int, end: Int
        let depth: Int
        let g: Double, h: Double
        var histogram: [Double]
        var split: Split?
        init(node: Int, start: Int, end: Int, depth: Int, g: Double, h: Double, histogram: [Double]) {
            self.node = node; self.start = start; self.end = end; self.depth = depth
            self.g = g; self.h = h; self.histogram = histogram
        }
    }

    /// The result of growing: the tree (values not yet scaled), bin thresholds per node for fast
    /// binned prediction, and each leaf's training rows.
    struct Grown {
        var tree: Tree
        var binThreshold: [Int]
        var leaves: [(node: Int, rows: ArraySlice<Int32>)]
    }

    /// Leaf output −G/(H + λ) (before the learning rate).
    func leafValue(g: Double, h: Double) -> Double { -g / (h + l2) }

    /// - Complexity: O(rows · features) for the root histogram, then O(smaller child · features)
    ///   per split, plus O(bins) to find each split.
    func grow(gradients g: [Double], hessians h: [Double], learningRate: Double) throws -> Grown {
        let n = bins.rowCount
        for i in 0..<n { rows[i] = Int32(i) }
        var sumG = 0.0, sumH = 0.0
        for i in 0..<n { sumG += g[i]; sumH += h[i] }
        var tree = Tree(valueWidth: 1)
        tree.addLeaf(values: [learningRate * leafValue(g: sumG, h: sumH)], cover: sumH)
        var binThreshold = [0]
        let root = Candidate(node: 0, start: 0, end: n, depth: 0, g: sumG, h: sumH,
                             histogram: buildHistogram(start: 0, end: n, g: g, h: h, isRoot: true))
        root.split = try findSplit(root)
        var open = [root]
        var leaves: [Candidate] = []
        var leafCount = 1

        while leafCount < maxLeafNodes {
            // Best-first: the open leaf with the largest gain (first one on ties).
            var bestIndex = -1
            for (i, c) in open.enumerated() {
                if let s = c.split, bestIndex < 0 || s.gain > (open[bestIndex].split?.gain ?? -.infinity) { bestIndex = i }
            }
            guard bestIndex >= 0, let split = open[bestIndex].split else { break }
            let parent = open.remove(at: bestIndex)
            let mid = partition(parent, split)
            precondition(mid - parent.start == Int(split.leftCount), "internal error: partition disagrees with histogram")
            let rightG = parent.g - split.leftG, rightH = parent.h - split.leftH
            let l = tree.addLeaf(values: [learningRate * leafValue(g: split.leftG, h: split.leftH)], cover: split.leftH)
            let r = tree.addLeaf(values: [learningRate * leafValue(g: rightG, h: rightH)], cover: rightH)
            binThreshold += [0, 0]
            binThreshold[parent.node] = split.bin
            tree.split(parent.node, feature: split.feature, threshold: threshold(split),
                       missingGoesLeft: split.missingLeft, left: l, right: r)
            leafCount += 1
            let left = Candidate(node: l, start: parent.start, end: mid, depth: parent.depth + 1,
                                 g: split.leftG, h: split.leftH, histogram: [])
            let right = Candidate(node: r, start: mid, end: parent.end, depth: parent.depth + 1,
                                  g: rightG, h: rightH, histogram: [])
            let canGrow = leafCount < maxLeafNodes && (maxDepth == 0 || parent.depth + 1 < maxDepth)
            let splittable = [left, right].filter { canGrow && $0.end - $0.start >= 2 * minSamplesLeaf }
            if !splittable.isEmpty {
                // Subtraction trick: build the smaller child, derive the larger from the parent.
                let (small, large) = left.end - left.start <= right.end - right.start ? (left, right) : (right, left)
                small.histogram = buildHistogram(start: small.start, end: small.end, g: g, h: h, isRoot: false)
                var derived = parent.histogram
                derived.withUnsafeMutableBufferPointer { out in
                    small.histogram.withUnsafeBufferPointer { part in
                        for i in 0..<out.count { out[i] -= part[i] }
                    }
                }
                large.histogram = derived
                for c in splittable { c.split = try findSplit(c) }
            }
            parent.histogram = []
            for c in [left, right] {
                c.histogram = c.split == nil ? [] : c.histogram
                if c.split != nil { open.append(c) } else { leaves.append(c) }
            }
        }
        leaves += open
        let leafRows = leaves.map { (node: $0.node, rows: rows[$0.start..<$0.end]) }
        return Grown(tree: tree, binThreshold: binThreshold, leaves: leafRows)
    }

    private func threshold(_ s: Split) -> Double {
        // bin ≤ b ⇔ x ≤ edge b; the last value bin means "every non-missing value".
        s.bin < bins.binCounts[s.feature] - 1 ? edges[s.feature][s.bin] : .infinity
    }

    /// The binner's edges, so thresholds come out as real values.
    let edges: [[Double]]

    private func partition(_ node: Candidate, _ split: Split) -> Int {
        let d = bins.featureCount, f = split.feature
        let missing = bins.binCounts[split.feature]
        let limit = split.bin
        return bins.codes.withUnsafeBufferPointer { code in
            rows.withUnsafeMutableBufferPointer { sample in
                // Stable two-buffer partition keeps rows in increasing order within each node,
                // which keeps histogram sums in a fixed, cache-friendly order.
                var l = node.start
                var right = [Int32]()
                right.reserveCapacity(node.end - node.start)
                for k in node.start..<node.end {
                    let r = sample[k]
                    let b = Int(code[Int(r) * d + f])
                    if b == missing ? split.missingLeft : b <= limit { sample[l] = r; l += 1 } else { right.append(r) }
                }
                for (i, r) in right.enumerated() { sample[l + i] = r }
                return l
            }
        }
    }

    /// (Σg, Σh, count) per bin for the rows `start..<end`.
    private func buildHistogram(start: Int, end: Int, g: [Double], h: [Double], isRoot: Bool) -> [Double] {
        var hist = [Double](repeating: 0, count: bins.totalBins * 3)
        let count = end - start
        let d = bins.featureCount
        g.withUnsafeBufferPointer { gp in
            h.withUnsafeBufferPointer { hp in
                rows.withUnsafeBufferPointer { sample in
                    if !isRoot {
                        for k in 0..<count {
                            let r = Int(sample[start + k])
                            orderedG[k] = gp[r]
                            orderedH[k] = hp[r]
                        }
                    }
                    let og = SharedPointer(base: isRoot ? UnsafeMutablePointer(mutating: gp.baseAddress!) : orderedG)
                    let oh = SharedPointer(base: isRoot ? UnsafeMutablePointer(mutating: hp.baseAddress!) : orderedH)
                    let rowIndex = SharedPointer(base: UnsafeMutablePointer(mutating: sample.baseAddress! + start))
                    bins.codes.withUnsafeBufferPointer { codeBuffer in
                        let codes = SharedPointer(base: UnsafeMutablePointer(mutating: codeBuffer.baseAddress!))
                        hist.withUnsafeMutableBufferPointer { hb in
                            let out = SharedPointer(base: hb.baseAddress!)
                            let workers = count * d >= 20_000 ? min(threads, d) : 1
                            // Contiguous feature ranges, one per worker; every bin is summed in
                            // row order by exactly one worker whatever the worker count.
                            let bounds = (0...workers).map { $0 * d / workers }
                            bins.offsets.withUnsafeBufferPointer { offsetBuffer in
                                let offsets = SharedPointer(base: UnsafeMutablePointer(mutating: offsetBuffer.baseAddress!))
                                let work: @Sendable (Int) -> Void = { w in
                                    let f0 = bounds[w], f1 = bounds[w + 1]
                                    // The hottest loop of boosting: wrapping arithmetic, no bounds checks.
                                    for k in 0..<count {
                                        let row = codes.base + (isRoot ? k : Int(rowIndex.base[k])) &* d
                                        let gk = og.base[k], hk = oh.base[k]
                                        var f = f0
                                        while f < f1 {
                                            let p = out.base + (offsets.base[f] &+ Int(row[f])) &* 3
                                            p[0] += gk
                                            p[1] += hk
                                            p[2] += 1
                                            f &+= 1
                                        }
                                    }
                                }
                                if workers <= 1 {
                                    work(0)
                                } else {
                                    DispatchQueue.concurrentPerform(iterations: workers, execute: work)
                                }
                            }
                        }
                    }
                }
            }
        }
        return hist
    }

    /// The best split of `node` over all features (ties keep the lower feature and bin).
    ///
    /// Features are scanned in contiguous ranges on `threads` workers; the per-range winners are
    /// then compared in range order with the same strict rule, so the answer equals a serial scan.
    private func findSplit(_ node: Candidate) throws -> Split? {
        let count = Double(node.end - node.start)
        guard count >= 2 * Double(minSamplesLeaf) else { return nil }
        let d = bins.featureCount
        let workers = min(threads, d)
        let bounds = (0...workers).map { $0 * d / workers }
        let g = node.g, h = node.h, bins = bins, minLeaf = Double(minSamplesLeaf), l2 = l2
        let results = try node.histogram.withUnsafeBufferPointer { hist in
            let histogram = SharedPointer(base: UnsafeMutablePointer(mutating: hist.baseAddress!))
            return try parallelMap(workers, threads: workers) { w in
                Self.bestSplit(features: bounds[w]..<bounds[w + 1], bins: bins, histogram: histogram.base,
                               count: count, g: g, h: h, minLeaf: minLeaf, l2: l2)
            }
        }
        var best: Split?
        for case let s? in results where s.gain > (best?.gain ?? 0) { best = s }
        return best
    }

    /// The best split among `features` of a node with totals (g, h, count).
    /// - Complexity: O(Σ bins of those features).
    private static func bestSplit(
        features: Range<Int>, bins: BoostingBins, histogram: UnsafeMutablePointer<Double>,
        count: Double, g: Double, h: Double, minLeaf: Double, l2: Double
    ) -> Split? {
        let parentScore = g * g / (h + l2)
        var best = Split()
        var found = false
        for f in features {
            let hf = histogram + bins.offsets[f] * 3
            let nb = bins.binCounts[f]
            let mg = hf[nb * 3], mh = hf[nb * 3 + 1], mc = hf[nb * 3 + 2]
            // Pass 0: missing rows go right; pass 1: they go left (only when there are some).
            for pass in 0..<(mc > 0 ? 2 : 1) {
                var lg = pass == 1 ? mg : 0, lh = pass == 1 ? mh : 0, lc = pass == 1 ? mc : 0
                // With missing rows going right, "all values left" is a split too.
                let lastBin = (pass == 0 && mc > 0) ? nb - 1 : nb - 2
                if lastBin < 0 { continue }
                for b in 0...lastBin {
                    lg += hf[b * 3]; lh += hf[b * 3 + 1]; lc += hf[b * 3 + 2]
                    if hf[b * 3 + 2] == 0 && b < lastBin { continue }
                    let rc = count - lc
                    if lc < minLeaf { continue }
                    if rc < minLeaf { break }
                    let rh = h - lh
                    if lh < Self.minHessianToSplit || rh < Self.minHessianToSplit { continue }
                    let rg = g - lg
                    let gain = lg * lg / (lh + l2) + rg * rg / (rh + l2) - parentScore
                    if gain > best.gain {
                        found = true
                        let missingLeft = mc > 0 ? pass == 1 : lc >= rc
                        best = Split(gain: gain, feature: f, bin: b, missingLeft: missingLeft,
                                     leftG: lg, leftH: lh, leftCount: lc)
                    }
                }
            }
        }
        return found ? best : nil
    }
}
