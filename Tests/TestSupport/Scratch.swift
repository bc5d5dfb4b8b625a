import Foundation

/// A fresh, empty temporary folder named `PREFIX-UUID`; the caller removes it.
package func temporaryFolder(prefix: String = "wb-test") throws -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs synchronous work on a thread of its own and awaits it without holding a thread of Swift's
/// cooperative pool. A session's `serve` and `stop` wait for async server work that needs that
/// pool; on a 2-core machine the pool has two threads, so two tests blocking them at once would
/// deadlock (the REPL runs commands on the main thread, outside the pool).
package func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
