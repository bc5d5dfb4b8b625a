import Testing
@testable import Learning

/// A forest's small nodes put (bin << 8 | position) keys in order two ways, by length: both must
/// give exactly the order of a plain sort, or the trees would depend on the node sizes' mix.
struct BinnedRowsOrderTests {
    @Test func countingSortGivesTheSortedKeys() {
        var generator = SeededGenerator(seed: 17)
        for trial in 0..<2_000 {
            let count = Int.random(in: BinnedRows.countingSortMinimum..<BinnedRows.histogramMinimum, using: &generator)
            // Few distinct bins in some trials (many ties), all 256 (missing included) in others.
            let binSpan = [2, 16, 256][trial % 3]
            let low = Int.random(in: 0...(256 - binSpan), using: &generator)
            var keys = (0..<count).map {
                UInt32(Int.random(in: low..<(low + binSpan), using: &generator)) << 8 | UInt32($0)
            }
            let expected = keys.sorted()
            var ordered = [UInt32](repeating: 0, count: count)
            var counts = [Int32](repeating: 7, count: 256)
            keys.withUnsafeMutableBufferPointer { k in
                ordered.withUnsafeMutableBufferPointer { o in
                    counts.withUnsafeMutableBufferPointer { c in
                        BinnedRows.countingSortKeys(
                            k.baseAddress!, count: count, into: o.baseAddress!, counts: c.baseAddress!)
                    }
                }
            }
            #expect(ordered == expected, "trial \(trial): \(count) keys over \(binSpan) bins")
            var sortedInPlace = keys
            sortedInPlace.withUnsafeMutableBufferPointer { BinnedRows.sortKeys($0.baseAddress!, count: count) }
            #expect(sortedInPlace == expected)
        }
    }
}
