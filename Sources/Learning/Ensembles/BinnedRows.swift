/// Split source over binned features for forest trees: a histogram per feature for large nodes,
/// a small sort of bin codes for small ones (so deep nodes do not pay for 256 bins).
///
/// Rows are the tree's (bootstrap) sample; their weights live in the `TrainingTargets`.
struct BinnedRows: SplitSource {
    /// Nodes with at least this many rows use the histogram path.
    static let histogramMinimum = 256

    let binner: FeatureBinner
    /// Column-major bins of all training rows (shared, read-only).
    let codes: [UInt8]
    let rowCount: Int
    /// The node-contiguous sample, as training row indices.
    private(set) var rows: [Int32]
    private var histogram: [Double]
    private var keys: [UInt32]
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
    }

    mutating func scan(feature f: Int, start: Int, end: Int, targets: TrainingTargets, scanner: inout SplitScanner) -> Bool {
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
                    var run = UnsafeMutableBufferPointer(rebasing: key[0..<count])
                    run.sort()
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

    mutating func partition(start: Int, end: Int, feature f: Int, lower: Double, threshold: Double, missingLeft: Bool) -> Int {
        let base = f * rowCount
        let limit = Int(lower)
        return codes.withUnsafeBufferPointer { code in
            rows.withUnsafeMutableBufferPointer { sample in
                var i = start, j = end - 1
                @inline(__always) func left(_ k: Int) -> Bool {
                    let b = code[base + Int(sample[k])]
                    return b == FeatureBinner.missingBin ? missingLeft : Int(b) <= limit
                }
                while i <= j {
                    if left(i) { i += 1 } else { sample.swapAt(i, j); j -= 1 }
                }
                return i
            }
        }
    }
}
