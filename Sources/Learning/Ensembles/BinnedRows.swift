/// Split source over binned features for forest trees: a histogram per feature for large nodes,
/// a small sort of bin codes for small ones (so deep nodes do not pay for 256 bins).
///
/// Rows are the tree's (bootstrap) sample; their weights live in the `TrainingTargets`.
struct BinnedRows: SplitSource {
    /// Nodes with at least this many rows use the histogram path. At most 256: the small-node
    /// sort keys keep a row's position in 8 bits.
    static let histogramMinimum = 256

    let binner: FeatureBinner
    /// Column-major bins of all training rows (shared, read-only).
    let codes: [UInt8]
    let rowCount: Int
    /// The node-contiguous sample, as training row indices.
    private(set) var rows: [Int32]
    private var histogram: [Double]
    private var keys: [UInt32]
    /// Scratch for `countingSortKeys`: keys in order, and one counter per bin.
    private var orderedKeys: [UInt32]
    private var binCounts: [Int32]
    private var rightScratch: [Int32]
    private let width: Int

    var featureCount: Int { binner.featureCount }

    init(binner: FeatureBinner, codes: [UInt8], rowCount: Int, sample: [Int32], statsWidth: Int) {
        self.binner = binner
        self.codes = codes
        self.rowCount = rowCount
        rows = sample
        width = statsWidth
        histogram = [Double](repeating: 0, count: 256 * statsWidth)
        keys = [UInt32](repeating: 0, count: Self.histogramMinimum)
        orderedKeys = [UInt32](repeating: 0, count: Self.histogramMinimum)
        binCounts = [Int32](repeating: 0, count: 256)
        rightScratch = [Int32](repeating: 0, count: sample.count)
    }

    mutating func scan(feature f: Int, start: Int, end: Int, targets: TrainingTargets, scanner: inout SplitScanner)
        -> Bool
    {
        let base = f * rowCount
        let w = width
        let bins = binner.binCount(f)
        let count = end - start
        return codes.withUnsafeBufferPointer { code in
            rows.withUnsafeBufferPointer { sample in
                scanner.clearMissing()
                if count >= Self.histogramMinimum {
                    return histogram.withUnsafeMutableBufferPointer { hist in
                        let h = hist.baseAddress!
                        h.update(repeating: 0, count: bins * w)
                        (h + 255 * w).update(repeating: 0, count: w)
                        for k in start..<end {
                            let r = Int(sample[k])
                            targets.add(row: r, to: h + Int(code[base + r]) * w)
                        }
                        scanner.missingBuffer.update(from: h + 255 * w, count: w)
                        var used = 0
                        for b in 0..<bins where h[b * w] > 0 { used += 1 }
                        guard used + (scanner.missingBuffer[0] > 0 ? 1 : 0) >= 2, used > 0 else { return false }
                        scanner.begin(feature: f)
                        var previous = -1
                        for b in 0..<bins where h[b * w] > 0 {
                            if previous >= 0 { scanner.boundary(lower: Double(previous), upper: Double(b)) }
                            for j in 0..<w { scanner.running[j] += h[b * w + j] }
                            previous = b
                        }
                        scanner.finish(lower: Double(previous))
                        return true
                    }
                }
                // Small node: sort (bin << 8 | position) keys; missing (bin 255) sorts last.
                return keys.withUnsafeMutableBufferPointer { key in
                    for k in 0..<count {
                        key[k] = UInt32(code[base + Int(sample[start + k])]) << 8 | UInt32(k)
                    }
                    var run = key.baseAddress!
                    if count >= Self.countingSortMinimum {
                        run = orderedKeys.withUnsafeMutableBufferPointer { ordered in
                            binCounts.withUnsafeMutableBufferPointer { counts in
                                Self.countingSortKeys(
                                    run, count: count, into: ordered.baseAddress!, counts: counts.baseAddress!)
                            }
                            return ordered.baseAddress!
                        }
                    } else {
                        Self.sortKeys(run, count: count)
                    }
                    var valueEnd = count
                    while valueEnd > 0, run[valueEnd - 1] >> 8 == 255 {
                        valueEnd -= 1
                        targets.add(row: Int(sample[start + Int(run[valueEnd] & 255)]), to: scanner.missingBuffer)
                    }
                    guard valueEnd > 0 else { return false }
                    if run[0] >> 8 == run[valueEnd - 1] >> 8 && valueEnd == count { return false }
                    scanner.begin(feature: f)
                    var previous = run[0] >> 8
                    for k in 0..<valueEnd {
                        let b = run[k] >> 8
                        if b != previous {
                            scanner.boundary(lower: Double(previous), upper: Double(b))
                            previous = b
                        }
                        targets.add(row: Int(sample[start + Int(run[k] & 255)]), to: scanner.running)
                    }
                    scanner.finish(lower: Double(previous))
                    return true
                }
            }
        }
    }

