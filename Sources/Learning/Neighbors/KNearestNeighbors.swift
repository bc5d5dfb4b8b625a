import Foundation

/// k-nearest neighbours with Euclidean distance, like scikit-learn's `KNeighborsClassifier` /
/// `KNeighborsRegressor` with brute-force search.
///
/// Hyperparameters:
/// - `k` (default 5): neighbours consulted; capped at the number of training rows.
/// - `weights` (default `uniform`): `uniform` counts each neighbour once; `distance` weighs it by
///   1/distance, and neighbours at distance 0, if any, take all the weight.
///
/// Classification gives the (weighted) class shares among the neighbours; regression the
/// (weighted) mean. Equal distances are broken by training row order, so results are
/// deterministic.
public struct KNearestNeighbors: Algorithm {
    public typealias Model = KNearestNeighborsModel

    public static let name = "knn"
    public static let summary = "k-nearest neighbours (Euclidean): neighbour class shares or mean"
    public static let tasks: Set<Task> = [.classification, .regression]
    public static let parameterSpecs: [ParameterSpec] = [
        ParameterSpec("k", .int(1...10_000), default: .int(5), help: "number of neighbours"),
        ParameterSpec("weights", .choice(["uniform", "distance"]), default: .string("uniform"),
                      help: "uniform: one vote each; distance: votes weighted by 1/distance"),
    ]
    public static let wantsStandardizedInputs = true
    public static let acceptsMissingValues = false

    public let parameters: Parameters

    public init(parameters: Parameters) { self.parameters = parameters }

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> KNearestNeighborsModel {
        try FitInputValidation.check(Self.self, x, y)
        try context.checkCancellation()
        defer { context.progress(1) }
        let weighting = parameters.string("weights") == "distance"
            ? KNearestNeighborsModel.Weighting.distance : .uniform
        let k = min(parameters.int("k"), x.rows)
        switch y {
        case .classes(let codes, let classCount):
            return KNearestNeighborsModel(task: .classification, k: k, weighting: weighting, training: x,
                                          classCodes: codes, classCount: classCount, targetValues: [])
        case .values(let values):
            return KNearestNeighborsModel(task: .regression, k: k, weighting: weighting, training: x,
                                          classCodes: [], classCount: 0, targetValues: values)
        }
    }
}

/// A fitted `knn` model: the training rows and their targets.
public struct KNearestNeighborsModel: FittedModel, Equatable {
    /// How neighbours' votes are weighted.
    public enum Weighting: String, Codable, Sendable {
        case uniform, distance
    }

    public static let algorithmName = KNearestNeighbors.name
    public let task: Task
    public let k: Int
    public let weighting: Weighting
    /// The training matrix, rows in their original order (which breaks distance ties).
    public let training: Matrix
    /// Class code of each training row (classification).
    public let classCodes: [Int]
    public let classCount: Int
    /// Target of each training row (regression).
    public let targetValues: [Double]

    public var featureCount: Int { training.columns }

    /// Rows per parallel work unit.
    private static let blockRows = 32

