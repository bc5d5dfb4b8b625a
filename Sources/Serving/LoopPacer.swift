#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix
#if canImport(CDispatch)
// POSIX structs' members (stat, timespec) belong, for MemberImportVisibility, to whichever of
// Linux Foundation's C modules included their header first, which varies from build to build.
import CoreFoundation
import CDispatch
#endif

/// Gives the core away when an event loop has answered requests without a break for a while.
///
/// An event loop that always has another request waiting never blocks, so the kernel takes its
/// core away only at the scheduler tick (4 ms at HZ=250). Everything else runnable on that core
/// waits that long: with the client on the same machine (the load generator, a sidecar proxy),
/// the client cannot read the answers already written, and every connection it drives sees the
/// delay. Under wrk on two cores that was most of the slow 1 % of requests: loops ran 2–4 ms
/// stretches while a wrk thread waited 1–4 ms for the core, hundreds of times a second.
///
/// So after every few answers a loop looks at how it spent the last stretch: if it was on the
/// core nearly all of the time (it never waited in epoll) for at least `stretch`, it yields
/// (`sched_yield`): what waits for the core runs now, and the loop continues after it. When
/// nothing waits, the yield returns at once; the check costs one thread-CPU-clock read per
/// `checkEvery` answers.
final class LoopPacer: @unchecked Sendable {
    // @unchecked: each instance lives in one thread's thread-specific slot and only that thread
    // touches it.

    /// Continuous running after which a loop yields.
    static let stretchNanoseconds: Int64 = 500_000
    /// Answers between two looks at the clocks.
    static let checkEvery = 8

    private static let current = ThreadSpecificVariable<LoopPacer>()

    private var answers = 0
    /// The clocks at the start of the stretch being looked at.
    private var wallStart: Int64
    private var cpuStart: Int64

    private init() {
        wallStart = Self.now(CLOCK_MONOTONIC)
        cpuStart = Self.now(CLOCK_THREAD_CPUTIME_ID)
    }

    /// Called on an event loop after each answer it wrote.
    static func answered() {
        let pacer: LoopPacer
        if let existing = current.currentValue {
            pacer = existing
        } else {
            pacer = LoopPacer()
            current.currentValue = pacer
        }
        pacer.answers += 1
        guard pacer.answers >= checkEvery else { return }
        pacer.answers = 0
        let wall = now(CLOCK_MONOTONIC)
        guard wall - pacer.wallStart >= stretchNanoseconds else { return }
        let cpu = now(CLOCK_THREAD_CPUTIME_ID)
        if shouldYield(running: cpu - pacer.cpuStart, during: wall - pacer.wallStart) {
            sched_yield()
            pacer.wallStart = now(CLOCK_MONOTONIC)
            pacer.cpuStart = now(CLOCK_THREAD_CPUTIME_ID)
        } else {
            pacer.wallStart = wall
            pacer.cpuStart = cpu
        }
    }

    /// Whether a thread that was on the core for `running` of the last `during` nanoseconds has
    /// held it long enough without a break to give it away: at least `stretch` long and on the
    /// core at least 90 % of it (less means it already waited for work or for the core).
    static func shouldYield(running: Int64, during: Int64, stretch: Int64 = stretchNanoseconds) -> Bool {
        during >= stretch && running * 10 >= during * 9
    }

    private static func now(_ clock: clockid_t) -> Int64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
