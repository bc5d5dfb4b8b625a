public import Bundles
public import Foundation
public import Learning
public import Tabular
public import Diagnostics
#if canImport(CDispatch)
// POSIX structs' members (stat, timespec) belong, for MemberImportVisibility, to whichever of
// Linux Foundation's C modules included their header first, which varies from build to build.
import CoreFoundation
import CDispatch
#endif

/// Fitted models kept under `$WORKBENCH_HOME/models`, so `open` restores a session's models
/// without fitting them again (issue 23, item 6).
///
/// Content-addressed: an entry's name is the SHA-256 of everything that decides the fit (see
/// `ModelFitKey`), so a changed dataset, seed, option or workbench version simply misses. `train`
/// writes every model it fits; only `open` reads. Entries are written to a temporary file and
/// renamed (0600, in a 0700 folder), read with a bundle's checks (`CachedModel`), and a refused
/// entry is removed. The folder is kept under a size cap by removing the least recently used
/// entries (a hit refreshes an entry's modification time).
public struct ModelCache: Sendable {
    /// The environment variable that sets the size cap: bytes, or with K, M or G (1024-based);
    /// 0 turns the cache off.
    public static let limitVariable = "WORKBENCH_MODEL_CACHE_LIMIT"
    /// The cap when `limitVariable` is not set.
    public static let defaultLimit = 1 << 30
    /// Entries' file names end so; anything else in the folder is left alone.
    static let entrySuffix = ".model"
    static let temporaryPrefix = ".tmp-"

    /// The cache folder.
    public let folder: String
    /// Bytes the entries may take together; 0: nothing is cached.
    public let limit: Int
    /// Why `limitVariable` was not understood (the default is used then).
    public let limitProblem: String?

    public init(home: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        folder = (home as NSString).appendingPathComponent("models")
        if let text = environment[Self.limitVariable], !text.isEmpty {
            if let bytes = Self.parseSize(text) {
                limit = bytes
                limitProblem = nil
            } else {
                limit = Self.defaultLimit
                limitProblem =
                    "\(Self.limitVariable)=\(text) is not a size (like 500M or 2G); using \(Self.formatBytes(Self.defaultLimit))"
            }
        } else {
            limit = Self.defaultLimit
            limitProblem = nil
        }
    }

    public init(folder: String, limit: Int) {
        self.folder = folder
        self.limit = limit
        limitProblem = nil
    }

    public var isEnabled: Bool { limit > 0 }

    /// `123`, `500K`, `500M`, `2G` (1024-based, `B`/`iB` suffixes allowed).
    static func parseSize(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where digits.hasSuffix(suffix) {
            digits.removeLast(suffix.count)
            break
        }
        var scale = 1
        if let last = digits.last, let power = ["K": 10, "M": 20, "G": 30, "T": 40][String(last)] {
            scale = 1 << power
            digits.removeLast()
        }
        guard let value = Int(digits), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }

    static func formatBytes(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return "\(bytes) bytes"
    }

    // MARK: entries

    /// The model stored under `key`, or nil when there is none. A refused entry is removed and
    /// reported as `.refused`, so the caller fits again and says why.
    public func load(key: String) throws(ModelCacheError) -> CachedModel.Contents? {
        guard isEnabled else { return nil }
        guard try checkedFolder(create: false) else { return nil }
        let path = entryPath(key)
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        guard info.st_mode & S_IFMT == S_IFREG else {
            discard(path)
            throw .refused(path: path, reason: "it is \(FileKind.describe(info.st_mode)), not a file")
        }
        guard Int(info.st_size) <= limit else {
            discard(path)
            throw .refused(path: path, reason: "it is larger than the cache's cap")
        }
        let data: Data
        do { data = try BoundedFile.read(path, limit: limit) } catch {
            if case .notFound = error { return nil }
            discard(path)
            throw .refused(path: path, reason: "it cannot be read (\(error))")
        }
        let contents: CachedModel.Contents
        do { contents = try CachedModel.decode(data, key: key) } catch {
            discard(path)
            throw .refused(path: path, reason: error.description)
        }
        // Least recently used goes first: a hit counts as a use.
        _ = utimensat(AT_FDCWD, path, nil, 0)
        return contents
    }

