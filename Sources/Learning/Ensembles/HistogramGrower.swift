import CWorkbenchPrefetch
import Dispatch
import Synchronization
import Parallelism

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
/// A histogram holds (Σg, Σh, count) per bin of every feature, as one 4-lane vector per bin (the
/// fourth lane is unused) so a row adds to a bin with one vector add and one store: the loop is
/// bound by stores, and three scalar stores per bin cost three times as much. Only the smaller
/// child of each split gets a histogram built from its rows; its sibling's is the parent's minus
/// it. Features are split into contiguous ranges, one per worker; a worker builds, subtracts and
/// searches its own range, so every bin is summed in row order by one worker and the answer does
/// not depend on the thread count.
final class HistogramGrower {
    /// Σg, Σh, count (and an unused lane) of one bin.
    typealias BinSums = SIMD4<Double>
    /// (g, h) of one row: half a bin's size, so gathering and reading a node's rows moves half
    /// the bytes; the histogram loop widens it to (g, h, 1, 0).
    typealias GradientPair = SIMD2<Double>

    let bins: BoostingBins
    let maxLeafNodes: Int
    /// 0 = unlimited.
    let maxDepth: Int
    let minSamplesLeaf: Int
    let l2: Double
    let threads: Int
    static let minHessianToSplit = 1e-3
    /// Below this much work (rows × features + bins) a split is handled on one thread: waking a
    /// worker costs more.
    static let parallelWork = 10_000
    /// Nodes with at least this many rows are partitioned on two threads.
    static let parallelPartition = 4_096

    /// Training rows, node-contiguous.
    private var rows: [Int32]
    /// Scratch rows for a partition: left rows in the first half, right rows in the second (each
    /// indexed like `rows`).
    private var partitionScratch: [Int32]
    /// Column-major copy of the bins (feature f's codes at `f * rowCount`): a partition reads one
    /// feature of many rows.
    private let columns: [UInt8]
    /// (g, h) per training row for the tree being grown.
    private let packed: UnsafeMutablePointer<GradientPair>
    /// `packed` of a node's rows in node order: gathered once, then read front to back by every
    /// worker (reading `packed` through the row indices inside the histogram loop stalls on misses).
    private let ordered: UnsafeMutablePointer<GradientPair>
    /// Histograms no longer in use, kept for the next node (each is `bins.totalBins` vectors).
    private var pool: [UnsafeMutablePointer<BinSums>] = []

    // Sparse features, as LightGBM treats them: a feature whose most frequent bin holds at least
    // half the rows (one-hot columns, mostly-zero counts) never adds to that bin while a histogram
    // is built; the bin is then the node's totals minus the feature's other bins. Each row adds to
    // its dense features and to the few bins of sparse features it is not in the common bin of
    // (two for two one-hot encoded categories, instead of one per category).

    /// The common bin of each sparse feature; -1 for dense features.
    private let commonBin: [Int]
    /// Dense features in order, their histogram offsets, and how many come before each feature.
    private let denseOffsets: [Int]
    private let denseBefore: [Int]
    /// Row-major bins of the dense features (`denseOffsets.count` per row).
    private let denseCodes: [UInt8]
    /// Per row, histogram indices of its sparse features' uncommon bins, in feature order:
    /// row r's are `sparseBins[sparseStart[r]..<sparseStart[r + 1]]`.
    private let sparseStart: [Int32]
    private let sparseBins: [Int32]
    private var hasSparseFeatures: Bool { denseOffsets.count < bins.featureCount }
    /// Feature ranges of the `min(threads, features)` workers, cut so that each has about the same
    /// histogram work (a dense feature adds every row, a sparse one only its uncommon rows).
    private let workerBounds: [Int]

