import Synchronization
import Testing
@testable import Parallelism

/// The spinning pool behind every parallel step, and parallelMap over it.
@Suite struct SpinningPoolTests {
    @Test func poolRunsEveryIndexOnceAcrossManySteps() {
        let pool = SpinningPool(helpers: 3)
        for step in 0..<2_000 {
            let count = 1 + step % 7
            let seen = UnsafeMutablePointer<Int>.allocate(capacity: count)
            seen.initialize(repeating: 0, count: count)
            let slots = SharedPointer(seen)
            pool.run(count) { i in slots.pointer[i] += i + 1 }
            #expect((0..<count).allSatisfy { seen[$0] == $0 + 1 }, "step \(step)")
            seen.deallocate()
        }
    }

    @Test func poolRunsNoMoreThreadsThanAsked() {
        let pool = SpinningPool(helpers: 3)
        for threads in 1...5 {
            let running = Atomic<Int>(0), most = Atomic<Int>(0), done = Atomic<Int>(0)
            pool.run(40, threads: threads) { _ in
                let now = running.wrappingAdd(1, ordering: .relaxed).newValue
                _ = most.max(now, ordering: .relaxed)
                var spin = 0
                for k in 0..<20_000 { spin &+= k }  // long enough for the others to overlap
                _ = done.wrappingAdd(spin == 0 ? 2 : 1, ordering: .relaxed)
                running.subtract(1, ordering: .relaxed)
            }
            #expect(done.load(ordering: .relaxed) == 40)
            #expect(most.load(ordering: .relaxed) <= min(threads, 4), "threads \(threads)")
        }
    }

    /// Results in index order whatever the threads; an error is the lowest failing index's; a body
    /// that cannot throw needs no `try`.
    @Test func parallelMapKeepsIndexOrderAndTheFirstError() {
        for threads in [1, 2, 3, 8] {
            let squares = parallelMap(100, threads: threads) { $0 * $0 }
            #expect(squares == (0..<100).map { $0 * $0 }, "threads \(threads)")
            #expect(throws: IndexError(index: 3)) {
                _ = try parallelMap(20, threads: threads) { i throws(IndexError) -> Int in
                    if i == 3 || i == 17 { throw IndexError(index: i) }
                    return i
                }
            }
        }
        #expect(parallelMap(0, threads: 4) { $0 }.isEmpty)
    }

    private struct IndexError: Error, Equatable {
        let index: Int
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