    func threshold(feature f: Int, lower: Double, upper: Double) -> Double {
        upper == .infinity ? .infinity : binner.threshold(feature: f, bin: Int(lower))
    }

    mutating func partition(start: Int, end: Int, feature f: Int, lower: Double, threshold: Double, missingLeft: Bool)
        -> Int
    {
        let base = f * rowCount
        let limit = Int(lower)
        return codes.withUnsafeBufferPointer { code in
            rightScratch.withUnsafeMutableBufferPointer { right in
                rows.withUnsafeMutableBufferPointer { sample in
                    // Stable, so rows stay in increasing order inside every node: the column
                    // gathers in `scan` then walk memory forwards.
                    var l = start, r = 0
                    for k in start..<end {
                        let row = sample[k]
                        let b = code[base + Int(row)]
                        if b == FeatureBinner.missingBin ? missingLeft : Int(b) <= limit {
                            sample[l] = row
                            l += 1
                        } else {
                            right[r] = row
                            r += 1
                        }
                    }
                    for k in 0..<r { sample[l + k] = right[k] }
                    return l
                }
            }
        }
    }

    /// Keys from this many on are put in order by `countingSortKeys`, fewer by `sortKeys`: a count
    /// per bin costs a pass over all 256 bins, which a short run's sort undercuts.
    static let countingSortMinimum = 48

    /// Writes `keys` (bin << 8 | position, positions 0..<count in order) to `ordered` in
    /// increasing order, by a count of each bin: the order `sortKeys` gives, since the keys are
    /// distinct and, within a bin, already in increasing position. Linear where the sort's
    /// comparisons mispredict (the sort was a third of a forest's fit).
    static func countingSortKeys(
        _ keys: UnsafeMutablePointer<UInt32>, count: Int, into ordered: UnsafeMutablePointer<UInt32>,
        counts: UnsafeMutablePointer<Int32>
    ) {
        counts.update(repeating: 0, count: 256)
        var lowest = 255, highest = 0
        for k in 0..<count {
            let b = Int(keys[k] >> 8)
            counts[b] += 1
            lowest = min(lowest, b)
            highest = max(highest, b)
        }
        var next: Int32 = 0
        for b in lowest...highest {
            let n = counts[b]
            counts[b] = next
            next += n
        }
        for k in 0..<count {
            let key = keys[k]
            let b = Int(key >> 8)
            ordered[Int(counts[b])] = key
            counts[b] += 1
        }
    }

    /// Sorts a short run of keys in place (quicksort, insertion sort below 16 keys): small nodes
    /// call this for every scored feature, and the standard library's stable sort costs more here.
    static func sortKeys(_ a: UnsafeMutablePointer<UInt32>, count: Int) {
        var lo = 0, hi = count - 1
        while hi - lo >= 16 {
            let mid = lo + (hi - lo) / 2
            // Median of three as pivot.
            if a[mid] < a[lo] { swap(&a[mid], &a[lo]) }
            if a[hi] < a[lo] { swap(&a[hi], &a[lo]) }
            if a[hi] < a[mid] { swap(&a[hi], &a[mid]) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    swap(&a[i], &a[j])
                    i += 1
                    j -= 1
                }
            }
            // Recurse into the smaller side, loop on the larger (stack depth O(log n)).
            if j - lo < hi - i {
                sortKeys(a + lo, count: j - lo + 1)
                lo = i
            } else {
                sortKeys(a + i, count: hi - i + 1)
                hi = j
            }
        }
        if hi > lo {
            for i in (lo + 1)...hi {
                let v = a[i]
                var j = i - 1
                while j >= lo && a[j] > v {
                    a[j + 1] = a[j]
                    j -= 1
                }
                a[j + 1] = v
            }
        }
    }
}
