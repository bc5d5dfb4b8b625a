import Parallelism

/// Exact split source for CART: every feature's rows sorted once; nodes keep that order by stable
/// partitioning, so no node ever sorts again.
///
/// Each feature's values travel with its sorted row indices, so a node's scan reads memory in
/// order instead of gathering values by row (which was cache-miss bound).
/// Memory: n × d × (8 + 4) bytes.
/// - Complexity: O(d · n log n) once, then O(n_node · d) per split.
struct PresortedColumns: SplitSource {
    let rowCount: Int
    let featureCount: Int
    /// Per feature, node-contiguous runs of row indices sorted by value, missing rows last.
    private var order: [Int32]
    /// `sortedValues[i]` is the value of row `order[i]` in that feature.
    private var sortedValues: [Double]
    private var goesLeft: [Bool]
    private var scratch: [Int32]
    private var valueScratch: [Double]

    init(_ x: Matrix, threads: Int) throws {
        rowCount = x.rows
        featureCount = x.columns
        let n = x.rows
        var cols = [Double](repeating: 0, count: n * x.columns)
        for r in 0..<n {
            for f in 0..<x.columns { cols[f * n + r] = x.values[r * x.columns + f] }
        }
        let columns = cols
        let sorted = parallelMap(x.columns, threads: threads) { f -> [Int32] in
            var idx = (0..<n).map { Int32($0) }
            let base = f * n
            // NaN sorts last; ties keep row order, so the result is fully determined.
            idx.sort { a, b in
                let va = columns[base + Int(a)], vb = columns[base + Int(b)]
                if va.isNaN || vb.isNaN { return !va.isNaN && vb.isNaN || (va.isNaN && vb.isNaN && a < b) }
                return va < vb || (va == vb && a < b)
            }
            return idx
        }
        order = sorted.flatMap { $0 }
        var values = [Double](repeating: 0, count: n * x.columns)
        for f in 0..<x.columns {
            for (k, r) in sorted[f].enumerated() { values[f * n + k] = columns[f * n + Int(r)] }
        }
        sortedValues = values
        goesLeft = [Bool](repeating: false, count: n)
        scratch = [Int32](repeating: 0, count: n)
        valueScratch = [Double](repeating: 0, count: n)
    }

    func scan(feature f: Int, start: Int, end: Int, targets: TrainingTargets, scanner: inout SplitScanner) -> Bool {
        let base = f * rowCount + start
        let count = end - start
        return sortedValues.withUnsafeBufferPointer { vals in
            order.withUnsafeBufferPointer { ord in
                let run = ord.baseAddress! + base, value = vals.baseAddress! + base
                scanner.clearMissing()
                var valueEnd = count
                while valueEnd > 0, value[valueEnd - 1].isNaN {
                    valueEnd -= 1
                    targets.add(row: Int(run[valueEnd]), to: scanner.missingBuffer)
                }
                guard valueEnd > 0 else { return false }
                if value[0] == value[valueEnd - 1] && valueEnd == count { return false }
                scanner.begin(feature: f)
                var previous = value[0]
                for k in 0..<valueEnd {
                    let v = value[k]
                    if v != previous {
                        scanner.boundary(lower: previous, upper: v)
                        previous = v
                    }
                    targets.add(row: Int(run[k]), to: scanner.running)
                }
                scanner.finish(lower: previous)
                return true
            }
        }
    }

    func threshold(feature f: Int, lower: Double, upper: Double) -> Double {
        // Halfway, like scikit-learn; fall back to `lower` when rounding lands on `upper`.
        if upper == .infinity { return .infinity }
        let t = lower / 2 + upper / 2
        return (t.isInfinite || t == upper) ? lower : t
    }

    mutating func partition(start: Int, end: Int, feature f: Int, lower: Double, threshold t: Double, missingLeft: Bool)
        -> Int
    {
        let n = rowCount
        let tStored = min(max(t, -Double.greatestFiniteMagnitude), Double.greatestFiniteMagnitude)
        var leftCount = 0
        sortedValues.withUnsafeBufferPointer { vals in
            order.withUnsafeBufferPointer { ord in
                goesLeft.withUnsafeMutableBufferPointer { gl in
                    for k in (f * n + start)..<(f * n + end) {
                        let v = vals[k]
                        let left = v.isNaN ? missingLeft : v <= tStored
                        gl[Int(ord[k])] = left
                        if left { leftCount += 1 }
                    }
                }
            }
        }
        goesLeft.withUnsafeBufferPointer { gl in
            scratch.withUnsafeMutableBufferPointer { tmp in
                valueScratch.withUnsafeMutableBufferPointer { tmpValues in
                    order.withUnsafeMutableBufferPointer { ord in
                        sortedValues.withUnsafeMutableBufferPointer { vals in
                            // Stable: both children keep their rows sorted.
                            for g in 0..<featureCount {
                                let base = g * n
                                var l = base + start, rr = 0
                                for k in (base + start)..<(base + end) {
                                    let r = ord[k], v = vals[k]
                                    if gl[Int(r)] {
                                        ord[l] = r
                                        vals[l] = v
                                        l += 1
                                    } else {
                                        tmp[rr] = r
                                        tmpValues[rr] = v
                                        rr += 1
                                    }
                                }
                                for k in 0..<rr {
                                    ord[l + k] = tmp[k]
                                    vals[l + k] = tmpValues[k]
                                }
                            }
                        }
                    }
                }
            }
        }
        return start + leftCount
    }
}
