import Dispatch

/// Runs `body(i)` for every i in 0..<count on up to `threads` threads and returns the results in
/// index order, so the output never depends on scheduling.
public func parallelMap<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    if threads <= 1 || count <= 1 {
        return try (0..<count).map(body)
    }
    let slots = ResultSlots<T>(count: count)
    let workers = min(threads, count)
    // On the spinning pool: its helpers are usually awake already (boosting's steps keep them so),
    // where Dispatch would wake a sleeping thread.
    SpinningPool.shared.run(workers) { worker in
        var i = worker
        while i < count {
            slots.store(i, Result { try body(i) })
            i += workers
        }
    }
    return try slots.collect()
}

/// Write-once slots filled from several threads; each index is written by exactly one worker.
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    // A raw buffer rather than an array: concurrent writes to distinct elements of a class's
    // array property would trip Swift's dynamic exclusivity checks.
    private let buffer: UnsafeMutablePointer<Result<T, any Error>?>
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

    func store(_ index: Int, _ result: Result<T, any Error>) {
        buffer[index] = result
    }

    func collect() throws -> [T] {
        try (0..<count).map { i in
            guard let slot = buffer[i] else { throw LearningError.cancelled }
            return try slot.get()
        }
    }
}
