import Foundation
import PostgresAccess

/// Command history kept as plain text, one entry per line, deduplicated (a repeated command moves
/// to the end) and capped, so Up recalls each distinct command once.
public struct CommandHistory {
    public let path: String?
    public let limit: Int
    public private(set) var entries: [String] = []

    public init(path: String?, limit: Int = 1000) {
        self.path = path
        self.limit = limit
        if let path, let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        {
            for line in textLines(text) where !line.isEmpty { insert(String(line)) }
        }
    }

    /// Adds a command; returns false when it was already the most recent entry.
    @discardableResult
    public mutating func add(_ command: String) -> Bool {
        // The history file keeps no database password (it is there for the session to reuse).
        let line = PostgresLocation.mask(command.trimmingCharacters(in: .whitespaces))
        guard !line.isEmpty, !line.contains("\n"), entries.last != line else { return false }
        insert(line)
        save()
        return true
    }

    private mutating func insert(_ line: String) {
        entries.removeAll { $0 == line }
        entries.append(line)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
    }

    /// Rewrites the file atomically; history is a convenience, so failures are ignored.
    private func save() {
        guard let path else { return }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? writeFileAtomically(
            Data((entries.joined(separator: "\n") + "\n").utf8), to: path, permissions: 0o600, durable: false)
    }
}