    init(
        bins: BoostingBins, edges: [[Double]], maxLeafNodes: Int, maxDepth: Int, minSamplesLeaf: Int, l2: Double,
        threads: Int
    ) {
        self.bins = bins
        self.edges = edges
        self.maxLeafNodes = maxLeafNodes
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.l2 = l2
        self.threads = max(1, threads)
        rows = (0..<bins.rowCount).map { Int32($0) }
        partitionScratch = [Int32](repeating: 0, count: 2 * bins.rowCount)
        columns = FeatureBinner.columnMajor(bins.codes, rows: bins.rowCount, features: bins.featureCount)
        let layout = Self.sparseLayout(bins: bins, columns: columns)
        (commonBin, denseOffsets, denseBefore, denseCodes, sparseStart, sparseBins) =
            (
                layout.commonBin, layout.denseOffsets, layout.denseBefore, layout.denseCodes, layout.sparseStart,
                layout.sparseBins
            )
        workerBounds = Self.balancedBounds(weights: layout.weights, workers: min(self.threads, bins.featureCount))
        packed = Self.allocatePairs(bins.rowCount)
        ordered = Self.allocatePairs(bins.rowCount)
    }

    deinit {
        UnsafeMutableRawPointer(packed).deallocate()
        UnsafeMutableRawPointer(ordered).deallocate()
        for histogram in pool { UnsafeMutableRawPointer(histogram).deallocate() }
    }

    private static func sparseLayout(bins: BoostingBins, columns: [UInt8]) -> (
        commonBin: [Int], denseOffsets: [Int], denseBefore: [Int], denseCodes: [UInt8], sparseStart: [Int32],
        sparseBins: [Int32],
        weights: [Double]
    ) {
        let n = bins.rowCount, d = bins.featureCount
        var commonBin = [Int](repeating: -1, count: d)
        // Work per feature: rows added to its histogram (plus its bins, searched per node).
        var weights = bins.binCounts.map { Double(n) + Double($0) * 2 }
        // Sparse entries are Int32 histogram indices counted per row in Int32 offsets.
        let fitsInt32 = bins.totalBins < Int(Int32.max) && n * d < Int(Int32.max)
        if fitsInt32 && n > 0 {
            var counts = [Int](repeating: 0, count: 256)
            for f in 0..<d {
                for b in 0..<256 { counts[b] = 0 }
                for r in 0..<n { counts[Int(columns[f * n + r])] += 1 }
                var best = 0
                for b in 1..<256 where counts[b] > counts[best] { best = b }
                if counts[best] * 2 >= n {
                    commonBin[f] = best
                    // An uncommon row costs more than a dense add (an indirect entry and a range
                    // check); the first sparse feature also carries the walk over every row's entries.
                    let walk = commonBin[0..<f].contains { $0 >= 0 } ? 0.0 : Double(n)
                    weights[f] = 2 * Double(n - counts[best]) + walk + Double(bins.binCounts[f]) * 2
                }
            }
        }
        let dense = (0..<d).filter { commonBin[$0] < 0 }
        var before = [0]
        for f in 0..<d { before.append(before[f] + (commonBin[f] < 0 ? 1 : 0)) }
        let dd = dense.count
        var denseCodes = [UInt8](repeating: 0, count: n * dd)
        var start = [Int32](repeating: 0, count: n + 1)
        var entries = [Int32]()
        bins.codes.withUnsafeBufferPointer { code in
            for r in 0..<n {
                for (i, f) in dense.enumerated() { denseCodes[r * dd + i] = code[r * d + f] }
                for f in 0..<d where commonBin[f] >= 0 {
                    let b = Int(code[r * d + f])
                    if b != commonBin[f] { entries.append(Int32(bins.offsets[f] + b)) }
                }
                start[r + 1] = Int32(entries.count)
            }
        }
        return (commonBin, dense.map { bins.offsets[$0] }, before, denseCodes, start, entries, weights)
    }

