import Synchronization
import Testing
@testable import Learning

/// The spinning pool behind boosting's steps.
@Suite struct ParallelTests {
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
