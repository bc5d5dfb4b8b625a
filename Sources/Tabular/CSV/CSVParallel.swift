import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pointer handed to worker threads.
public struct SharedPointer<T>: @unchecked Sendable {
    // Safe: workers only read through it, or write disjoint rows, and the owner outlives the parallel section.
    public let pointer: T
    public init(_ pointer: T) { self.pointer = pointer }
}

/// Runs `body(i)` for every i in 0..<count on up to `workers` threads and returns the results in
/// index order, so the output never depends on scheduling. Workers take the next index as they
/// finish one, so a worker delayed by other load on the machine does not hold up the rest.
public func parallelMap<T>(_ count: Int, workers: Int, _ body: (Int) -> T) -> [T] {
    if workers <= 1 || count <= 1 { return (0..<count).map(body) }
    let results = UnsafeMutablePointer<T?>.allocate(capacity: count)
    results.initialize(repeating: nil, count: count)
    defer {
        results.deinitialize(count: count)
        results.deallocate()
    }
    let shared = SharedPointer(results)
    let next = WorkCounter()
    withoutActuallyEscaping(body) { body in
        let work = SharedPointer(body)
        DispatchQueue.concurrentPerform(iterations: min(workers, count)) { _ in
            while true {
                let i = next.take()
                if i >= count { break }
                shared.pointer[i] = work.pointer(i)
            }
        }
    }
    return (0..<count).map { i in
        guard let value = results[i] else { preconditionFailure("internal error: parallel slot \(i) not filled") }
        return value
    }
}

/// Hands out 0, 1, 2, … to concurrent callers.
private final class WorkCounter: @unchecked Sendable {
    // Safe: `value` is only touched with `mutex` held; the mutex lives in stable, manually managed memory.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value = 0

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func take() -> Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let current = value
        value += 1
        return current
    }
}
