import Synchronization

/// The connections a server is serving, and which of them wait idle between requests, so that at
/// the connection limit a new client can take the place of the longest-idle keep-alive connection
/// instead of waiting for idle connections to time out. Connections in the middle of a request are
/// never closed for a newcomer; when all are busy, the newcomer is held (not read) until one
/// closes or goes idle.
///
/// Shared by every event loop; each call takes one uncontended lock. The actions a call decides on
/// (close a connection, admit one) run after the lock is released, on the connection's own loop.
final class ConnectionRegistry: Sendable {
    /// What the registry can ask of a connection; each hops to the connection's event loop.
    struct Actions: Sendable {
        /// Close if still idle (it was chosen to make room).
        var evict: @Sendable () -> Void
        /// Start reading: the connection was held at the limit and may now be served.
        var admit: @Sendable () -> Void
    }

    private struct Entry {
        var actions: Actions
        /// When it last became idle; nil while a request is in progress (or none came yet).
        var idleSince: ContinuousClock.Instant?
    }

    private struct State {
        var next = 0
        var admitted: [Int: Entry] = [:]
        /// Held at the limit, oldest first.
        var held: [(id: Int, actions: Actions)] = []
        var evicted = 0
    }

    let maximum: Int
    private let state = Mutex(State())

    init(maximum: Int) {
        self.maximum = max(maximum, 1)
    }

    /// Registers a new connection. Below the limit it is admitted; at the limit the longest-idle
    /// connection is evicted to admit it; when none is idle it is held.
    /// - Returns: its id, and whether it may be served now.
    func register(_ actions: Actions) -> (id: Int, admitted: Bool) {
        let (id, admitted, evict): (Int, Bool, Actions?) = state.withLock { s in
            let id = s.next
            s.next += 1
            if s.admitted.count < maximum {
                s.admitted[id] = Entry(actions: actions)
                return (id, true, nil)
            }
            // O(connections), only at the limit.
            var oldest: (id: Int, since: ContinuousClock.Instant)?
            for (other, entry) in s.admitted {
                if let since = entry.idleSince, oldest.map({ since < $0.since }) ?? true { oldest = (other, since) }
            }
            if let oldest, let victim = s.admitted.removeValue(forKey: oldest.id) {
                s.admitted[id] = Entry(actions: actions)
                s.evicted += 1
                return (id, true, victim.actions)
            }
            s.held.append((id, actions))
            return (id, false, nil)
        }
        evict?.evict()
        return (id, admitted)
    }

    /// The connection started a request: it may not be evicted until it is idle again.
    func busy(_ id: Int) {
        state.withLock { s in s.admitted[id]?.idleSince = nil }
    }

    /// The connection answered and waits for another request. When a newcomer is held, this one
    /// gives up its place instead.
    /// - Returns: true when the connection should close now.
    func idle(_ id: Int) -> Bool {
        let admit: Actions? = state.withLock { s in
            guard s.admitted[id] != nil else { return nil }
            guard !s.held.isEmpty else {
                s.admitted[id]?.idleSince = .now
                return nil
            }
            s.admitted[id] = nil
            s.evicted += 1
            let next = s.held.removeFirst()
            s.admitted[next.id] = Entry(actions: next.actions)
            return next.actions
        }
        guard let admit else { return false }
        admit.admit()
        return true
    }

    /// The connection closed: its place goes to the oldest held connection, if any.
    func closed(_ id: Int) {
        let admit: Actions? = state.withLock { s in
            if s.admitted.removeValue(forKey: id) == nil {
                s.held.removeAll { $0.id == id }
            }
            guard s.admitted.count < maximum, !s.held.isEmpty else { return nil }
            let next = s.held.removeFirst()
            s.admitted[next.id] = Entry(actions: next.actions)
            return next.actions
        }
        admit?.admit()
    }

    /// Connections closed to make room for newcomers, since the server started.
    var evictions: Int { state.withLock { $0.evicted } }
}
