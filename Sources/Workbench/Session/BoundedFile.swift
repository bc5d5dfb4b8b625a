import Foundation

/// Reads a whole text file only if it is under a size limit, checked before reading: a regular
/// file by its size, anything else (a FIFO, `/dev/zero`) by stopping at the limit. Transcripts,
/// scripts and lessons are small; a 100 MB one is a mistake, refused without filling memory.
public enum BoundedFile {
    public enum Failure: Error, Equatable {
        case notFound
        case isDirectory
        case unreadable(reason: String)
        /// `bytes` is the size when known, else at least `limit + 1`.
        case tooLarge(bytes: Int)
    }

    public static func read(_ path: String, limit: Int) throws(Failure) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound }
            if code == EISDIR { throw .isDirectory }
            throw .unreadable(reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(reason: String(cString: strerror(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory }
        if (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) > limit { throw .tooLarge(bytes: Int(info.st_size)) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(reason: String(cString: strerror(errno)))
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[..<n])
            if data.count > limit { throw .tooLarge(bytes: data.count) }
        }
    }
}
