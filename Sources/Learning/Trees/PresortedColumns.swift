/// Exact split source for CART: every feature's rows sorted once; nodes keep that order by stable
/// partitioning, so no node ever sorts again.
///
/// Memory: n × d doubles (column-major copy) + n × d row indices.
/// - Complexity: O(d · n log n) once, then O(n_node · d) per split.
struct PresortedColumns: SplitSource {
    let rowCount: Int
    let featureCount: Int
    /// Column-major copy of the features: value of row r, feature f at `f * rowCount + r`.
    private let columns: [Double]
    /// Per feature, node-contiguous runs of row indices sorted by value, missing rows last.
    private var order: [Int32]
    private var goesLeft: [Bool]
    private var scratch: [Int32]

    init(_ x: Matrix, threads: Int) throws {
        rowCount = x.rows
        featureCount = x.columns
        let n = x.rows
        var cols = [Double](repeating: 0, count: n * x.columns)
        for r in 0..<n {
            for f in 0..<x.columns { cols[f * n + r] = x.values[r * x.columns + f] }
        }
        let columns = cols
        let sorted = try parallelMap(x.columns, threads: threads) { f -> [Int32] in
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
        self.columns = columns
        order = sorted.flatMap { $0 }
        goesLeft = [Bool](repeating: false, count: n)
        scratch = [Int32](repeating: 0, count: n)
    }

    func scan(feature f: Int, start: Int, end: Int, targets: TrainingTargets, scanner: inout SplitScanner) -> Bool {
        let base = f * rowCount
        return columns.withUnsafeBufferPointer { col in
            order.withUnsafeBufferPointer { ord in
                let run = UnsafeBufferPointer(rebasing: ord[(base + start)..<(base + end)])
                scanner.clearMissing()
                var valueEnd = run.count
                while valueEnd > 0, col[base + Int(run[valueEnd - 1])].isNaN {
                    valueEnd -= 1
                    targets.add(row: Int(run[valueEnd]), to: scanner.missingBuffer)
                }
                guard valueEnd > 0 else { return false }
                let first = col[base + Int(run[0])], last = col[base + Int(run[valueEnd - 1])]
                if first == last && valueEnd == run.count { return false }
                scanner.begin(feature: f)
                var previous = first
                for k in 0..<valueEnd {
                    let r = Int(run[k])
                    let v = col[base + r]
                    if v != previous {
                        scanner.boundary(lower: previous, upper: v)
                        previous = v
                    }
                    targets.add(row: r, to: scanner.running)
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

    mutating func partition(start: Int, end: Int, feature f: Int, lower: Double, threshold t: Double, missingLeft: Bool) -> Int {
        let n = rowCount
        let tStored = min(max(t, -Double.greatestFiniteMagnitude), Double.greatestFiniteMagnitude)
        var leftCount = 0
        columns.withUnsafeBufferPointer { col in
            order.withUnsafeBufferPointer { ord in
                goesLeft.withUnsafeMutableBufferPointer { gl in
                    for k in start..<end {
                        let r = Int(ord[f * n + k])
                        let v = col[f * n + r]
                        let left = v.isNaN ? missingLeft : v <= tStored
                        gl[r] = left
                        if left { leftCount += 1 }
                    }
                }
            }
        }
        goesLeft.withUnsafeBufferPointer { gl in
            scratch.withUnsafeMutableBufferPointer { tmp in
                order.withUnsafeMutableBufferPointer { ord in
                    for g in 0..<featureCount {
                        let base = g * n
                        var l = base + start, rr = 0
                        for k in (base + start)..<(base + end) {
                            let r = ord[k]
                            if gl[Int(r)] { ord[l] = r; l += 1 } else { tmp[rr] = r; rr += 1 }
                        }
                        for k in 0..<rr { ord[l + k] = tmp[k] }
                    }
                }
            }
        }
        return start + leftCount
    }
}