    /// Cuts 0..<weights.count into `workers` contiguous ranges of about equal total weight.
    static func balancedBounds(weights: [Double], workers: Int) -> [Int] {
        let d = weights.count
        guard workers > 1, d > 0 else { return [0, d] }
        let total = weights.reduce(0, +)
        var bounds = [0]
        var sum = 0.0
        for f in 0..<(d - 1) where bounds.count < workers {
            sum += weights[f]
            // Cut once this range has its share; cut anyway when every later range needs one of
            // the features left.
            let cutsLeft = workers - bounds.count, featuresLeft = d - (f + 1)
            if featuresLeft == cutsLeft || sum >= total * Double(bounds.count) / Double(workers) {
                bounds.append(f + 1)
            }
        }
        while bounds.count < workers { bounds.append(d) }
        bounds.append(d)
        return bounds
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
        var histogram: UnsafeMutablePointer<BinSums>?
        var split: Split?
        init(node: Int, start: Int, end: Int, depth: Int, g: Double, h: Double) {
            self.node = node
            self.start = start
            self.end = end
            self.depth = depth
            self.g = g
            self.h = h
        }
        var rowCount: Int { end - start }
    }

    /// The result of growing: the tree (values not yet scaled), bin thresholds per node for fast
    /// binned prediction, and each leaf's training rows.
    struct Grown {
        var tree: Tree
        var binThreshold: [Int]
        /// Each leaf's training rows, in increasing order.
        var leaves: [(node: Int, rows: ArraySlice<Int32>)]

        /// Adds each training row's leaf value to `raw[row * width + column]`.
        ///
        /// On several threads each takes a contiguous range of rows, found in every leaf by binary
        /// search (a leaf's rows are increasing): split by leaf instead, two threads would write
        /// rows interleaved in the same cache lines. Each row gets one addition, so the result
        /// does not depend on the thread count.
        func addLeafValues(into raw: inout [Double], width: Int, column: Int, threads: Int) {
            let n = raw.count / max(1, width)
            let parts = threads > 1 && n >= 20_000 ? threads : 1
            let values = leaves.map { tree.values[$0.node] }
            raw.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let out = SharedPointer(base)
                func add(_ p: Int) {
                    let lower = Int32(p * n / parts), upper = Int32((p + 1) * n / parts)
                    for (i, leaf) in leaves.enumerated() {
                        let value = values[i]
                        let rows = leaf.rows
                        let first = parts == 1 ? rows.startIndex : Self.firstIndex(in: rows, atLeast: lower)
                        let last = parts == 1 ? rows.endIndex : Self.firstIndex(in: rows, atLeast: upper)
                        rows.withUnsafeBufferPointer { leafRows in
                            let offset = rows.startIndex
                            for j in (first - offset)..<(last - offset) {
                                out.pointer[Int(leafRows[j]) &* width &+ column] += value
                            }
                        }
                    }
                }
                if parts == 1 { add(0) } else { SpinningPool.shared.run(parts, add) }
            }
        }

