import Dispatch
import Foundation
import Synchronization

/// Runs many short parallel steps on helper threads that stay awake between steps.
///
/// Boosting takes thousands of parallel steps of tens of microseconds each (one per split).
/// Waking a sleeping thread for each, as Dispatch does, cost about as much as the step itself on
/// this machine kind (a futex wake and an inter-processor interrupt through the hypervisor). The
/// pool's helpers spin for a short while after each step, so the next one usually starts without
/// a system call, and sleep when no step comes.
///
/// One step at a time: a caller that finds the pool busy (two fits running at once) runs its step
/// on Dispatch instead. Which thread runs which index never changes a result: callers give every
/// index its own output.
package final class SpinningPool: @unchecked Sendable {
    package static let shared = SpinningPool(helpers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// How long a helper spins after a step before it sleeps. Long enough to bridge boosting's
    /// serial work between steps (partitions, gradients, the next tree's set-up): a virtual CPU that
    /// goes idle is slow to wake, and fits took up to a third longer, varying from run to run,
    /// with a 100 µs spin.
    private static let spinNanoseconds: UInt64 = 3_000_000

    private let helpers: Int
    /// Bumped once per step; helpers wait for it to move.
    private let generation = Atomic<Int>(0)
    /// Helpers that have not yet finished with the current step (every helper reports, taking
    /// part or not, so none can still be reading the step when the next one is written).
    private let pending = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    /// The current step. Written before `generation` is bumped (release) and read by helpers after
    /// they see the bump (acquire), so the plain fields are safe to share.
    private var step: ((Int) -> Void)?
    private var stepCount = 0
    private var participants = 0
    /// The next index of the current step: whoever is free takes it.
    private let nextIndex = Atomic<Int>(0)
    private let sleep = NSCondition()
    private var sleepers = 0
    private var started = false

    package init(helpers: Int) {
        self.helpers = helpers
    }

    /// Runs `body(i)` for every i in 0..<count on at most `threads` threads (the calling thread and
    /// helpers), each taking the next index as it finishes one, so a thread delayed by other load
    /// does not hold up the rest; returns when all are done.
    package func run(_ count: Int, threads: Int = .max, _ body: (Int) -> Void) {
        let threads = max(1, min(threads, count, helpers + 1))
        guard threads > 1 else {
            for i in 0..<count { body(i) }
            return
        }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            let next = Atomic<Int>(0)
            withoutActuallyEscaping(body) { body in
                let shared = UncheckedStep(body: body)
                DispatchQueue.concurrentPerform(iterations: threads) { _ in
                    Self.takeIndices(from: next, count: count, shared.body)
                }
            }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        startHelpersOnce()
        withoutActuallyEscaping(body) { body in
            step = body
            stepCount = count
            participants = threads
            nextIndex.store(0, ordering: .relaxed)
            pending.store(helpers, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            sleep.lock()
            if sleepers > 0 { sleep.broadcast() }
            sleep.unlock()
            Self.takeIndices(from: nextIndex, count: count, body)
            while pending.load(ordering: .acquiring) > 0 {}
            step = nil
        }
    }

    /// Runs `body` on indices taken from `next` until none are left.
    private static func takeIndices(from next: borrowing Atomic<Int>, count: Int, _ body: (Int) -> Void) {
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i)
        }
    }

    private func startHelpersOnce() {
        guard !started else { return }
        started = true
        // Read here, before this step bumps it: a helper that starts late must still see the bump.
        let initial = generation.load(ordering: .acquiring)
        for id in 1...helpers {
            let thread = Thread { [self] in helperLoop(id: id, seen: initial) }
            thread.name = "workbench-pool-\(id)"
            thread.start()
        }
    }

    private func helperLoop(id: Int, seen initial: Int) {
        var seen = initial
        while true {
            var spins = 0
            var spinStart: UInt64 = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins &+= 1
                if spins & 1023 == 0 {
                    // The clock is read once per 1,024 spins (it costs more than a spin).
                    let now = DispatchTime.now().uptimeNanoseconds
                    if spinStart == 0 {
                        spinStart = now
                    } else if now - spinStart >= Self.spinNanoseconds {
                        sleep.lock()
                        sleepers += 1
                        while generation.load(ordering: .acquiring) == seen { sleep.wait() }
                        sleepers -= 1
                        sleep.unlock()
                        spinStart = 0
                    }
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if id < participants, let body = step {
                // Inline rather than through takeIndices: handing it the stored closure kept a
                // reference past the step in debug builds, which withoutActuallyEscaping traps on.
                while true {
                    let i = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
                    if i >= stepCount { break }
                    body(i)
                }
            }
            pending.subtract(1, ordering: .releasing)
        }
    }
}

/// A non-escaping step handed to Dispatch's worker threads for the length of one call.
private struct UncheckedStep: @unchecked Sendable {
    let body: (Int) -> Void
}
