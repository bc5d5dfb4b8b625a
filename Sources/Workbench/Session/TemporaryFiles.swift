import Foundation

/// Names of the temporary files that atomic writes go through, and the sweep that removes those
/// a killed process left behind.
///
/// An atomic write goes to `.NAME.tmp-PID` beside its target and is renamed over it when complete
/// (the CSV writer uses the same pattern). A process killed in between leaves the temporary file;
/// the next start removes those whose process is gone. Unzipped bundles go to
/// `workbench-bundle-PID-…` folders under the system's temporary folder, swept the same way.
public enum TemporaryFiles {
    static let marker = ".tmp-"
    static let bundlePrefix = "workbench-bundle-"

    /// The temporary file for an atomic write of `path`, in the same folder (so the rename is atomic).
    public static func temporaryPath(for path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let name = "." + (path as NSString).lastPathComponent + marker + "\(getpid())"
        return folder.isEmpty ? name : folder + "/" + name
    }

    /// The process that owns a temporary file or bundle folder with this name, if it is one.
    static func owner(of name: String) -> pid_t? {
        if name.hasPrefix("."), let range = name.range(of: marker, options: .backwards) {
            return pid_t(name[range.upperBound...])
        }
        if name.hasPrefix(bundlePrefix) {
            return pid_t(name.dropFirst(bundlePrefix.count).prefix { $0.isNumber })
        }
        return nil
    }

    /// Whether process `pid` still exists (a process of another user counts as existing).
    static func isAlive(_ pid: pid_t) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Removes, from each folder (not recursively), the temporary files and unzipped bundle folders
    /// of processes that no longer exist; returns what it removed. Never fails: a sweep is tidying.
    @discardableResult
    public static func sweep(_ folders: [String]) -> [String] {
        var removed: [String] = []
        for folder in Set(folders) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names {
                guard let pid = owner(of: name), pid != getpid(), !isAlive(pid) else { continue }
                let path = (folder as NSString).appendingPathComponent(name)
                if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
            }
        }
        return removed.sorted()
    }

    /// The folders a workbench process writes temporary files in: its home and the tutorials
    /// progress folder, the sessions folder, the working folder, and the system's temporary folder.
    public static func sweepAtStart(home: String, sessions: String?, workingDirectory: String) {
        var folders = [home, (home as NSString).appendingPathComponent("tutorials"), workingDirectory, NSTemporaryDirectory()]
        if let sessions { folders.append(sessions) }
        sweep(folders)
    }
}

/// Writes `data` to `path` atomically: `.NAME.tmp-PID` in the same folder, flushed to disk (unless
/// `durable` is false, for conveniences such as history), then renamed over `path`. A crash leaves
/// the old file or the new one, and at most a temporary file that the next start removes
/// (`TemporaryFiles.sweepAtStart`).
public func writeFileAtomically(_ data: Data, to path: String, permissions: mode_t = 0o644, durable: Bool = true) throws {
    let temporary = TemporaryFiles.temporaryPath(for: path)
    func failure(_ code: Int32) -> CommandError {
        CommandError("cannot write \(path): \(String(cString: strerror(code)))", hint: "check that the folder exists and is writable")
    }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions)
    guard fd >= 0 else { throw failure(errno) }
    var offset = 0
    let error: Int32? = data.withUnsafeBytes { raw in
        while offset < raw.count {
            let n = write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
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
    guard rename(temporary, path) == 0 else {
        let code = errno
        unlink(temporary)
        throw failure(code)
    }
}
