import Synchronization
import Testing
@testable import Learning

/// The radix sort behind medians and bin edges, and the spinning pool behind boosting's steps.
@Suite struct ParallelTests {
    @Test(arguments: [0, 5, 1_023, 1_024, 5_000, 40_000])
    func radixSortEqualsTheStableSort(count: Int) {
        var g = SeededGenerator(seed: UInt64(count) + 1)
        let specials: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                  .greatestFiniteMagnitude, -.greatestFiniteMagnitude, Double(bitPattern: 0x0001_0000_0000_0000), -Double(bitPattern: 0x0001_0000_0000_0000)]
        let values: [Double] = (0..<count).map { i in
            switch i % 4 {
            case 0: g.nextGaussian()
            case 1: Double(g.nextInt(below: 7)) - 3  // many ties, including ±0 below
            case 2: specials[g.nextInt(below: specials.count)]
            default: g.nextGaussian() * 1e6
            }
        }
        var radix = values, stable = values
        radix.sortByRadix()
        stable.sort()
        // Bit for bit: −0 and +0 keep their input order as in the stable sort.
        #expect(radix.map(\.bitPattern) == stable.map(\.bitPattern))
    }

    @Test func radixSortFallsBackOnNaN() {
        var values = (0..<2_000).map { Double(($0 * 7919) % 2_000) }
        values[17] = .nan
        var radix = values
        radix.sortByRadix()
        #expect(radix.filter(\.isNaN).count == 1)
        #expect(radix.count == values.count)
    }

    @Test func poolRunsEveryIndexOnceAcrossManySteps() {
        let pool = SpinningPool(helpers: 3)
        for step in 0..<2_000 {
            let count = 1 + step % 7
            let seen = UnsafeMutablePointer<Int>.allocate(capacity: count)
            seen.initialize(repeating: 0, count: count)
            let slots = SharedPointer(base: seen)
            pool.run(count) { i in slots.base[i] += i + 1 }
            #expect((0..<count).allSatisfy { seen[$0] == $0 + 1 }, "step \(step)")
            seen.deallocate()
        }
    }

    @Test func poolServesConcurrentCallersOneStepAtATime() async {
        // Callers that find the pool busy run on Dispatch instead; every sum is still right.
        let pool = SpinningPool(helpers: 1)
        let total = Tally()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<500 {
                        pool.run(2) { i in total.value.add(i + 1, ordering: .relaxed) }
                    }
                }
            }
        }
        #expect(total.value.load(ordering: .relaxed) == 4 * 500 * 3)
    }

    private final class Tally: Sendable {
        let value = Atomic<Int>(0)
    }
}
