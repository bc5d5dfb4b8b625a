import Foundation

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Command history kept as plain text, one entry per line, deduplicated (a repeated command moves
/// to the end) and capped, so Up recalls each distinct command once.
public struct CommandHistory {
    public let path: String?
    public let limit: Int
    public private(set) var entries: [String] = []
    /// What a line becomes before it is kept (the interpreter masks database passwords).
    private let clean: @Sendable (String) -> String

    public init(path: String?, limit: Int = 1000, clean: @escaping @Sendable (String) -> String = { $0 }) {
        self.path = path
        self.limit = limit
        self.clean = clean
        if let path, let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        {
            for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
                insert(String(line))
            }
        }
    }

    /// Adds a command; returns false when it was already the most recent entry.
    @discardableResult
    public mutating func add(_ command: String) -> Bool {
        let line = clean(command.trimmingCharacters(in: .whitespaces))
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

    /// Rewrites the file atomically, readable by its owner only (commands can hold secrets): a
    /// temporary created 0600 beside it, then renamed over it. History is a convenience, so
    /// failures are ignored.
    private func save() {
        guard let path else { return }
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array((entries.joined(separator: "\n") + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written != bytes.count || rename(temporary, path) != 0 { unlink(temporary) }
    }
}
