import Foundation
#if canImport(CDispatch)
// POSIX structs' members (stat, timespec) belong, for MemberImportVisibility, to whichever of
// Linux Foundation's C modules included their header first, which varies from build to build.
import CoreFoundation
import CDispatch
#endif

/// Where a replay's writes go: a private folder that mirrors the paths the cells name, so
/// replaying a session never creates, replaces or removes a file of the user's. A replayed cell
/// that reads what an earlier replayed cell wrote finds it there: reads look in the sandbox first.
public struct WriteSandbox: Sendable, Equatable {
    /// The private folder; `root + PATH` holds what a cell wrote to the absolute path `PATH`.
    public let root: String

    public init(root: String) { self.root = root }

    /// A new, empty sandbox in the system's temporary folder, readable by this user only.
    public static func temporary() throws -> WriteSandbox {
        let root = NSTemporaryDirectory() + "workbench-sandbox-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return WriteSandbox(root: root)
    }

    /// Where a write to the absolute path `path` goes; its folders are created.
    public func pathForWriting(_ path: String) -> String {
        let mirrored = mirror(path)
        try? FileManager.default.createDirectory(
            atPath: (mirrored as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return mirrored
    }

    /// Where a read of the absolute path `path` goes: what a replayed cell wrote there, if any,
    /// else the real file.
    public func pathForReading(_ path: String) -> String {
        let mirrored = mirror(path)
        var info = stat()
        return lstat(mirrored, &info) == 0 ? mirrored : path
    }

    /// The sandbox's own paths are shown as the path the cell named.
    public func shown(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count)) : path
    }

    /// Removes the sandbox and everything in it (it is ours alone: created private and empty).
    public func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func mirror(_ path: String) -> String {
        let absolute = (path as NSString).standardizingPath
        return root + (absolute.hasPrefix("/") ? absolute : "/" + absolute)
    }
}
