import Foundation
public import Serving
import Synchronization

/// The servers a session started with `serve`: numbered from 1, running in the background of
/// the session until `stop N` or the end of the session.
public final class SessionServers: Sendable {
    /// One background server and what it serves.
    public struct Entry: Sendable {
        public var number: Int
        public var name: String
        public var bundlePath: String
        public var logPath: String?
        public var server: RunningServer
    }

    private struct State {
        var entries: [Entry] = []
        var nextNumber = 1
    }

    private let state = Mutex(State())

    public init() {}

    public var all: [Entry] { state.withLock { $0.entries } }

    func add(name: String, bundlePath: String, logPath: String?, server: RunningServer) -> Entry {
        state.withLock { s in
            let entry = Entry(
                number: s.nextNumber, name: name, bundlePath: bundlePath, logPath: logPath, server: server)
            s.nextNumber += 1
            s.entries.append(entry)
            return entry
        }
    }

    func remove(_ number: Int) -> Entry? {
        state.withLock { s in
            guard let i = s.entries.firstIndex(where: { $0.number == number }) else { return nil }
            return s.entries.remove(at: i)
        }
    }

    /// Stops every server gracefully (requests finish, logs are flushed).
    public func stopAll() {
        let entries = state.withLock { s in
            let e = s.entries
            s.entries = []
            return e
        }
        for entry in entries { waitFor { await entry.server.shutdown() } }
    }
}

/// Runs async work from the REPL's synchronous command handlers and waits for its result.
func waitFor<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Result<T, any Error>?>(nil)
    Task {
        let r: Result<T, any Error>
        do { r = .success(try await work()) } catch { r = .failure(error) }
        result.withLock { $0 = r }
        done.signal()
    }
    done.wait()
    guard let r = result.withLock({ $0 }) else {
        throw CommandError("internal error: background work ended without a result")
    }
    return try r.get()
}

/// The non-throwing form.
func waitFor(_ work: @escaping @Sendable () async -> Void) {
    _ = try? waitFor { () async throws -> Bool in
        await work()
        return true
    }
}