    /// Predicts on all active cores; each output row depends only on its input row, so the
    /// result is the same whatever the thread count.
    /// - Complexity: O(rows · trainingRows · (features + log k)).
    public func predict(_ x: Matrix) -> Prediction {
        predict(x, threads: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Predicts using at most `threads` threads.
    public func predict(_ x: Matrix, threads: Int) -> Prediction {
        let width = task == .classification ? classCount : 1
        let blocks = (x.rows + Self.blockRows - 1) / Self.blockRows
        let predictBlock: @Sendable (Int) -> [Double] = { block in
            let start = block * Self.blockRows
            let end = min(x.rows, start + Self.blockRows)
            var out = [Double](repeating: 0, count: (end - start) * width)
            var heaps = [NeighborHeap](repeating: NeighborHeap(capacity: k), count: end - start)
            findNeighbors(of: x, rows: start..<end, into: &heaps)
            for i in start..<end { combine(heaps[i - start], into: &out, at: (i - start) * width) }
            return out
        }
        // The body cannot throw, so parallelMap cannot either; the fallback only satisfies the type.
        let parts = (try? parallelMap(blocks, threads: threads, predictBlock))
            ?? (0..<blocks).map(predictBlock)
        let values = Array(parts.joined())
        switch task {
        case .classification:
            return .probabilities(Matrix(rows: x.rows, columns: classCount, values: values))
        case .regression:
            return .values(values)
        }
    }

    /// Training rows per tile: a tile is scanned for every query of a block while it sits in
    /// cache, instead of streaming the whole training matrix from memory once per query.
    private static let tileRows = 256

    /// Offers every training row to the heap of each query row in `rows`, in training-row order
    /// for each query (so ties break exactly as a row-by-row scan would).
    private func findNeighbors(of x: Matrix, rows: Range<Int>, into heaps: inout [NeighborHeap]) {
        let d = training.columns
        let first = rows.lowerBound
        // Each query's current k-th best squared distance: a candidate at that distance or farther
        // cannot enter its full heap (training rows come in increasing order, so an equally far
        // one is later and loses the tie), which skips the heap for almost every pair. NaN while
        // the heap is not full: `!(x >= NaN)` holds for every x, so every candidate is offered.
        var bounds = heaps.map { $0.isFull ? $0.worstSquaredDistance : .nan }
        func consider(_ slot: Int, _ sum: Double, _ index: Int) {
            guard !(sum >= bounds[slot]) else { return }
            heaps[slot].offer(squaredDistance: sum, index: index)
            bounds[slot] = heaps[slot].isFull ? heaps[slot].worstSquaredDistance : .nan
        }
        x.values.withUnsafeBufferPointer { query in
            training.values.withUnsafeBufferPointer { train in
                var tileStart = 0
                while tileStart < training.rows {
                    let tileEnd = min(training.rows, tileStart + Self.tileRows)
                    var row = first
                    while row < rows.upperBound {
                        if rows.upperBound - row >= 4 {
                            // Four queries against four training rows at a time: sixteen independent sums.
                            var t = tileStart
                            while t + 4 <= tileEnd {
                                let (s0, s1, s2, s3) = Self.squaredDistances4x4(query, row * d, train, t * d, d)
                                let slot = row - first
                                for ti in 0..<4 { consider(slot, s0[ti], t + ti) }
                                for ti in 0..<4 { consider(slot + 1, s1[ti], t + ti) }
                                for ti in 0..<4 { consider(slot + 2, s2[ti], t + ti) }
                                for ti in 0..<4 { consider(slot + 3, s3[ti], t + ti) }
                                t += 4
                            }
                            while t < tileEnd {
                                for qi in 0..<4 { consider(row - first + qi, Self.squaredDistance(query, (row + qi) * d, train, t * d, d), t) }
                                t += 1
                            }
                            row += 4
                        } else {
                            for t in tileStart..<tileEnd { consider(row - first, Self.squaredDistance(query, row * d, train, t * d, d), t) }
                            row += 1
                        }
                    }
                    tileStart = tileEnd
                }
            }
        }
    }

    /// One pair's squared distance, summed in column order.
    @inline(__always)
    private static func squaredDistance(_ a: UnsafeBufferPointer<Double>, _ i: Int, _ b: UnsafeBufferPointer<Double>, _ k: Int, _ d: Int) -> Double {
        var sum = 0.0
        for j in 0..<d {
            let e = a[i + j] - b[k + j]
            sum += e * e
        }
        return sum
    }

    /// Squared distances of four query rows (from `i`) to four training rows (from `k`). Each pair
    /// is summed in column order exactly as `squaredDistance` does, so results are bit for bit the
    /// same; the sixteen sums are independent, which hides the latency of each addition (one sum
    /// waits for its previous addition; sixteen keep the arithmetic units busy).
    @inline(__always)
    private static func squaredDistances4x4(_ a: UnsafeBufferPointer<Double>, _ i: Int, _ b: UnsafeBufferPointer<Double>, _ k: Int, _ d: Int)
        -> (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>) {
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
        for j in 0..<d {
            let t = SIMD4<Double>(b[k + j], b[k + d + j], b[k + 2 * d + j], b[k + 3 * d + j])
            let e0 = SIMD4<Double>(repeating: a[i + j]) - t
            let e1 = SIMD4<Double>(repeating: a[i + d + j]) - t
            let e2 = SIMD4<Double>(repeating: a[i + 2 * d + j]) - t
            let e3 = SIMD4<Double>(repeating: a[i + 3 * d + j]) - t
            s0 += e0 * e0
            s1 += e1 * e1
            s2 += e2 * e2
            s3 += e3 * e3
        }
        return (s0, s1, s2, s3)
    }

    private func combine(_ heap: NeighborHeap, into out: inout [Double], at offset: Int) {
        // sklearn: with distance weights, exact matches (distance 0) take all the weight.
        let hasExactMatch = weighting == .distance && heap.entries.contains { $0.squaredDistance == 0 }
        // Distances that overflow to infinity would give every neighbour weight 0: vote uniformly.
        let useUniform = weighting == .uniform
            || (!hasExactMatch && !heap.entries.contains { $0.squaredDistance.isFinite })
        var totalWeight = 0.0
        for neighbor in heap.entries {
            let weight: Double
            if useUniform {
                weight = 1
            } else if hasExactMatch {
                weight = neighbor.squaredDistance == 0 ? 1 : 0
            } else {
                weight = 1 / neighbor.squaredDistance.squareRoot()
            }
            totalWeight += weight
            if task == .classification {
                out[offset + classCodes[neighbor.index]] += weight
            } else {
                out[offset] += weight * targetValues[neighbor.index]
            }
        }
        let width = task == .classification ? classCount : 1
        for c in 0..<width { out[offset + c] /= totalWeight }
    }
}

/// The k best (distance, row) pairs seen so far: a bounded max-heap ordered by distance, then row.
struct NeighborHeap {
    /// A candidate neighbour: its squared distance to the query and its training row.
    struct Entry {
        var squaredDistance: Double
        var index: Int

        /// The worse (farther, or equally far but later) of two entries is "greater".
        func isWorse(than other: Entry) -> Bool {
            squaredDistance > other.squaredDistance
                || (squaredDistance == other.squaredDistance && index > other.index)
        }
    }

    let capacity: Int
    private(set) var entries: [Entry] = []

    init(capacity: Int) {
        self.capacity = capacity
        entries.reserveCapacity(capacity)
    }

    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    var isFull: Bool { entries.count >= capacity }

    /// The farthest kept distance (the heap's top); only meaningful when the heap is not empty.
    var worstSquaredDistance: Double { entries.first?.squaredDistance ?? .infinity }

    /// Keeps the candidate if it beats the current worst.
    /// - Complexity: O(log k).
    mutating func offer(squaredDistance: Double, index: Int) {
        let candidate = Entry(squaredDistance: squaredDistance, index: index)
        if entries.count < capacity {
            entries.append(candidate)
            siftUp(entries.count - 1)
        } else if capacity > 0, entries[0].isWorse(than: candidate) {
            entries[0] = candidate
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].isWorse(than: entries[parent]) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var worst = parent
            let left = 2 * parent + 1, right = left + 1
            if left < entries.count, entries[left].isWorse(than: entries[worst]) { worst = left }
            if right < entries.count, entries[right].isWorse(than: entries[worst]) { worst = right }
            if worst == parent { return }
            entries.swapAt(parent, worst)
            parent = worst
        }
    }
}
