import Tabular
import Parallelism

/// Quantile binning of each feature into at most `maxBins` (≤ 255) value bins plus bin 255 for
/// missing values, like scikit-learn's `_BinMapper` and LightGBM's bin construction.
///
/// A feature with at most `maxBins` distinct values gets one bin per value (edges halfway between
/// neighbours); otherwise edges are the midpoint-method percentiles at 1/maxBins, 2/maxBins, ….
/// The bin of `x` is the number of edges below it, so `x <= edges[b]` exactly when `bin(x) <= b`:
/// a split "bin ≤ b" is the real threshold `edges[b]`.
struct FeatureBinner: Sendable {
    /// The bin of a missing value.
    static let missingBin: UInt8 = 255
    /// Rows sampled to find edges (scikit-learn and LightGBM use 200 000).
    static let sampleSize = 200_000

    /// Per feature, increasing finite edges; feature f has `edges[f].count + 1` value bins.
    let edges: [[Double]]

    /// - Complexity: O(d · m log m) with m = min(rows, 200 000), spread over `threads`.
    init(_ x: Matrix, rows: [Int], maxBins: Int, generator: inout SeededGenerator, threads: Int) throws {
        precondition((2...255).contains(maxBins), "internal error: max_bins out of range")
        var sample = rows
        if sample.count > Self.sampleSize {
            // Partial shuffle: the first `sampleSize` entries become a uniform sample.
            for i in 0..<Self.sampleSize {
                sample.swapAt(i, i + generator.nextInt(below: sample.count - i))
            }
            sample = Array(sample[0..<Self.sampleSize])
        }
        let chosen = sample
        edges = parallelMap(x.columns, threads: threads) { f in
            // Few distinct values (one-hot columns, small codes): the edges depend on the distinct
            // values alone, so they come from those, without sorting every row. A column with more
            // distinct values than bins gives up here within its first few hundred rows.
            var few = [Double]()
            var isFew = true
            for r in chosen {
                let value = x.values[r * x.columns + f]
                if value.isNaN || few.contains(value) { continue }
                if few.count == maxBins {
                    isFew = false
                    break
                }
                few.append(value)
            }
            if isFew {
                few.sort()
                return Self.edges(sorted: few, maxBins: maxBins)
            }
            var v = [Double]()
            v.reserveCapacity(chosen.count)
            for r in chosen {
                let value = x.values[r * x.columns + f]
                if !value.isNaN { v.append(value) }
            }
            v.sortByRadix()
            return Self.edges(sorted: v, maxBins: maxBins)
        }
    }

    /// Edges for one feature's sorted non-missing values.
    static func edges(sorted v: [Double], maxBins: Int) -> [Double] {
        var distinct = [Double]()
        for value in v where distinct.last != value { distinct.append(value) }
        var result = [Double]()
        if distinct.count <= maxBins {
            for i in 1..<max(1, distinct.count) {
                let a = distinct[i - 1], b = distinct[i]
                let mid = a / 2 + b / 2
                result.append(mid.isFinite && mid < b ? mid : a)
            }
        } else {
            // numpy.percentile(method="midpoint") at linspace(0, 100, maxBins + 1)[1:-1].
            let m = Double(v.count - 1)
            for q in 1..<maxBins {
                let position = Double(q) / Double(maxBins) * m
                let lo = v[Int(position.rounded(.down))], hi = v[Int(position.rounded(.up))]
                let edge = lo / 2 + hi / 2
                if result.last != edge { result.append(edge) }
            }
        }
        return result.map { min(max($0, -Double.greatestFiniteMagnitude), Double.greatestFiniteMagnitude) }
    }

    var featureCount: Int { edges.count }

    /// Value bins of feature f (the missing bin not counted).
    func binCount(_ f: Int) -> Int { edges[f].count + 1 }

    /// The bin of one value: branch-free lower bound (the comparisons are unpredictable, so
    /// conditional moves beat branches by several times on large sets).
    @inline(__always)
    static func bin(_ value: Double, edges e: UnsafeBufferPointer<Double>) -> UInt8 {
        if value.isNaN { return missingBin }
        var first = 0, count = e.count
        while count > 0 {
            let step = count >> 1
            let less = e[first + step] < value
            first = less ? first + step + 1 : first
            count = less ? count - step - 1 : step
        }
        return UInt8(truncatingIfNeeded: first)
    }

    /// Bins the given rows of `x` row-major: bin of `rows[i]`, feature f at `i * featureCount + f`.
    ///
    /// Walks the matrix row by row (each row's values share cache lines) in fixed blocks spread
    /// over `threads`; every output byte depends on one input value, so threads cannot change it.
    /// - Complexity: O(rows · d · log bins).
    func transform(_ x: Matrix, rows: [Int], threads: Int) throws -> [UInt8] {
        let d = x.columns, n = rows.count
        let blockSize = 16_384
        let blocks = parallelMap((n + blockSize - 1) / blockSize, threads: threads) { block -> [UInt8] in
            let lower = block * blockSize, upper = min(n, lower + blockSize)
            var out = [UInt8](repeating: 0, count: (upper - lower) * d)
            let edgeBuffers = edges
            x.values.withUnsafeBufferPointer { values in
                for f in 0..<d {
                    edgeBuffers[f].withUnsafeBufferPointer { e in
                        for i in lower..<upper {
                            out[(i - lower) * d + f] = Self.bin(values[rows[i] * d + f], edges: e)
                        }
                    }
                }
            }
            return out
        }
        return blocks.flatMap { $0 }
    }

    /// Column-major copy of row-major bins (`n` rows × `d` features).
    static func columnMajor(_ rowMajor: [UInt8], rows n: Int, features d: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n * d)
        for r in 0..<n {
            for f in 0..<d { out[f * n + r] = rowMajor[r * d + f] }
        }
        return out
    }

    /// The real threshold of the split "bin ≤ b" (∞ when b is the last value bin, i.e. the split
    /// separates only missing values).
    func threshold(feature f: Int, bin b: Int) -> Double {
        b < edges[f].count ? edges[f][b] : .infinity
    }
}
