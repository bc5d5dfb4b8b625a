import Foundation
@testable import Workbench

/// The repository root, found from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The example data shipped in the repository (`examples/`).
let exampleData = repositoryRoot + "/examples"

/// A fresh session working in `folder` (default: the repository root) with a throwaway home.
func makeSession(in folder: String = repositoryRoot, width: Int = 100) -> Session {
    let home = NSTemporaryDirectory() + "wb-test-home-\(UUID().uuidString)"
    return Session(environment: SessionEnvironment(workingDirectory: folder, home: home, width: width))
}

/// Runs lines and returns the last cell.
@discardableResult
func run(_ session: Session, _ lines: String...) -> Cell? {
    var last: Cell?
    for line in lines { last = session.execute(line) }
    return last
}

/// A temporary folder removed by the caller.
func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "wb-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Runs synchronous work on a thread of its own and awaits it without holding a thread of Swift's
/// cooperative pool. A session's `serve` and `stop` wait for async server work that needs that
/// pool; on a 2-core machine the pool has two threads, so two tests blocking them at once would
/// deadlock (the REPL runs commands on the main thread, outside the pool).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
