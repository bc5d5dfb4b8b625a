import Foundation
import Tabular

/// The one way bundle files are opened: only regular files, each read bounded by a limit.
/// A device (`/dev/zero`) would be read forever and a FIFO would hang the open; both are refused
/// before any byte is read. Opened with O_NONBLOCK and checked with fstat on the descriptor.
enum BundleFileAccess {
    enum Failure: Error {
        case missing
        case notRegular(kind: String)
        case tooLarge
        case unreadable(String)
    }

    /// The whole file at `path`, if it is a regular file of at most `limit` bytes.
    static func read(_ path: String, limit: Int) throws(Failure) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            throw code == ENOENT || code == ENOTDIR ? .missing : .unreadable(String(cString: strerror(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegular(kind: kind(info.st_mode)) }
        guard Int(info.st_size) <= limit else { throw .tooLarge }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .unreadable(String(cString: strerror(errno)))
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[..<n])
            // A file growing while it is read stops at the limit too.
            guard data.count <= limit else { throw .tooLarge }
        }
    }

    /// Throws `BundleError.notRegularFile` unless `path` is a folder or a regular file (checked
    /// without opening it, so a FIFO cannot block).
    static func requireFolderOrRegularFile(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }  // the caller reports a missing path
        let type = info.st_mode & S_IFMT
        guard type == S_IFDIR || type == S_IFREG else {
            throw BundleError.notRegularFile(path: path, kind: kind(info.st_mode))
        }
    }

    static func kind(_ mode: mode_t) -> String { FileKind.describe(mode) }
}
