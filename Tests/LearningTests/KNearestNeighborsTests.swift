import Foundation
import Testing
@testable import Learning

/// `knn`: tie-breaking, distance weights, and the heap against a full sort.
@Suite struct KNearestNeighborsTests {
    @Test func equalDistancesGoToEarlierTrainingRows() throws {
        // Query 0 is at distance 1 from rows 0 (x=1), 1 (x=−1) and 2 (x=1) alike.
        // k=1 → row 0 (class 0); k=2 → rows 0 and 1 (classes 0, 1), never row 2 (class 2).
        let x = Matrix(rows: 4, columns: 1, values: [1, -1, 1, 3])
        let y = Target.classes([0, 1, 2, 2], classCount: 3)
        let query = Matrix(rows: 1, columns: 1, values: [0])
        let one = try KNearestNeighbors.make(["k": .int(1)]).fit(x, y, context: FitContext())
        #expect(one.predict(query) == .probabilities(Matrix([[1, 0, 0]])))
        let two = try KNearestNeighbors.make(["k": .int(2)]).fit(x, y, context: FitContext())
        #expect(two.predict(query) == .probabilities(Matrix([[0.5, 0.5, 0]])))
    }

    @Test func distanceWeighting() throws {
        // Training x = 0, 1, 3; query 0.5 → distances 0.5, 0.5, 2.5 → weights 2, 2, 0.4 (sum 4.4).
        let x = Matrix(rows: 3, columns: 1, values: [0, 1, 3])
        let query = Matrix(rows: 1, columns: 1, values: [0.5])
        let algorithm = try KNearestNeighbors.make(["k": .int(3), "weights": .string("distance")])
        // classes 0 1 1: P(0) = 2 / 4.4 = 0.4545…, P(1) = 2.4 / 4.4 = 0.5454…
        let classifier = try algorithm.fit(x, .classes([0, 1, 1], classCount: 2), context: FitContext())
        guard case .probabilities(let p) = classifier.predict(query) else {
            Issue.record("expected probabilities")
            return
        }
        #expect(isClose(p[0, 0], 2 / 4.4) && isClose(p[0, 1], 2.4 / 4.4))
        // values 10 20 30: (2·10 + 2·20 + 0.4·30) / 4.4 = 72 / 4.4 = 16.3636…
        let regressor = try algorithm.fit(x, .values([10, 20, 30]), context: FitContext())
        guard case .values(let v) = regressor.predict(query) else {
            Issue.record("expected values")
            return
        }
        #expect(isClose(v[0], 72 / 4.4))
        // An exact match takes all the weight (scikit-learn's rule), instead of dividing by zero.
        guard case .values(let exact) = regressor.predict(Matrix(rows: 1, columns: 1, values: [1])) else { return }
        #expect(exact == [20])
    }

    @Test func uniformRegressionAveragesNeighbours() throws {
        // Query 0.9: nearest two are x=1 (20) and x=0 (10) → 15.
        let x = Matrix(rows: 3, columns: 1, values: [0, 1, 3])
        let model = try KNearestNeighbors.make(["k": .int(2)]).fit(x, .values([10, 20, 30]), context: FitContext())
        #expect(model.predict(Matrix(rows: 1, columns: 1, values: [0.9])) == .values([15]))
    }

    @Test func heapAgreesWithFullSortAndThreadCount() throws {
        let x = SyntheticData.features(rows: 120, columns: 3, seed: 21)
        let values = (0..<120).map { Double($0) }
        let queries = SyntheticData.features(rows: 70, columns: 3, seed: 22)
        let k = 7
        let model = try KNearestNeighbors.make(["k": .int(k)]).fit(x, .values(values), context: FitContext())
        let single = model.predict(queries, threads: 1)
        #expect(single == model.predict(queries, threads: 4))
        guard case .values(let predicted) = single else {
            Issue.record("expected values")
            return
        }
        for q in 0..<queries.rows {
            let ordered = (0..<x.rows).map { t -> (Double, Int) in
                ((0..<3).reduce(0) { $0 + (queries[q, $1] - x[t, $1]) * (queries[q, $1] - x[t, $1]) }, t)
            }.sorted { $0 < $1 }
            let expected = ordered.prefix(k).reduce(0) { $0 + values[$1.1] } / Double(k)
            #expect(isClose(predicted[q], expected))
        }
    }

