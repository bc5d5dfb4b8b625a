import Foundation
import Parallelism

/// k-nearest neighbours with Euclidean distance, like scikit-learn's `KNeighborsClassifier` /
/// `KNeighborsRegressor` with brute-force search.
///
/// Hyperparameters: `KNearestNeighbors.Hyperparameters`, with scikit-learn's defaults.
///
/// Classification gives the (weighted) class shares among the neighbours; regression the
/// (weighted) mean. Equal distances are broken by training row order, so results are
/// deterministic.
public struct KNearestNeighbors: Algorithm {
    public typealias Model = KNearestNeighborsModel

    public static let name = "knn"
    public static let summary = "k-nearest neighbours (Euclidean): neighbour class shares or mean"
    public static let tasks: Set<Task> = [.classification, .regression]

    public struct Hyperparameters: HyperparameterSet {
        /// Neighbours consulted; capped at the number of training rows.
        public var k = 5
        /// `uniform` counts each neighbour once; `distance` weighs it by 1/distance, and
        /// neighbours at distance 0, if any, take all the weight.
        public var weights = NeighbourWeights.uniform
        public init() {}

        public static let fields: [Hyperparameter<Self>] = [
            .int("k", \.k, 1...10_000, help: "number of neighbours"),
            .choice("weights", \.weights, help: "uniform: one vote each; distance: votes weighted by 1/distance"),
        ]
    }

    /// `weights`: how the k neighbours' votes count.
    public enum NeighbourWeights: String, CaseIterable, Sendable {
        case uniform
        case distance
    }
    public static let wantsStandardizedInputs = true
    public static let acceptsMissingValues = false
    public static let predictionCostGrowsWithTrainingRows = true

    public let hyperparameters: Hyperparameters

    public init(_ hyperparameters: Hyperparameters) { self.hyperparameters = hyperparameters }