        /// The first index of increasing `rows` holding a row ≥ `bound` (`endIndex` if none).
        static func firstIndex(in rows: ArraySlice<Int32>, atLeast bound: Int32) -> Int {
            var low = rows.startIndex, high = rows.endIndex
            while low < high {
                let middle = low + (high - low) / 2
                if rows[middle] < bound { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// Leaf output −G/(H + λ) (before the learning rate).
    func leafValue(g: Double, h: Double) -> Double { -g / (h + l2) }

    private func takeHistogram() -> UnsafeMutablePointer<BinSums> {
        pool.popLast() ?? Self.allocateAligned(bins.totalBins)
    }

    /// Vectors on 64-byte boundaries: the allocator's 16-byte alignment puts every other 32-byte
    /// bin across two cache lines, and split stores cost several times a whole one.
    private static func allocateAligned(_ count: Int) -> UnsafeMutablePointer<BinSums> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<BinSums>.stride, alignment: 64)
            .bindMemory(to: BinSums.self, capacity: max(1, count))
    }

    private static func allocatePairs(_ count: Int) -> UnsafeMutablePointer<GradientPair> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<GradientPair>.stride, alignment: 64)
            .bindMemory(to: GradientPair.self, capacity: max(1, count))
    }

    private func release(_ node: Candidate) {
        if let histogram = node.histogram { pool.append(histogram) }
        node.histogram = nil
    }

    /// - Complexity: O(rows · features) for the root histogram, then O(smaller child · features)
    ///   per split, plus O(bins) to find each split.
    func grow(gradients g: [Double], hessians h: [Double], learningRate: Double) throws -> Grown {
        let n = bins.rowCount
        precondition(g.count >= n && h.count >= n, "internal error: gradients shorter than the rows")
        var sumG = 0.0, sumH = 0.0
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            g.withUnsafeBufferPointer { gBuffer in
                h.withUnsafeBufferPointer { hBuffer in
                    guard n > 0, let rowBase = rowBuffer.baseAddress, let gBase = gBuffer.baseAddress,
                        let hBase = hBuffer.baseAddress
                    else { return }
                    let rows = SharedPointer(rowBase), packed = SharedPointer(packed)
                    let g = SharedPointer(UnsafeMutablePointer(mutating: gBase))
                    let h = SharedPointer(UnsafeMutablePointer(mutating: hBase))
                    // Packing is memory-bound and split by rows; the totals are summed in row
                    // order on one thread, so they do not depend on the thread count.
                    let parts = threads > 1 && n >= 20_000 ? threads : 1
                    func pack(_ p: Int) {
                        for i in (p * n / parts)..<((p + 1) * n / parts) {
                            rows.pointer[i] = Int32(truncatingIfNeeded: i)
                            packed.pointer[i] = GradientPair(g.pointer[i], h.pointer[i])
                        }
                    }
                    if parts == 1 { pack(0) } else { SpinningPool.shared.run(parts, pack) }
                    for i in 0..<n {
                        sumG += g.pointer[i]
                        sumH += h.pointer[i]
                    }
                }
            }
        }
        var tree = Tree(valueWidth: 1)
        tree.addLeaf(values: [learningRate * leafValue(g: sumG, h: sumH)], cover: sumH)
        var binThreshold = [0]
        let root = Candidate(node: 0, start: 0, end: n, depth: 0, g: sumG, h: sumH)
        root.histogram = takeHistogram()
        buildAndSearch(built: root, derived: nil, from: nil, search: [root])
        var open = [root]
        var leaves: [Candidate] = []
        var leafCount = 1

        while leafCount < maxLeafNodes {
            // Best-first: the open leaf with the largest gain (first one on ties).
            var bestIndex = -1
            for (i, c) in open.enumerated() {
                if let s = c.split, bestIndex < 0 || s.gain > (open[bestIndex].split?.gain ?? -.infinity) {
                    bestIndex = i
                }
            }
            guard bestIndex >= 0, let split = open[bestIndex].split else { break }
            let parent = open.remove(at: bestIndex)
            // Gather the sums of the child whose histogram will be built (the smaller one), if any.
            let leftRows = Int(split.leftCount), rightRows = parent.rowCount - Int(split.leftCount)
            let growing =
                leafCount + 1 < maxLeafNodes && (maxDepth == 0 || parent.depth + 1 < maxDepth)
                && max(leftRows, rightRows) >= 2 * minSamplesLeaf
            let mid = partition(parent, split, gather: growing ? (leftRows <= rightRows ? .left : .right) : .none)
            precondition(
                mid - parent.start == Int(split.leftCount), "internal error: partition disagrees with histogram")
            let rightG = parent.g - split.leftG, rightH = parent.h - split.leftH
            let l = tree.addLeaf(values: [learningRate * leafValue(g: split.leftG, h: split.leftH)], cover: split.leftH)
            let r = tree.addLeaf(values: [learningRate * leafValue(g: rightG, h: rightH)], cover: rightH)
            binThreshold += [0, 0]
            binThreshold[parent.node] = split.bin
            tree.split(
                parent.node, feature: split.feature, threshold: threshold(split),
                missingGoesLeft: split.missingLeft, left: l, right: r)
            leafCount += 1
            let left = Candidate(
                node: l, start: parent.start, end: mid, depth: parent.depth + 1,
                g: split.leftG, h: split.leftH)
            let right = Candidate(
                node: r, start: mid, end: parent.end, depth: parent.depth + 1,
                g: rightG, h: rightH)
            let canGrow = leafCount < maxLeafNodes && (maxDepth == 0 || parent.depth + 1 < maxDepth)
            let splittable = [left, right].filter { canGrow && $0.rowCount >= 2 * minSamplesLeaf }
            if !splittable.isEmpty {
                // Subtraction trick: build the smaller child, derive the larger from the parent
                // (in the parent's own histogram, which is not needed any more).
                let (small, large) = left.rowCount <= right.rowCount ? (left, right) : (right, left)
                small.histogram = takeHistogram()
                large.histogram = parent.histogram
                parent.histogram = nil
                buildAndSearch(built: small, derived: large, from: large.histogram, search: splittable)
            }
            release(parent)
            for c in [left, right] {
                if c.split != nil {
                    open.append(c)
                } else {
                    release(c)
                    leaves.append(c)
                }
            }
        }
        for c in open { release(c) }
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

    /// Which child's (g, h) a partition gathers into `ordered` for its histogram.
    private enum Gather { case none, left, right }

    /// Moves the node's rows that go left to the front (stable: rows stay in increasing order
    /// within each node, which keeps histogram sums in a fixed, cache-friendly order) and gathers
    /// the sums of the child whose histogram is built next; returns where the right side starts.
    ///
    /// Two passes. First the rows are split into the scratch: left rows to its first half, right
    /// rows to its second, both in order; a large node is cut in up to 16 parts (A, B, …) that the
    /// threads claim one by one. Then the rows are copied back (left A, left B, …, right A,
    /// right B, …), gathering the next child's sums on the way, again in parts claimed by the
    /// threads. A small node takes the same two passes as one part on this thread. The order is
    /// the same as one stable pass would give.
    private func partition(_ node: Candidate, _ split: Split, gather: Gather) -> Int {
        let n = bins.rowCount, f = split.feature
        let missing = UInt8(bins.binCounts[split.feature])
        let limit = UInt8(split.bin)
        let missingLeft = split.missingLeft
        let start = node.start, end = node.end
        let packed = SharedPointer(packed), ordered = SharedPointer(ordered)
        // Which way each code goes, as 0/1 in a table: the direction is a coin toss per row, and
        // a branch on it mispredicts every other row.
        let leftByCode = (0..<256).map { b in UInt8(b) == missing ? (missingLeft ? 1 : 0) : (b <= Int(limit) ? 1 : 0) }
        return columns.withUnsafeBufferPointer { all in
            let code = SharedPointer(UnsafeMutablePointer(mutating: all.baseAddress! + f * n))
            return partitionScratch.withUnsafeMutableBufferPointer { scratchBuffer in
                rows.withUnsafeMutableBufferPointer { rowBuffer in
                    leftByCode.withUnsafeBufferPointer { table in
                        let sample = SharedPointer(rowBuffer.baseAddress!)
                        // Left rows of position k's part go to `leftScratch` from the part's start
                        // on, right rows to `rightScratch` likewise.
                        let leftScratch = SharedPointer(scratchBuffer.baseAddress!)
                        let rightScratch = SharedPointer(scratchBuffer.baseAddress! + n)
                        // Parts of a large node are claimed by whichever thread is free (rows
                        // cost unevenly: cache misses, the other thread's interruptions).
                        let parts =
                            threads > 1 && end - start >= Self.parallelPartition
                            ? min(16, (end - start) / (Self.parallelPartition / 2)) : 1
                        let bounds = (0...parts).map { start + (end - start) * $0 / parts }
                        let leftCounts = UnsafeMutablePointer<Int>.allocate(capacity: parts)
                        defer { leftCounts.deallocate() }
                        let counts = SharedPointer(leftCounts)
                        func split(_ p: Int) {
                            let lower = bounds[p], upper = bounds[p + 1]
                            var l = lower, r = lower
                            for k in lower..<upper {
                                // A deep node's rows are scattered over a code column larger than
                                // the L2 cache: fetch the code 16 rows ahead.
                                if k &+ 16 < upper { wb_prefetch(code.pointer + Int(sample.pointer[k &+ 16])) }
                                let row = sample.pointer[k]
                                let left = table[Int(code.pointer[Int(row)])]
                                // Written to both sides, kept on one: the other slot is the next
                                // free one on its side, which a later row overwrites (or nobody reads).
                                leftScratch.pointer[l] = row
                                rightScratch.pointer[r] = row
                                l &+= left
                                r &+= 1 &- left
                            }
                            counts.pointer[p] = l - lower
                        }
                        if parts == 1 {
                            split(0)
                        } else {
                            claimingParts(parts, split)
                        }
                        let mid = start + (0..<parts).reduce(0) { $0 + leftCounts[$1] }
                        // The rows go back as segments (left A, left B, right A, right B).
                        struct Segment {
                            var source: UnsafeMutablePointer<Int32>, count: Int, gathers: Bool, to: Int, first: Int
                        }
                        var segments: [Segment] = []
                        var to = start
                        for side in 0..<2 {
                            for p in 0..<parts {
                                let count = side == 0 ? leftCounts[p] : bounds[p + 1] - bounds[p] - leftCounts[p]
                                segments.append(
                                    Segment(
                                        source: (side == 0 ? leftScratch : rightScratch).pointer + bounds[p],
                                        count: count,
                                        gathers: gather == (side == 0 ? .left : .right), to: to,
                                        first: side == 0 ? start : mid))
                                to += count
                            }
                        }
                        // Copies the destination positions lower..<upper back from the scratch.
                        func copyBack(_ lower: Int, _ upper: Int) {
                            for segment in segments {
                                let d0 = max(lower, segment.to), d1 = min(upper, segment.to + segment.count)
                                guard d0 < d1 else { continue }
                                let source = segment.source + (d0 - segment.to), count = d1 - d0
                                let destination = sample.pointer + d0
                                if segment.gathers {
                                    let sums = ordered.pointer + (d0 - segment.first)
                                    for i in 0..<count {
                                        if i &+ 16 < count { wb_prefetch(packed.pointer + Int(source[i &+ 16])) }
                                        let row = source[i]
                                        destination[i] = row
                                        sums[i] = packed.pointer[Int(row)]
                                    }
                                } else {
                                    destination.update(from: source, count: count)
                                }
                            }
                        }
                        if parts == 1 {
                            copyBack(start, end)
                        } else {
                            let pieces = parts
                            claimingParts(pieces) {
                                copyBack(start + (end - start) * $0 / pieces, start + (end - start) * ($0 + 1) / pieces)
                            }
                        }
                        return mid
                    }
                }
            }
        }
    }

    /// Runs `body(i)` for every i in 0..<count on all threads, each taking the next index not yet
    /// taken, so that parts of uneven cost still end together.
    private func claimingParts(_ count: Int, _ body: (Int) -> Void) {
        SpinningPool.shared.run(count, threads: threads, body)
    }

    /// Builds `built`'s histogram from its rows; when `derived` is given, turns `from` (the
    /// parent's histogram, which becomes `derived`'s) into the parent minus `built`; then finds
    /// the best split of each node in `search`. One parallel pass over feature ranges.
    private func buildAndSearch(
        built: Candidate, derived: Candidate?, from parentHistogram: UnsafeMutablePointer<BinSums>?,
        search: [Candidate]
    ) {
        guard let builtHistogram = built.histogram else { return }
        let d = bins.featureCount
        let work = built.rowCount * d + bins.totalBins * search.count
        let workers = work >= Self.parallelWork ? min(threads, d) : 1
        let bounds = workers == 1 ? [0, d] : workerBounds
        let start = built.start, count = built.rowCount
        let isRoot = count == bins.rowCount
        let bins = bins, minLeaf = Double(minSamplesLeaf), l2 = l2
        let targets = search.map { (node: $0, histogram: $0 === built ? builtHistogram : parentHistogram) }
        let totals = targets.map { (g: $0.node.g, h: $0.node.h, count: Double($0.node.rowCount)) }
        let out = SharedPointer(builtHistogram)
        let parent = parentHistogram.map { SharedPointer($0) }
        let searched = targets.map { $0.histogram.map { SharedPointer($0) } }
        let total = BinSums(built.g, built.h, Double(count), 0)
        let hasSparse = hasSparseFeatures
        let commonBin = commonBin, denseBefore = denseBefore, dd = denseOffsets.count
        let results: [[Split?]] = rows.withUnsafeBufferPointer { sample in
            let rowIndex = SharedPointer(UnsafeMutablePointer(mutating: sample.baseAddress! + start))
            // A child's sums were gathered into `ordered` by the partition that made it.
            let sums = SharedPointer(isRoot ? packed : ordered)
            return Self.shared(denseCodes, denseOffsets, sparseStart, sparseBins, bins.offsets) {
                codes, denseOffsets, sparseStart, sparseBins, offsets in
                func searchRange(_ w: Int) -> [Split?] {
                    let f0 = bounds[w], f1 = bounds[w + 1]
                    let lower = offsets.pointer[f0], upper = offsets.pointer[f1]
                    let i0 = denseBefore[f0], i1 = denseBefore[f1]
                    let hist = out.pointer
                    (hist + lower).update(repeating: .zero, count: upper - lower)
                    // The hottest loop of boosting: wrapping arithmetic, no bounds checks.
                    // A child's rows are spread over tables larger than the caches and the
                    // hardware prefetcher does not follow them: each row's codes and sparse
                    // entries are prefetched 16 rows ahead (the entries' start 32 ahead).
                    for k in 0..<count {
                        let r = isRoot ? k : Int(rowIndex.pointer[k])
                        if !isRoot {
                            if k &+ 32 < count { wb_prefetch(sparseStart.pointer + Int(rowIndex.pointer[k &+ 32])) }
                            if k &+ 16 < count {
                                let ahead = Int(rowIndex.pointer[k &+ 16])
                                wb_prefetch(codes.pointer + ahead &* dd)
                                if hasSparse { wb_prefetch(sparseBins.pointer + Int(sparseStart.pointer[ahead])) }
                            }
                        }
                        let row = codes.pointer + r &* dd
                        let v = BinSums(lowHalf: sums.pointer[k], highHalf: GradientPair(1, 0))
                        var i = i0
                        while i < i1 {
                            hist[denseOffsets.pointer[i] &+ Int(row[i])] += v
                            i &+= 1
                        }
                        if hasSparse {
                            var e = Int(sparseStart.pointer[r])
                            let end = Int(sparseStart.pointer[r &+ 1])
                            while e < end {
                                let b = Int(sparseBins.pointer[e])
                                if b >= lower && b < upper { hist[b] += v }
                                e &+= 1
                            }
                        }
                    }
                    // Each sparse feature's common bin: the node's totals minus its other bins.
                    for f in f0..<f1 where commonBin[f] >= 0 {
                        let first = hist + offsets.pointer[f]
                        let binCount = offsets.pointer[f + 1] - offsets.pointer[f]
                        var rest = BinSums.zero
                        for b in 0..<binCount where b != commonBin[f] { rest += first[b] }
                        let common = total - rest
                        first[commonBin[f]] = common[2] == 0 ? .zero : common
                    }
                    if let parent {
                        for i in lower..<upper { parent.pointer[i] -= hist[i] }
                    }
                    return zip(totals, searched).map { total, histogram in
                        guard let histogram else { return nil }
                        return Self.bestSplit(
                            features: f0..<f1, bins: bins, histogram: histogram.pointer,
                            count: total.count, g: total.g, h: total.h, minLeaf: minLeaf, l2: l2)
                    }
                }
                let parts = UnsafeMutablePointer<[Split?]>.allocate(capacity: workers)
                parts.initialize(repeating: [], count: workers)
                defer {
                    parts.deinitialize(count: workers)
                    parts.deallocate()
                }
                let slots = SharedPointer(parts)
                SpinningPool.shared.run(workers) { w in
                    slots.pointer[w] = searchRange(w)
                }
                return Array(UnsafeBufferPointer(start: parts, count: workers))
            }
        }
        // Per-range winners compared in range order with the same strict rule as within a range,
        // so the answer equals a serial scan (ties keep the lower feature and bin).
        for (i, node) in search.enumerated() {
            var best: Split?
            for part in results {
                if let s = part[i], s.gain > (best?.gain ?? 0) { best = s }
            }
            node.split = node.rowCount >= 2 * minSamplesLeaf ? best : nil
        }
    }

    /// Runs `body` with shareable pointers to the arrays' storage.
    private static func shared<R>(
        _ a: [UInt8], _ b: [Int], _ c: [Int32], _ d: [Int32], _ e: [Int],
        _ body: (
            SharedPointer<UnsafeMutablePointer<UInt8>>, SharedPointer<UnsafeMutablePointer<Int>>,
            SharedPointer<UnsafeMutablePointer<Int32>>, SharedPointer<UnsafeMutablePointer<Int32>>,
            SharedPointer<UnsafeMutablePointer<Int>>
        ) throws -> R
    ) rethrows -> R {
        func pointer<T>(_ p: UnsafeBufferPointer<T>) -> SharedPointer<UnsafeMutablePointer<T>> {
            // An empty array's storage may have no address; nothing reads through it then.
            SharedPointer(
                UnsafeMutablePointer(
                    mutating: p.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!))
        }
        return try a.withUnsafeBufferPointer { a in
            try b.withUnsafeBufferPointer { b in
                try c.withUnsafeBufferPointer { c in
                    try d.withUnsafeBufferPointer { d in
                        try e.withUnsafeBufferPointer { e in
                            try body(pointer(a), pointer(b), pointer(c), pointer(d), pointer(e))
                        }
                    }
                }
            }
        }
    }

    /// The best split among `features` of a node with totals (g, h, count).
    /// - Complexity: O(Σ bins of those features).
    private static func bestSplit(
        features: Range<Int>, bins: BoostingBins, histogram: UnsafeMutablePointer<BinSums>,
        count: Double, g: Double, h: Double, minLeaf: Double, l2: Double
    ) -> Split? {
        guard count >= 2 * minLeaf else { return nil }
        let parentScore = g * g / (h + l2)
        var best = Split()
        var found = false
        for f in features {
            let hf = histogram + bins.offsets[f]
            let nb = bins.binCounts[f]
            let missing = hf[nb]
            // Pass 0: missing rows go right; pass 1: they go left (only when there are some).
            for pass in 0..<(missing[2] > 0 ? 2 : 1) {
                var left = pass == 1 ? missing : .zero
                // With missing rows going right, "all values left" is a split too.
                let lastBin = (pass == 0 && missing[2] > 0) ? nb - 1 : nb - 2
                if lastBin < 0 { continue }
                for b in 0...lastBin {
                    let bin = hf[b]
                    left += bin
                    if bin[2] == 0 && b < lastBin { continue }
                    let lc = left[2]
                    let rc = count - lc
                    if lc < minLeaf { continue }
                    if rc < minLeaf { break }
                    let lh = left[1], rh = h - lh
                    if lh < Self.minHessianToSplit || rh < Self.minHessianToSplit { continue }
                    let lg = left[0], rg = g - lg
                    let gain = lg * lg / (lh + l2) + rg * rg / (rh + l2) - parentScore
                    if gain > best.gain {
                        found = true
                        let missingLeft = missing[2] > 0 ? pass == 1 : lc >= rc
                        best = Split(
                            gain: gain, feature: f, bin: b, missingLeft: missingLeft,
                            leftG: lg, leftH: lh, leftCount: lc)
                    }
                }
            }
        }
        return found ? best : nil
    }
}
