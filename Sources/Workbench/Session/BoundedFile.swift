public import Foundation
#if canImport(CDispatch)
// POSIX structs' members (stat, timespec) belong, for MemberImportVisibility, to whichever of
// Linux Foundation's C modules included their header first, which varies from build to build.
import CoreFoundation
import CDispatch
#endif

/// Reads a whole text file only if it is a regular file under a size limit, both checked before
/// reading. Transcripts, scripts and lessons are small; a 100 MB one is a mistake, refused without
/// filling memory. A device (`/dev/zero`), FIFO or socket is refused: it has no size to check and
/// may never end (or, for a FIFO, never start).
public enum BoundedFile {
    public enum Failure: Error, Equatable {
        case notFound
        case isDirectory
        /// A device, FIFO or socket; `kind` says which.
        case notRegular(kind: String)
        case unreadable(reason: String)
        /// `bytes` is the size when known, else at least `limit + 1`.
        case tooLarge(bytes: Int)
    }

    /// Opens `path` for reading only if it is a regular file; returns the descriptor (blocking,
    /// close-on-exec) and the file's size in bytes. Opened with O_NONBLOCK, so a FIFO without a writer
    /// cannot hang the open, then checked with fstat on the descriptor itself (no race with a rename).
    public static func openRegular(_ path: String) throws(Failure) -> (descriptor: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound }
            if code == EISDIR { throw .isDirectory }
            throw .unreadable(reason: String(cString: strerror(code)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .unreadable(reason: String(cString: strerror(code)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            return (fd, Int(info.st_size))
        case S_IFDIR:
            close(fd)
            throw .isDirectory
        default:
            close(fd)
            throw .notRegular(kind: FileTarget.kind(of: info.st_mode))
        }
    }

    public static func read(_ path: String, limit: Int) throws(Failure) -> Data {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        if size > limit { throw .tooLarge(bytes: size) }
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
            // The file may grow while it is read.
            if data.count > limit { throw .tooLarge(bytes: data.count) }
        }
    }
}