    public func fit(_ x: Matrix, _ y: Target, context: FitContext) throws -> KNearestNeighborsModel {
        try FitInputValidation.check(Self.self, x, y)
        try context.checkCancellation()
        defer { context.progress(1) }
        let weighting =
            hyperparameters.weights == .distance
            ? KNearestNeighborsModel.Weighting.distance : .uniform
        let k = min(hyperparameters.k, x.rows)
        switch y {
        case .classes(let codes, let classCount):
            return KNearestNeighborsModel(
                task: .classification, k: k, weighting: weighting, training: x,
                classCodes: codes, classCount: classCount, targetValues: [])
        case .values(let values):
            return KNearestNeighborsModel(
                task: .regression, k: k, weighting: weighting, training: x,
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

    /// `training` in panels for the distance kernel (see `pack`); rebuilt on decoding.
    let packedTraining: [Double]
    /// Each training row's squared norm, padded with zeros to whole panels (see `findNeighbors`);
    /// rebuilt on decoding.
    let trainingNorms: [Double]

    public var featureCount: Int { training.columns }
    public var outputWidth: Int { task == .classification ? classCount : 1 }

    public init(
        task: Task, k: Int, weighting: Weighting, training: Matrix, classCodes: [Int], classCount: Int,
        targetValues: [Double]
    ) {
        self.task = task
        self.k = k
        self.weighting = weighting
        self.training = training
        self.classCodes = classCodes
        self.classCount = classCount
        self.targetValues = targetValues
        self.packedTraining = Self.pack(training)
        var norms = [Double](
            repeating: 0, count: (training.rows + Self.panelRows - 1) / Self.panelRows * Self.panelRows)
        training.values.withUnsafeBufferPointer { values in
            guard let base = values.baseAddress else { return }
            for row in 0..<training.rows {
                norms[row] = Self.squaredNorm(base + row * training.columns, training.columns)
            }
        }
        self.trainingNorms = norms
    }

    private enum CodingKeys: String, CodingKey {
        case task, k, weighting, training, classCodes, classCount, targetValues
    }

    /// Decodes a model, refusing one whose parts disagree (the scan and the votes index them by
    /// training row).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let task = try container.decode(Task.self, forKey: .task)
        let k = try container.decode(Int.self, forKey: .k)
        let training = try container.decode(Matrix.self, forKey: .training)
        let classCodes = try container.decode([Int].self, forKey: .classCodes)
        let classCount = try container.decode(Int.self, forKey: .classCount)
        let targetValues = try container.decode([Double].self, forKey: .targetValues)
        let consistent =
            (1...max(1, training.rows)).contains(k) && training.rows > 0
            && (task == .classification
                ? classCount >= 2 && classCodes.count == training.rows
                    && classCodes.allSatisfy { (0..<classCount).contains($0) }
                : targetValues.count == training.rows && StoredModelCheck.allFinite(targetValues))
        guard consistent else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: "the knn model's k, training rows and targets do not agree"))
        }
        try StoredModelCheck.require(
            StoredModelCheck.allFinite(training.values), at: container.codingPath + [CodingKeys.training],
            "a training value is not a finite number")
        self.init(
            task: task, k: k, weighting: try container.decode(Weighting.self, forKey: .weighting), training: training,
            classCodes: classCodes, classCount: classCount, targetValues: targetValues)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.task == rhs.task && lhs.k == rhs.k && lhs.weighting == rhs.weighting && lhs.training == rhs.training
            && lhs.classCodes == rhs.classCodes && lhs.classCount == rhs.classCount
            && lhs.targetValues == rhs.targetValues
    }

    /// Rows per parallel work unit, at most: a prediction of fewer rows than `blockRows` per
    /// thread is cut into one smaller unit per thread instead (a stoppable block of a wide k-NN
    /// model is about 16 rows, and one unit left the second core idle).
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
        let unitRows = max(1, min(Self.blockRows, (x.rows + max(1, threads) - 1) / max(1, threads)))
        let blocks = (x.rows + unitRows - 1) / unitRows
        let predictBlock: @Sendable (Int) -> [Double] = { block in
            let start = block * unitRows
            let end = min(x.rows, start + unitRows)
            var out = [Double](repeating: 0, count: (end - start) * width)
            var heaps = [NeighborHeap](repeating: NeighborHeap(capacity: k), count: end - start)
            findNeighbors(of: x, rows: start..<end, into: &heaps)
            for i in start..<end { combine(heaps[i - start], into: &out, at: (i - start) * width) }
            return out
        }
        // The body cannot throw, so parallelMap cannot either; the fallback only satisfies the type.
        let parts = parallelMap(blocks, threads: threads, predictBlock)
        let values = Array(parts.joined())
        switch task {
        case .classification:
            return .probabilities(Matrix(rows: x.rows, columns: classCount, values: values))
        case .regression:
            return .values(values)
        }
    }

    /// Training rows per panel: the packed copy stores each panel's rows column by column, so one
    /// vector load gives a column's value for all of them.
    static let panelRows = 8
    /// Bytes per packed column of a panel: one `SIMD8<Double>`.
    private static let panelBytes = panelRows * MemoryLayout<Double>.stride

    /// Panels per tile: a tile (256 rows) is scanned for every query of a block while it sits in
    /// cache, instead of streaming the whole training matrix from memory once per query.
    private static let tilePanels = 32

    /// The training rows in panels of `panelRows`, column-major within each panel (the last panel
    /// padded with zeros, whose lanes are never offered). Derived from `training`; not stored.
    static func pack(_ training: Matrix) -> [Double] {
        let d = training.columns, width = panelRows
        let panels = (training.rows + width - 1) / width
        var packed = [Double](repeating: 0, count: panels * d * width)
        training.values.withUnsafeBufferPointer { source in
            packed.withUnsafeMutableBufferPointer { target in
                for row in 0..<training.rows {
                    let base = (row / width) * d * width + row % width
                    for j in 0..<d { target[base + j * width] = source[row * d + j] }
                }
            }
        }
        return packed
    }

    /// Offers every training row to the heap of each query row in `rows`, in training-row order
    /// for each query (so ties break exactly as a row-by-row scan would).
    ///
    /// A pair's squared distance is first estimated as |q|² + |t|² − 2 q·t, which costs one fused
    /// multiply-add per column where the difference costs two, and whose error is bounded:
    /// below `margin · (|q|² + |t|²) + floor` (see `errorBound`). Only a pair whose estimate, less
    /// that bound, is under the query's current k-th best distance can enter its heap; for it the
    /// distance is computed exactly as a row-by-row scan computes it (difference, then
    /// square-and-add fused, column by column), and that exact value decides. Every pair the scan
    /// would offer is offered with the same value in the same order, so the neighbours, ties
    /// included, are the scan's; a NaN or infinite estimate (values near overflow) always goes to
    /// the exact computation.
    private func findNeighbors(of x: Matrix, rows: Range<Int>, into heaps: inout [NeighborHeap]) {
        let d = training.columns, width = Self.panelRows
        let first = rows.lowerBound
        let panels = (training.rows + width - 1) / width
        // Each query's current k-th best squared distance: a candidate at that distance or farther
        // cannot enter its full heap (training rows come in increasing order, so an equally far
        // one is later and loses the tie), which skips the heap for almost every pair. NaN while
        // the heap is not full: `!(x >= NaN)` holds for every x, so every candidate is offered.
        var bounds = heaps.map { $0.isFull ? $0.worstSquaredDistance : .nan }
        let (margin, floor) = Self.errorBound(columns: d)
        let trainingRows = training.rows
        x.values.withUnsafeBufferPointer { query in
            packedTraining.withUnsafeBufferPointer { packed in
                training.values.withUnsafeBufferPointer { trainingValues in
                    trainingNorms.withUnsafeBufferPointer { norms in
                        guard let queryBase = query.baseAddress, let packedBase = packed.baseAddress,
                            let trainingBase = trainingValues.baseAddress, let normBase = norms.baseAddress
                        else { return }
                        let queryNorms = rows.map { Self.squaredNorm(queryBase + $0 * d, d) }
                        // Offers the panel's lanes that can enter query `slot`'s heap, in row order.
                        // (Lane by lane: Swift's SIMD masks (`.>=`, `any`) are built lane by lane
                        // through memory, which cost more than these scalar compares.)
                        func consider(_ slot: Int, _ dots: SIMD8<Double>, _ panel: Int) {
                            var bound = bounds[slot]
                            let sums =
                                SIMD8(repeating: queryNorms[slot])
                                + UnsafeRawPointer(normBase + panel * width).loadUnaligned(as: SIMD8<Double>.self)
                            let lower = (sums - (dots + dots)) - (margin * sums + floor)
                            let row = queryBase + (first + slot) * d
                            for lane in 0..<width where !(lower[lane] >= bound) {
                                let index = panel * width + lane
                                guard index < trainingRows else { return }
                                let distance = Self.squaredDistance(row, trainingBase + index * d, d)
                                guard !(distance >= bound) else { continue }
                                heaps[slot].offer(squaredDistance: distance, index: index)
                                bound = heaps[slot].isFull ? heaps[slot].worstSquaredDistance : .nan
                                bounds[slot] = bound
                            }
                        }
                        var tileStart = 0
                        while tileStart < panels {
                            let tileEnd = min(panels, tileStart + Self.tilePanels)
                            var row = first
                            while row + 4 <= rows.upperBound {
                                let slot = row - first
                                for panel in tileStart..<tileEnd {
                                    let (s0, s1, s2, s3) = Self.dotProducts4(
                                        queryBase + row * d, d, packedBase + panel * d * width)
                                    consider(slot, s0, panel)
                                    consider(slot + 1, s1, panel)
                                    consider(slot + 2, s2, panel)
                                    consider(slot + 3, s3, panel)
                                }
                                row += 4
                            }
                            while row < rows.upperBound {
                                for panel in tileStart..<tileEnd {
                                    consider(
                                        row - first,
                                        Self.dotProducts1(queryBase + row * d, d, packedBase + panel * d * width), panel
                                    )
                                }
                                row += 1
                            }
                            tileStart = tileEnd
                        }
                    }
                }
            }
        }
    }

    /// `(margin, floor)` with |estimate − exact| ≤ margin · (|q|² + |t|²) + floor for `columns`
    /// columns, the estimate being fl(fl(|q|² + |t|²) − 2 fl(q·t)) and the exact value the fused
    /// column-by-column sum of squared differences. Each fused sum of d terms errs by at most
    /// γ_d = d·u/(1 − d·u) of its terms' absolute sum (u = 2⁻⁵³); with Σ|qⱼtⱼ| ≤ (|q|² + |t|²)/2
    /// and the exact distance at most 2(|q|² + |t|²), the estimate errs by about (2d + 3)u and the
    /// exact sum by (2d + 4)u times |q|² + |t|²: `margin` = 8(d + 4)u covers both twice over. `floor`
    /// covers what relative bounds miss, underflow (at most one subnormal spacing per operation).
    static func errorBound(columns d: Int) -> (margin: SIMD8<Double>, floor: SIMD8<Double>) {
        let u = Double.ulpOfOne / 2
        return (SIMD8(repeating: 8 * Double(d + 4) * u), SIMD8(repeating: 8 * Double(d + 4) * .leastNormalMagnitude))
    }

    /// Σ vⱼ², fused column by column (the norms the estimate adds).
    @inline(__always)
    static func squaredNorm(_ v: UnsafePointer<Double>, _ d: Int) -> Double {
        var s = 0.0
        for j in 0..<d { s.addProduct(v[j], v[j]) }
        return s
    }

    /// The squared distance of two rows exactly as a row-by-row scan sums it, in column order:
    /// difference, then square-and-add fused (one rounding: `sum + e·e`). Fused, the square and
    /// the add take one instruction where the CPU has FMA (x86-64 builds enable it; see
    /// Package.swift).
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        var s = 0.0
        for j in 0..<d {
            let e = a[j] - b[j]
            s.addProduct(e, e)
        }
        return s
    }

    /// Dot products of one query row with a panel's eight training rows.
    @inline(__always)
    private static func dotProducts1(_ a: UnsafePointer<Double>, _ d: Int, _ panel: UnsafePointer<Double>) -> SIMD8<
        Double
    > {
        var s = SIMD8<Double>()
        let raw = UnsafeRawPointer(panel)
        for j in 0..<d {
            s.addProduct(
                SIMD8<Double>(repeating: a[j]),
                raw.loadUnaligned(fromByteOffset: j * panelBytes, as: SIMD8<Double>.self))
        }
        return s
    }

    /// Dot products of four consecutive query rows with a panel's eight training rows: 32
    /// independent sums per column, which keeps the arithmetic units busy (one sum waits for its
    /// previous addition; 32 do not). (Written with SIMD4 halves and advancing pointers: that is
    /// what compiles to a loop of loads, broadcasts and FMAs with nothing else in it; six rows at
    /// a time spill registers and were slower.)
    @inline(__always)
    private static func dotProducts4(_ a: UnsafePointer<Double>, _ d: Int, _ panel: UnsafePointer<Double>)
        -> (SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>)
    {
        typealias Half = SIMD4<Double>
        var low0 = Half(), low1 = Half(), low2 = Half(), low3 = Half()
        var high0 = Half(), high1 = Half(), high2 = Half(), high3 = Half()
        var column = UnsafeRawPointer(panel)
        var q0 = a, q1 = a + d, q2 = a + 2 * d, q3 = a + 3 * d
        for _ in 0..<d {
            let low = column.loadUnaligned(as: Half.self)
            let high = column.loadUnaligned(fromByteOffset: panelBytes / 2, as: Half.self)
            var b = Half(repeating: q0.pointee)
            low0.addProduct(b, low)
            high0.addProduct(b, high)
            b = Half(repeating: q1.pointee)
            low1.addProduct(b, low)
            high1.addProduct(b, high)
            b = Half(repeating: q2.pointee)
            low2.addProduct(b, low)
            high2.addProduct(b, high)
            b = Half(repeating: q3.pointee)
            low3.addProduct(b, low)
            high3.addProduct(b, high)
            column += panelBytes
            q0 += 1
            q1 += 1
            q2 += 1
            q3 += 1
        }
        return (
            SIMD8(lowHalf: low0, highHalf: high0), SIMD8(lowHalf: low1, highHalf: high1),
            SIMD8(lowHalf: low2, highHalf: high2), SIMD8(lowHalf: low3, highHalf: high3)
        )
    }

    private func combine(_ heap: NeighborHeap, into out: inout [Double], at offset: Int) {
        // sklearn: with distance weights, exact matches (distance 0) take all the weight.
        let hasExactMatch = weighting == .distance && heap.entries.contains { $0.squaredDistance == 0 }
        // Distances that overflow to infinity would give every neighbour weight 0: vote uniformly.
        let useUniform =
            weighting == .uniform
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
