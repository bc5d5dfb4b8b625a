import Foundation

/// Names of the temporary files that atomic writes go through, and the sweep that removes those
/// a killed process left behind.
///
/// An atomic write goes to `.NAME.wb-tmp-PID-RANDOM` beside its target (16 lower-case hex digits
/// of randomness: a name no user chooses) and is renamed over it when complete. A process killed in
/// between leaves the temporary file; the next start removes it, but only what it can prove is a
/// workbench temporary: the exact name pattern, owned by this user, of a process that is gone, and
/// a regular file (never a folder, never through a link). Folders — unzipped bundles
/// (`workbench-bundle-PID-UUID` in the system's temporary folder) and export staging folders
/// (`.NAME.partial-PID-XXXXXXXX` beside the bundle) — are removed only when every entry in them is a
/// regular bundle file, one by one, never recursively.
public enum TemporaryFiles {
    static let infix = ".wb-tmp-"
    static let randomDigits = 16
    static let bundlePrefix = "workbench-bundle-"
    static let partialInfix = ".partial-"
    /// The only names an unzipped bundle or an export staging folder holds.
    static let bundleFileNames: Set<String> = [
        "manifest.json", "manifest.sig", "model.json", "model.onnx", "reference.json",
        "MODEL_CARD.md", "openapi.yaml", "example.json", "verification.json", "provenance.wbt",
    ]

    /// A fresh temporary path for an atomic write of `path`, in the same folder (so the rename is atomic).
    public static func temporaryPath(for path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let name =
            "." + (path as NSString).lastPathComponent + infix + "\(getpid())-"
            + String(repeating: "0", count: randomDigits - random.count) + random
        return folder.isEmpty ? name : folder + "/" + name
    }

    /// What a name in a swept folder is, if it is one of ours.
    enum Kind: Equatable {
        /// An atomic write's temporary file (or a batch prediction's partial output).
        case file(pid_t)
        /// An unzipped bundle or an export's staging folder; `.zip` staging is a file.
        case bundleFolder(pid_t)
        case stagingZip(pid_t)
    }

    /// The kind of temporary `name` is by its name alone, with the process that made it.
    static func kind(of name: String) -> Kind? {
        if name.hasPrefix("."), let range = name.range(of: infix, options: .backwards),
            range.lowerBound > name.index(after: name.startIndex)
        {
            let parts = name[range.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = processID(parts[0]), parts[1].count == randomDigits,
                parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            else { return nil }
            return .file(pid)
        }
        if name.hasPrefix(bundlePrefix) {
            // workbench-bundle-PID-UUID
            let rest = name.dropFirst(bundlePrefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = processID(rest[..<dash]),
                UUID(uuidString: String(rest[rest.index(after: dash)...])) != nil
            else { return nil }
            return .bundleFolder(pid)
        }
        if name.hasPrefix("."), let range = name.range(of: partialInfix, options: .backwards),
            range.lowerBound > name.index(after: name.startIndex)
        {
            // .NAME.partial-PID-XXXXXXXX, with .zip (the archive being built) or .old (a replaced bundle)
            var rest = name[range.upperBound...]
            var zip = false
            if rest.hasSuffix(".zip") {
                rest = rest.dropLast(4)
                zip = true
            } else if rest.hasSuffix(".old") {
                rest = rest.dropLast(4)
            }
            let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = processID(parts[0]), parts[1].count == 8,
                parts[1].allSatisfy({ $0.isHexDigit && !$0.isLowercase })
            else { return nil }
            return zip ? .stagingZip(pid) : .bundleFolder(pid)
        }
        return nil
    }

    private static func processID(_ text: Substring) -> pid_t? {
        guard !text.isEmpty, text.count <= 10, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber),
            let pid = pid_t(text), pid > 0
        else { return nil }
        return pid
    }

    /// Whether process `pid` still exists (a process of another user counts as existing).
    static func isAlive(_ pid: pid_t) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Removes, from each folder (not recursively), the temporaries of processes that no longer
    /// exist and that it can prove are workbench's (see the type's summary); returns what it
    /// removed. Never fails: a sweep is tidying.
    @discardableResult
    public static func sweep(_ folders: [String]) -> [String] {
        var removed: [String] = []
        for folder in Set(folders) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names {
                guard let kind = kind(of: name) else { continue }
                let path = (folder as NSString).appendingPathComponent(name)
                switch kind {
                case .file(let pid), .stagingZip(let pid):
                    guard abandoned(pid), isOwnRegularFile(path) else { continue }
                    if kind == .stagingZip(pid), !looksLikeZip(path) { continue }
                    if unlink(path) == 0 { removed.append(path) }
                case .bundleFolder(let pid):
                    guard abandoned(pid), removeBundleFolder(path) else { continue }
                    removed.append(path)
                }
            }
        }
        return removed.sorted()
    }

    private static func abandoned(_ pid: pid_t) -> Bool { pid != getpid() && !isAlive(pid) }

    /// A regular file (not a link) owned by this user.
    private static func isOwnRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && info.st_uid == getuid()
    }

    /// An empty file (the archive was just created) or one starting with a zip signature.
    private static func looksLikeZip(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        return head.isEmpty || head.starts(with: [0x50, 0x4B])
    }

    /// Removes a folder of ours only if it is a real folder owned by this user holding nothing but
    /// regular bundle files; each file is removed by name, then the empty folder.
    private static func removeBundleFolder(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(),
            let entries = try? FileManager.default.contentsOfDirectory(atPath: path)
        else { return false }
        let files = entries.map { (path as NSString).appendingPathComponent($0) }
        guard entries.allSatisfy(bundleFileNames.contains), files.allSatisfy(isOwnRegularFile) else { return false }
        for file in files where unlink(file) != 0 { return false }
        return rmdir(path) == 0
    }

    /// The folders a workbench process writes temporary files in: its home and the tutorials
    /// progress folder, the sessions folder, the working folder, and the system's temporary folder.
    public static func sweepAtStart(home: String, sessions: String?, workingDirectory: String) {
        var folders = [
            home, (home as NSString).appendingPathComponent("tutorials"), workingDirectory, NSTemporaryDirectory(),
        ]
        if let sessions { folders.append(sessions) }
        sweep(folders)
    }
}
