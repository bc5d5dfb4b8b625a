import Foundation
import PostgresAccess

/// Appends each finished cell to a transcript file as it happens, so a killed process loses at
/// most the command in flight.
public final class TranscriptRecorder {
    public let path: String
    private let descriptor: Int32

    /// Creates the file (and its folder) and writes the header; `workdir` is the session's
    /// working folder relative to the transcript's folder. Readable by its owner only (0600), like
    /// the history: a transcript holds the data the session printed.
    public init(path: String, workdir: String, width: Int) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CommandError(
                "cannot create transcript \(path): \(String(cString: strerror(errno)))",
                hint: "choose another folder with --sessions DIR")
        }
        try write(Transcript.header(workdir: workdir, width: width))
    }

    deinit { close(descriptor) }

    /// The running digest after the last cell recorded.
    private var chain = Transcript.chainStart

    public func record(_ cell: Cell) {
        // An error can echo the line as typed, password and all; the file never holds it.
        let output = cell.output.transcriptLines.map(PostgresLocation.mask)
        chain = Transcript.chain(
            after: chain, number: cell.number, command: cell.command, output: output, dataFiles: cell.dataFiles,
            written: cell.written, interruption: cell.interruption)
        // A failed write must not stop the session; the REPL reports it once.
        try? write(
            Transcript.text(
                number: cell.number, command: cell.command, output: output, dataFiles: cell.dataFiles,
                written: cell.written, interruption: cell.interruption, chain: chain))
    }

    private func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw CommandError("writing transcript \(path) failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}

/// Writes `text` to `path` atomically, replacing what is there (see `writeFileAtomically(_:to:permissions:durable:)`).
public func writeFileAtomically(_ text: String, to path: String, permissions: Int = 0o644) throws {
    try writeFileAtomically(Data(text.utf8), to: path, permissions: permissions)
}

/// `target` expressed relative to folder `base` (both absolute), e.g. `..` or `../data`.
public func relativePath(from base: String, to target: String) -> String {
    let b = (base as NSString).standardizingPath.split(separator: "/")
    let t = (target as NSString).standardizingPath.split(separator: "/")
    var common = 0
    while common < b.count, common < t.count, b[common] == t[common] { common += 1 }
    let ups = Array(repeating: "..", count: b.count - common)
    let rest = t[common...].map(String.init)
    let parts = ups + rest
    return parts.isEmpty ? "." : parts.joined(separator: "/")
}
