import Testing
import TestSupport
@testable import Tabular

/// The radix sort behind `describe`'s quantiles, and medians and bin edges in the learning library.
@Suite struct RadixSortTests {
    @Test(arguments: [0, 5, 1_023, 1_024, 5_000, 40_000])
    func radixSortEqualsTheStableSort(count: Int) {
        var g = SeededRandom(seed: UInt64(count) + 1)
        let specials: [Double] = [
            0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
            .greatestFiniteMagnitude, -.greatestFiniteMagnitude, Double(bitPattern: 0x0001_0000_0000_0000),
            -Double(bitPattern: 0x0001_0000_0000_0000),
        ]
        let values: [Double] = (0..<count).map { i in
            switch i % 4 {
            case 0: Double.random(in: -3...3, using: &g)
            case 1: Double(Int.random(in: 0..<7, using: &g)) - 3  // many ties, including ±0 below
            case 2: specials[Int.random(in: 0..<specials.count, using: &g)]
            default: Double.random(in: -1...1, using: &g) * 1e6
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
}