    /// Stores `pipeline` under `key`, then removes the least recently used entries until the cache
    /// fits its cap. Returns how many entries were removed. A model bigger than the cap is not
    /// stored (`.tooLarge`).
    @discardableResult
    public func store(key: String, pipeline: PipelineModel, fitSeconds: Double, trainingFrame: DataFrame)
        throws(ModelCacheError) -> Int
    {
        guard isEnabled else { return 0 }
        let data: Data
        do {
            data = try CachedModel.encode(pipeline, fitSeconds: fitSeconds, verificationFrame: trainingFrame, key: key)
        } catch {
            throw .cannotEncode(reason: String(describing: error))
        }
        guard data.count <= limit else { throw .tooLarge(bytes: data.count, limit: limit) }
        _ = try checkedFolder(create: true)
        let temporary = folder + "/" + Self.temporaryPrefix + UUID().uuidString
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .notWritable(path: folder, reason: String(cString: strerror(errno))) }
        var offset = 0
        var failure: Int32 = 0
        data.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        close(fd)
        guard failure == 0, rename(temporary, entryPath(key)) == 0 else {
            let code = failure != 0 ? failure : errno
            unlink(temporary)
            throw .notWritable(path: folder, reason: String(cString: strerror(code)))
        }
        return evict(keeping: key)
    }

    /// How many entries the cache holds and their bytes.
    public func status() throws(ModelCacheError) -> (entries: Int, bytes: Int) {
        guard try checkedFolder(create: false) else { return (0, 0) }
        let entries = listEntries()
        return (entries.count, entries.reduce(0) { $0 + $1.bytes })
    }

    /// Removes every entry (and leftover temporary files); returns how many entries and bytes.
    @discardableResult
    public func clear() throws(ModelCacheError) -> (entries: Int, bytes: Int) {
        guard try checkedFolder(create: false) else { return (0, 0) }
        let entries = listEntries()
        var removed = 0, bytes = 0
        for entry in entries where unlink(folder + "/" + entry.name) == 0 {
            removed += 1
            bytes += entry.bytes
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(Self.temporaryPrefix) {
            unlink(folder + "/" + name)
        }
        guard removed == entries.count else {
            throw .notWritable(path: folder, reason: "\(entries.count - removed) entries could not be removed")
        }
        return (removed, bytes)
    }

    // MARK: private

    func entryPath(_ key: String) -> String { folder + "/" + key + Self.entrySuffix }

    private func discard(_ path: String) { unlink(path) }

    /// Checks the folder is a real folder of ours (not a link, FIFO or file); with `create`, makes
    /// it (0700) when missing. Returns whether it exists.
    private func checkedFolder(create: Bool) throws(ModelCacheError) -> Bool {
        var info = stat()
        if lstat(folder, &info) != 0 {
            guard errno == ENOENT else { throw .unusableFolder(path: folder, reason: String(cString: strerror(errno))) }
            guard create else { return false }
            do {
                try FileManager.default.createDirectory(
                    atPath: (folder as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw .notWritable(path: folder, reason: "its parent folder cannot be created")
            }
            guard mkdir(folder, 0o700) == 0 || errno == EEXIST else {
                throw .notWritable(path: folder, reason: String(cString: strerror(errno)))
            }
            guard lstat(folder, &info) == 0 else {
                throw .unusableFolder(path: folder, reason: String(cString: strerror(errno)))
            }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .unusableFolder(path: folder, reason: "it is \(FileKind.describe(info.st_mode)), not a folder")
        }
        guard info.st_uid == getuid() else {
            throw .unusableFolder(path: folder, reason: "it belongs to another user")
        }
        return true
    }

    private struct Entry {
        var name: String
        var bytes: Int
        var used: timespec
    }

    /// The entries (regular files named KEY.model), oldest use first.
    private func listEntries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var entries: [Entry] = []
        for name in names where name.hasSuffix(Self.entrySuffix) {
            var info = stat()
            guard lstat(folder + "/" + name, &info) == 0 else { continue }
            entries.append(Entry(name: name, bytes: Int(info.st_size), used: info.st_mtim))
        }
        return entries.sorted {
            ($0.used.tv_sec, $0.used.tv_nsec, $0.name) < ($1.used.tv_sec, $1.used.tv_nsec, $1.name)
        }
    }

    /// Removes the least recently used entries, never `key`, until the rest fit the cap.
    private func evict(keeping key: String) -> Int {
        let entries = listEntries()
        var total = entries.reduce(0) { $0 + $1.bytes }
        var removed = 0
        for entry in entries where total > limit && entry.name != key + Self.entrySuffix {
            if unlink(folder + "/" + entry.name) == 0 {
                total -= entry.bytes
                removed += 1
            }
        }
        return removed
    }
}

/// Why the model cache could not be used; a command says so in a note and goes on (the model is
/// fitted, or not cached).
public enum ModelCacheError: Error, Sendable, Equatable, UserFacingError {
    /// The folder is a link, FIFO, file or someone else's.
    case unusableFolder(path: String, reason: String)
    case notWritable(path: String, reason: String)
    /// An entry that was removed because it could not be trusted.
    case refused(path: String, reason: String)
    case tooLarge(bytes: Int, limit: Int)
    case cannotEncode(reason: String)

    public var diagnostic: Diagnostic {
        switch self {
        case .unusableFolder(let path, let reason):
            Diagnostic(
                "the model cache \(path) cannot be used: \(reason)",
                remedy: "remove or rename it; workbench makes a new one")
        case .notWritable(let path, let reason):
            Diagnostic(
                "cannot write to the model cache \(path): \(reason)",
                remedy: "check its permissions, or set WORKBENCH_HOME to a folder you can write")
        case .refused(let path, let reason):
            "the cached model \((path as NSString).lastPathComponent) was refused and removed: \(reason)"
        case .tooLarge(let bytes, let limit):
            Diagnostic(
                "the model takes \(ModelCache.formatBytes(bytes)), more than the cache's cap of \(ModelCache.formatBytes(limit))",
                remedy: "raise \(ModelCache.limitVariable) (e.g. 4G)")
        case .cannotEncode(let reason):
            "the model cannot be stored: \(reason)"
        }
    }
}

/// Everything that decides a `train` cell's fitted model, in a canonical text whose SHA-256 names
/// its cache entry: the command as parsed and resolved (algorithm with every hyperparameter, target,
/// task, features, options), the fingerprint and layout of the data it reads, the seed, and the
/// versions of workbench, the model format and the cache format.
public struct ModelFitKey: Sendable, Equatable {
    public var algorithm: String
    public var parameters: Parameters
    public var target: String
    public var task: Task?
    public var features: [String]
    public var missingIndicators: Bool
    public var seed: Int
    /// The training dataset's fingerprint (of its file, or of its table for derived data).
    public var dataFingerprint: String
    /// Column names, kinds and row count: the same file read with other options (sep=, types=,
    /// header=) gives another table.
    public var dataLayout: String

    public init(
        algorithm: String, parameters: Parameters, target: String, task: Task?, features: [String],
        missingIndicators: Bool, seed: Int, data: Dataset
    ) {
        self.algorithm = algorithm
        self.parameters = parameters
        self.target = target
        self.task = task
        self.features = features
        self.missingIndicators = missingIndicators
        self.seed = seed
        dataFingerprint = data.fingerprint
        dataLayout =
            "\(data.frame.rowCount) rows; "
            + data.frame.columns.map { "\($0.name):\($0.kind.rawValue)" }.joined(separator: ",")
    }

    /// The canonical text (one fact a line).
    public var canonicalText: String {
        let parameterText =
            (try? ModelCoding.encoder().encode(parameters)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return [
            "workbench model cache \(CachedModel.formatVersion)",
            "workbench \(workbenchVersion)",
            "model format \(Manifest.currentFormatVersion)",
            "command train \(algorithm) \(parameterText)",
            "target \(target)",
            "task \(task?.rawValue ?? "inferred")",
            "features \(features.joined(separator: "\u{1F}"))",
            "missing_indicators \(missingIndicators)",
            "seed \(seed)",
            "data \(dataFingerprint)",
            "layout \(dataLayout)",
        ].joined(separator: "\n")
    }

    /// The entry's name: 64 hex digits.
    public var digest: String { String(Fingerprint.of(bytes: Array(canonicalText.utf8)).dropFirst("sha256:".count)) }
}
