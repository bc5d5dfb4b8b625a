#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a file: mapped read-only for regular files, read into memory otherwise (pipes, devices).
///
/// Mapping lets the reader hand pages back (`release`) once parsed, so a large file never sits in
/// memory next to the table decoded from it. (As with any mapping, truncating the file while it is
/// being read is not supported.)
final class CSVFileBytes: @unchecked Sendable {
    // Safe to share: the bytes are never written after init, and `release` only drops clean page mappings.
    let bytes: UnsafeBufferPointer<UInt8>
    private let mapped: Bool

    /// Opens `path`, reporting problems against `name`.
    init(path: String, name: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Self.openError(errno, name: name) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw TabularError.unreadable(path: name, reason: Self.reason(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw TabularError.isDirectory(path: name) }
        if (info.st_mode & S_IFMT) == S_IFREG {
            let size = Int(info.st_size)
            guard size > 0 else { throw TabularError.emptyFile(path: name) }
            guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
                throw TabularError.unreadable(path: name, reason: Self.reason(errno))
            }
            bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size)
            mapped = true
        } else {
            bytes = try Self.readAll(fd, name: name)
            mapped = false
        }
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        } else {
            bytes.deallocate()
        }
    }

    /// Tells the kernel the pages of `range` are no longer needed; they are read again if touched.
    func release(_ range: Range<Int>) {
        #if os(Linux)
        guard mapped, let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // Only whole pages inside the range: a neighbouring range may still be in use.
        let first = (range.lowerBound + page - 1) / page * page
        let last = range.upperBound / page * page
        guard last > first else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + first), last - first, MADV_DONTNEED)
        #endif
    }

    private static func readAll(_ fd: Int32, name: String) throws -> UnsafeBufferPointer<UInt8> {
        var capacity = 1 << 20
        var storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        var count = 0
        while true {
            if count == capacity {
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: storage, count: count)
                storage.deallocate()
                storage = bigger
                capacity *= 2
            }
            let n = read(fd, storage + count, capacity - count)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = Self.reason(errno)
                storage.deallocate()
                throw TabularError.unreadable(path: name, reason: reason)
            }
            if n == 0 { break }
            count += n
        }
        guard count > 0 else {
            storage.deallocate()
            throw TabularError.emptyFile(path: name)
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
