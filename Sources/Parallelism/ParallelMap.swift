/// Runs `body(i)` for every i in 0..<count on up to `threads` threads and returns the results in
/// index order, so the output never depends on scheduling. Threads take the next index as they
/// finish one, so a thread delayed by other load on the machine does not hold up the rest.
///
/// On the spinning pool: its helpers are usually awake already (boosting's steps keep them so),
/// where Dispatch would wake a sleeping thread. A body that never throws makes a call that needs
/// no `try` (`E` is `Never`).
package func parallelMap<T, E: Error>(_ count: Int, threads: Int, _ body: @Sendable (Int) throws(E) -> T) throws(E)
    -> [T]
{
    if threads <= 1 || count <= 1 {
        var results: [T] = []
        results.reserveCapacity(max(0, count))
        for i in 0..<max(0, count) { results.append(try body(i)) }
        return results
    }
    let slots = ResultSlots<T, E>(count: count)
    SpinningPool.shared.run(count, threads: threads) { i in
        slots.store(i, Result { () throws(E) -> T in try body(i) })
    }
    return try slots.collect()
}

/// A pointer handed to worker threads.
package struct SharedPointer<T>: @unchecked Sendable {
    // Safe where used: workers only read through it, or write disjoint elements, and the owner
    // outlives the parallel section.
    package let pointer: T
    package init(_ pointer: T) { self.pointer = pointer }
}

/// Write-once slots filled from several threads; each index is written by exactly one thread.
private final class ResultSlots<T, E: Error>: @unchecked Sendable {
    // A raw buffer rather than an array: concurrent writes to distinct elements of a class's
    // array property would trip Swift's dynamic exclusivity checks.
    private let buffer: UnsafeMutablePointer<Result<T, E>?>
    private let count: Int

    init(count: Int) {
        self.count = count
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil, count: count)
    }

    deinit {
        buffer.deinitialize(count: count)
        buffer.deallocate()
    }

    func store(_ index: Int, _ result: Result<T, E>) {
        buffer[index] = result
    }

    /// The results in index order: the pool runs every index before it returns, so an empty slot
    /// is a bug in the pool, never a consequence of input.
    func collect() throws(E) -> [T] {
        var results: [T] = []
        results.reserveCapacity(count)
        for i in 0..<count {
            guard let slot = buffer[i] else { preconditionFailure("internal error: parallel slot \(i) not filled") }
            results.append(try slot.get())
        }
        return results
    }
}
