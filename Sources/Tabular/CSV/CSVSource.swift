#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the reader gets its bytes: a window at a time, so a file is never held in memory whole.
///
/// The reader asks for byte ranges in increasing order (twice over: once to find the records and
/// hash the file, once to parse them) and for a few out of order (the file's tail, a chunk parsed
/// again, the lines before an error). The bytes given to `body` are valid only during the call.
protocol CSVSource {
    /// The number of bytes.
    var count: Int { get }
    func withBytes<R>(offset: Int, count: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R
    /// Throws if the bytes may have changed since the first read (a file written meanwhile).
    func checkUnchanged() throws
}

/// Bytes already in memory (standard input, tests): windows are slices of them, never copies.
struct CSVMemorySource: CSVSource {
    let bytes: UnsafeBufferPointer<UInt8>

    var count: Int { bytes.count }

    func withBytes<R>(offset: Int, count: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        try body(UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }

    func checkUnchanged() {}
}

/// A regular file read window by window with `pread(2)` into one reused buffer.
///
/// Read, not mapped: a mapped file that another process truncates while it is being parsed kills
/// the reader with SIGBUS, which no Swift code can catch. Windows keep memory to the decoded table
/// plus one window (see `CSVReader.defaultWindowSize`), whatever the file's size.
final class CSVFileSource: CSVSource {
    let name: String
    let count: Int
    private let fd: Int32
    private let opened: stat
    private var buffer: UnsafeMutableRawBufferPointer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// Whether a `withBytes` call is under way: a nested call (counting the lines before an error
    /// found in a window) reads into a buffer of its own instead of overwriting that window.
    private var lent = false

    /// Bytes read to estimate a file's decoded size before reading it whole.
    static let sampleBytes = 1 << 16

    /// Opens `path`, reporting problems against `name`. Only a regular file is read: a device
    /// (`/dev/zero`) never ends and a FIFO may never start, so both are refused before any read,
    /// and the open itself does not block (O_NONBLOCK until the type is known). With a `budget`,
    /// the file is first sampled and refused with `TabularError.tooLarge` if its estimated decoded
    /// size is over it.
    init(path: String, name: String, separator: UInt8, budget: Int?) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw Self.openError(errno, name: name) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = Self.reason(errno)
            close(fd)
            throw TabularError.unreadable(path: name, reason: reason)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR:
            close(fd)
            throw TabularError.isDirectory(path: name)
        default:
            close(fd)
            throw TabularError.notRegularFile(path: name, kind: FileKind.describe(info.st_mode))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        self.fd = fd
        self.opened = info
        self.name = name
        self.count = Int(info.st_size)
        guard count > 0 else { throw TabularError.emptyFile(path: name) }
        if let budget {
            let estimate = try withBytes(offset: 0, count: min(count, Self.sampleBytes)) {
                CSVReader.estimatedBytes(sample: $0, totalBytes: count, separator: separator)
            }
            if estimate > budget {
                throw TabularError.tooLarge(path: name, estimatedBytes: estimate, budgetBytes: budget)
            }
        }
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Exactly `count` bytes from `offset`: a file that ends sooner than `fstat` said was truncated
    /// while being read, and is reported as such rather than parsed half.
    func withBytes<R>(offset: Int, count: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        if lent {
            let own = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, count), alignment: 64)
            defer { own.deallocate() }
            return try read(into: own, offset: offset, count: count, body)
        }
        if buffer.count < count {
            buffer.deallocate()
            buffer = .allocate(byteCount: max(1, count), alignment: 64)
        }
        lent = true
        defer { lent = false }
        return try read(into: buffer, offset: offset, count: count, body)
    }

    private func read<R>(
        into buffer: UnsafeMutableRawBufferPointer, offset: Int, count: Int,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) throws -> R {
        guard let base = buffer.baseAddress else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        var filled = 0
        while filled < count {
            let n = pread(fd, base + filled, min(count - filled, 1 << 30), off_t(offset + filled))
            if n < 0 {
                if errno == EINTR { continue }
                throw TabularError.unreadable(path: name, reason: Self.reason(errno))
            }
            if n == 0 {
                throw TabularError.changedWhileReading(
                    path: name, expectedBytes: self.count, readBytes: offset + filled)
            }
            filled += n
        }
        return try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// Size and modification time again: a writer appending meanwhile (or rewriting in place)
    /// means the bytes read may end in a torn value or not be the bytes hashed, so say so instead
    /// of loading them.
    func checkUnchanged() throws {
        var now = stat()
        guard fstat(fd, &now) == 0 else { return }
        guard Int(now.st_size) != count || !Self.sameModificationTime(opened, now) else { return }
        let lastByte = try? withBytes(offset: count - 1, count: 1) { $0.first }
        throw TabularError.grewWhileReading(
            path: name, readBytes: count, nowBytes: Int(now.st_size),
            lastLineComplete: lastByte == 0x0A)
    }

    private static func sameModificationTime(_ a: stat, _ b: stat) -> Bool {
        #if os(Linux)
        a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec
        #else
        a.st_mtimespec.tv_sec == b.st_mtimespec.tv_sec && a.st_mtimespec.tv_nsec == b.st_mtimespec.tv_nsec
        #endif
    }

    private static func openError(_ code: Int32, name: String) -> TabularError {
        switch code {
        case ENOENT, ENOTDIR: .fileNotFound(path: name)
        case EACCES, EPERM: .permissionDenied(path: name)
        case EISDIR: .isDirectory(path: name)
        default: .unreadable(path: name, reason: reason(code))
        }
    }

    private static func reason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
