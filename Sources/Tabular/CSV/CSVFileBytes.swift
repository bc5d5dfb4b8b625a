#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a file, read into memory with `read(2)`.
///
/// The file is copied, not mapped: a mapped file that another process truncates while it is being
/// parsed kills the reader with SIGBUS, and no Swift code can catch that. A copy costs one more
/// pass over the bytes (a few milliseconds per 100 MB from the page cache) and keeps the raw bytes
/// in memory until the table is built, which the memory estimate accounts for.
final class CSVFileBytes: @unchecked Sendable {
    // Safe to share: the bytes are never written after init.
    let bytes: UnsafeBufferPointer<UInt8>

    /// Bytes read to estimate a file's decoded size before reading it whole.
    static let sampleBytes = 1 << 16

    /// Opens and reads `path`, reporting problems against `name`. Only a regular file is read: a
    /// device (`/dev/zero`) never ends and a FIFO may never start, so both are refused before any
    /// read, and the open itself does not block (O_NONBLOCK until the type is known). With a
    /// `budget`, the file is first sampled and refused with `TabularError.tooLarge` if its estimated
    /// size is over it. A file that grows or is rewritten while it is read is reported, not parsed:
    /// its last record may be torn.
    /// `afterReading` runs between the read and the check for changes (tests append to the file there).
    init(path: String, name: String, separator: UInt8, budget: Int?, afterReading: () -> Void = {}) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw Self.openError(errno, name: name) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TabularError.unreadable(path: name, reason: Self.reason(errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw TabularError.isDirectory(path: name)
        default: throw TabularError.notRegularFile(path: name, kind: Self.kind(info.st_mode))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        let size = Int(info.st_size)
        guard size > 0 else { throw TabularError.emptyFile(path: name) }
        if let budget {
            let sample = try Self.readSome(fd, count: min(size, Self.sampleBytes), name: name)
            let estimate = sample.withUnsafeBufferPointer {
                CSVReader.estimatedBytes(sample: $0, totalBytes: size, separator: separator)
            }
            if estimate > budget { throw TabularError.tooLarge(path: name, estimatedBytes: estimate, budgetBytes: budget) }
            guard lseek(fd, 0, SEEK_SET) == 0 else { throw TabularError.unreadable(path: name, reason: Self.reason(errno)) }
        }
        let read = try Self.readExactly(fd, count: size, name: name)
        afterReading()
        // Size and modification time again: a writer appending meanwhile (or rewriting in place)
        // means the bytes read may end in a torn value, so say so instead of loading them.
        var after = stat()
        if fstat(fd, &after) == 0, Int(after.st_size) != size || !Self.sameModificationTime(info, after) {
            let complete = read.last == 0x0A
            read.deallocate()
            throw TabularError.grewWhileReading(path: name, readBytes: size, nowBytes: Int(after.st_size), lastLineComplete: complete)
        }
        bytes = read
    }

    private static func sameModificationTime(_ a: stat, _ b: stat) -> Bool {
        #if os(Linux)
        a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec
        #else
        a.st_mtimespec.tv_sec == b.st_mtimespec.tv_sec && a.st_mtimespec.tv_nsec == b.st_mtimespec.tv_nsec
        #endif
    }

    private static func kind(_ mode: mode_t) -> String { FileKind.describe(mode) }

    deinit {
        bytes.deallocate()
    }

    /// Up to `count` bytes from the current position (fewer only at end of file).
    private static func readSome(_ fd: Int32, count: Int, name: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + filled }, count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TabularError.unreadable(path: name, reason: reason(errno))
            }
            if n == 0 { break }
            filled += n
        }
        return Array(buffer[..<filled])
    }

    /// Exactly `count` bytes, the size `fstat` reported; a file that ends sooner was truncated while
    /// being read, and is reported as such rather than parsed half.
    private static func readExactly(_ fd: Int32, count: Int, name: String) throws -> UnsafeBufferPointer<UInt8> {
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        var filled = 0
        while filled < count {
            let n = read(fd, storage + filled, min(count - filled, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                let reason = Self.reason(errno)
                storage.deallocate()
                throw TabularError.unreadable(path: name, reason: reason)
            }
            if n == 0 {
                storage.deallocate()
                throw TabularError.changedWhileReading(path: name, expectedBytes: count, readBytes: filled)
            }
            filled += n
        }
        return UnsafeBufferPointer(start: storage, count: count)
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
