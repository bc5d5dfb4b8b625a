public import Foundation
import Tabular
import CommandLanguage
public import Diagnostics
#if canImport(CDispatch)
// POSIX structs' members (stat, timespec) belong, for MemberImportVisibility, to whichever of
// Linux Foundation's C modules included their header first, which varies from build to build.
import CoreFoundation
import CDispatch
#endif

/// Why a file could not be written; each case names the path as the user wrote it.
public enum FileWriteError: Error, Sendable, Equatable, UserFacingError {
    /// The target exists and the command was not told to replace it (`overwrite=yes` in a
    /// session, `--overwrite` in the shell); `caveat` says what replacing it would cost, if anything.
    case exists(path: String, linkedTo: String?, caveat: String?)
    /// A device, FIFO or socket: replacing it would destroy it, writing into it is not a file.
    case notRegular(path: String, kind: String)
    case isDirectory(path: String)
    /// A symbolic link whose target does not exist or is not a regular file.
    case badLink(path: String, target: String)
    case noFolder(path: String)
    case failed(path: String, reason: String)

    public var diagnostic: Diagnostic {
        switch self {
        case .exists(let p, let link, let caveat):
            Diagnostic(
                "\(p) already exists" + (link.map { " (a symbolic link to \($0))" } ?? ""),
                remedy:
                    "add \(setting: "overwrite", "yes")\(caveat.map { " (\($0))" } ?? "") to replace \(link == nil ? "it" : "the file it points to"), or choose another path"
            )
        case .notRegular(let p, let kind):
            Diagnostic(
                "\(p) is \(kind), not a regular file; refusing to write over it",
                remedy: "choose a path to a regular file")
        case .isDirectory(let p): Diagnostic("\(p) is a folder", remedy: "give a file name inside it")
        case .badLink(let p, let target):
            Diagnostic(
                "\(p) is a symbolic link to \(target), which is not a regular file; refusing to write through it",
                remedy: "choose another path")
        case .noFolder(let p):
            Diagnostic(
                "no folder \((p as NSString).deletingLastPathComponent.isEmpty ? "." : (p as NSString).deletingLastPathComponent) to write \((p as NSString).lastPathComponent) into",
                remedy: "create it first, or choose an existing folder")
        case .failed(let p, let reason):
            Diagnostic("cannot write \(p): \(reason)", remedy: "check that the folder exists and is writable")
        }
    }
}

/// The one way commands write files: a target is refused if it exists (unless the command was
/// told to overwrite) or is not a regular file, and the bytes go to a temporary file in the same
/// folder that is renamed into place, so a crash leaves the old file or the new one.
public struct FileTarget: Sendable {
    /// The absolute path to write.
    public var path: String
    /// The path as the user wrote it, for messages.
    public var shown: String
    /// Replace an existing regular file (through a symbolic link: the file it points to).
    public var overwrite: Bool
    /// What replacing the file would cost, said beside the hint to overwrite it.
    public var caveat: String?

    public init(path: String, shown: String? = nil, overwrite: Bool, caveat: String? = nil) {
        self.path = path
        self.shown = shown ?? path
        self.overwrite = overwrite
        self.caveat = caveat
    }

    /// Checks the target without writing; returns the path to rename over (a link's target when
    /// overwriting through a link) and the permission bits of the file it replaces, if any.
    public func destination() throws(FileWriteError) -> (path: String, existingMode: Int?) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            guard code == ENOENT else { throw .failed(path: shown, reason: String(cString: strerror(code))) }
            var folder = stat()
            let parent = (path as NSString).deletingLastPathComponent
            guard stat(parent.isEmpty ? "." : parent, &folder) == 0, (folder.st_mode & S_IFMT) == S_IFDIR else {
                throw .noFolder(path: shown)
            }
            return (path, nil)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            guard overwrite else { throw .exists(path: shown, linkedTo: nil, caveat: caveat) }
            return (path, Int(info.st_mode & 0o7777))
        case S_IFDIR:
            throw .isDirectory(path: shown)
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            guard overwrite else { throw .exists(path: shown, linkedTo: target, caveat: caveat) }
            guard let resolved = realpath(path, nil) else { throw .badLink(path: shown, target: target) }
            defer { free(resolved) }
            let real = String(cString: resolved)
            var final = stat()
            guard lstat(real, &final) == 0, (final.st_mode & S_IFMT) == S_IFREG else {
                throw .badLink(path: shown, target: target)
            }
            return (real, Int(final.st_mode & 0o7777))
        default:
            throw .notRegular(path: shown, kind: FileTarget.kind(of: info.st_mode))
        }
    }

    /// Writes `data` atomically (see the type's summary); `durable` flushes it to disk first.
    public func write(_ data: Data, permissions: Int = 0o644, durable: Bool = true) throws(FileWriteError) {
        let (destination, existingMode) = try self.destination()
        let temporary = TemporaryFiles.temporaryPath(for: destination)
        func failure(_ code: Int32) -> FileWriteError { .failed(path: shown, reason: String(cString: strerror(code))) }
        // O_EXCL: never write into something already there, whatever it is.
        let fd = open(
            temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(existingMode ?? permissions))
        guard fd >= 0 else { throw failure(errno) }
        if let existingMode { fchmod(fd, mode_t(existingMode)) }  // the creation mode is masked by umask
        var offset = 0
        let error: Int32? = data.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return !durable || fsync(fd) == 0 ? nil : errno
        }
        if let error {
            close(fd)
            unlink(temporary)
            throw failure(error)
        }
        guard close(fd) == 0 else {
            let code = errno
            unlink(temporary)
            throw failure(code)
        }
        try FileTarget.moveIntoPlace(
            temporary, destination, replacing: existingMode != nil, shown: shown, caveat: caveat)
    }

    /// Renames a finished temporary over `destination`. A new file is linked into place, which
    /// fails if something appeared there meanwhile, so a file created after the check is never replaced.
    static func moveIntoPlace(
        _ temporary: String, _ destination: String, replacing: Bool, shown: String, caveat: String?
    ) throws(FileWriteError) {
        defer { unlink(temporary) }
        if !replacing {
            if link(temporary, destination) == 0 { return }
            let code = errno
            if code == EEXIST { throw .exists(path: shown, linkedTo: nil, caveat: caveat) }
            // Some file systems have no hard links; fall back to a rename after one more check.
            guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EMLINK else {
                throw .failed(path: shown, reason: String(cString: strerror(code)))
            }
            var info = stat()
            if lstat(destination, &info) == 0 { throw .exists(path: shown, linkedTo: nil, caveat: caveat) }
        }
        guard rename(temporary, destination) == 0 else {
            throw .failed(path: shown, reason: String(cString: strerror(errno)))
        }
    }

    static func kind(of mode: mode_t) -> String { FileKind.describe(mode) }
}

extension CommandContext {
    /// The target of a command's `PATH` argument, replaced only with `overwrite=yes`.
    func fileTarget(_ placeholder: Placeholder = .path) throws -> FileTarget {
        let (written, resolved) = try outputPath(placeholder)
        return FileTarget(path: resolved, shown: written, overwrite: invocation[CommonOption.overwrite])
    }
}

/// Writes `data` to `path` atomically, replacing what is there: for the program's own files
/// (history, tutorial progress, `replay --update`), not for a target the user named — commands use
/// `FileTarget`, which refuses to replace without being told to.
public func writeFileAtomically(_ data: Data, to path: String, permissions: Int = 0o644, durable: Bool = true) throws {
    try FileTarget(path: path, overwrite: true).write(data, permissions: permissions, durable: durable)
}