    /// Many exact ties (a small integer grid, so distances repeat), more training rows than one
    /// tile and neither count a multiple of the 4 × 4 blocks: the blocked scan keeps exactly the
    /// neighbours a full sort by (distance, row) keeps.
    @Test func blockedScanKeepsTheSortedNeighboursUnderTies() throws {
        var seed: UInt64 = 7
        func next() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double((seed >> 33) % 4)
        }
        let rows = 601, columns = 5, queryRows = 39, k = 6
        let x = Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in next() })
        let queries = Matrix(rows: queryRows, columns: columns, values: (0..<(queryRows * columns)).map { _ in next() })
        let values = (0..<rows).map { Double($0 * $0 % 97) }
        let model = try KNearestNeighbors.make(["k": .int(k)]).fit(x, .values(values), context: FitContext())
        guard case .values(let predicted) = model.predict(queries, threads: 2) else {
            Issue.record("expected values")
            return
        }
        for q in 0..<queryRows {
            let ordered = (0..<rows).map { t -> (Double, Int) in
                var sum = 0.0
                for j in 0..<columns { sum += (queries[q, j] - x[t, j]) * (queries[q, j] - x[t, j]) }
                return (sum, t)
            }.sorted { $0 < $1 }
            let expected = ordered.prefix(k).reduce(0) { $0 + values[$1.1] } / Double(k)
            #expect(predicted[q] == expected, "query \(q)")
        }
    }

    /// The scan prunes with an estimate (|q|² + |t|² − 2 q·t) and decides with the exact
    /// distance: where the estimate is useless — rows far from the origin and close together, so
    /// the estimate cancels to noise; squares that underflow or overflow; exact ties — the
    /// neighbours are still exactly those of a full sort by (exact distance, row).
    @Test func estimatePruningNeverChangesTheNeighbours() throws {
        var seed: UInt64 = 11
        func next() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double((seed >> 11) % 1_000_000) / 1_000_000
        }
        let columns = 4, rows = 300, queryRows = 23
        // Each row at one of five scales; within a scale, values on a coarse grid (ties) or not.
        let scales: [(offset: Double, spread: Double)] = [(0, 1), (1e8, 1e-3), (0, 1e-160), (1e160, 1e150), (-3, 0.25)]
        func row(_ r: Int) -> [Double] {
            let (offset, spread) = scales[r % scales.count]
            return (0..<columns).map { _ in offset + (r % 3 == 0 ? (next() * 4).rounded() : next()) * spread }
        }
        let x = Matrix(rows: rows, columns: columns, values: (0..<rows).flatMap(row))
        let queries = Matrix(rows: queryRows, columns: columns, values: (0..<queryRows).flatMap(row))
        let indices = (0..<rows).map(Double.init)
        func exact(_ q: Int, _ t: Int) -> Double {
            var sum = 0.0
            for j in 0..<columns {
                let e = queries[q, j] - x[t, j]
                sum.addProduct(e, e)
            }
            return sum
        }
        for k in [1, 5] {
            let model = try KNearestNeighbors.make(["k": .int(k)]).fit(x, .values(indices), context: FitContext())
            guard case .values(let predicted) = model.predict(queries, threads: 2) else {
                Issue.record("expected values")
                return
            }
            for q in 0..<queryRows {
                let pairs: [(distance: Double, row: Int)] = (0..<rows).map { (exact(q, $0), $0) }
                let ordered = pairs.sorted { a, b in
                    a.distance < b.distance || (a.distance == b.distance && a.row < b.row)
                }
                let total: Double = ordered.prefix(k).reduce(0.0) { sum, pair in sum + Double(pair.row) }
                let expected = total / Double(k)
                #expect(predicted[q] == expected, "k \(k), query \(q)")
            }
        }
    }

    @Test func kIsCappedAtTrainingRows() throws {
        let model = try KNearestNeighbors.make(["k": .int(50)]).fit(
            Matrix(rows: 2, columns: 1, values: [0, 1]), .values([2, 4]), context: FitContext())
        #expect(model.predict(Matrix(rows: 1, columns: 1, values: [7])) == .values([3]))
    }

    /// A model file whose parts disagree is refused on decoding, not read past by the kernel; a
    /// sound one round-trips to the same predictions.
    @Test func damagedModelFilesAreRefused() throws {
        let x = Matrix(rows: 3, columns: 2, values: [0, 0, 1, 1, 5, 5])
        let model = try KNearestNeighbors.make(["k": .int(2)]).fit(
            x, .classes([0, 1, 1], classCount: 2), context: FitContext())
        let data = try JSONEncoder().encode(model)
        let decoded = try JSONDecoder().decode(KNearestNeighborsModel.self, from: data)
        #expect(decoded == model)
        let query = Matrix(rows: 1, columns: 2, values: [0.9, 0.9])
        #expect(decoded.predict(query) == model.predict(query))
        let text = String(decoding: data, as: UTF8.self)
        for damaged in [
            text.replacingOccurrences(of: "\"rows\":3", with: "\"rows\":30"),  // storage shorter than the shape
            text.replacingOccurrences(of: "[0,1,1]", with: "[0,1]"),  // a training row without its class
            text.replacingOccurrences(of: "[0,1,1]", with: "[0,1,7]"),  // a class code past the classes
            text.replacingOccurrences(of: "\"k\":2", with: "\"k\":9"),  // more neighbours than rows
        ] {
            #expect(damaged != text, "the damage must change the file")
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(KNearestNeighborsModel.self, from: Data(damaged.utf8))
            }
        }
    }
}
