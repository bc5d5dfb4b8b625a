import Crypto
import Foundation

/// Content fingerprints (SHA-256) that tie a model or transcript to the exact data it saw.
public enum Fingerprint {
    /// `sha256:` + hex digest of a file's bytes, read in chunks so large files do not double memory.
    public static func ofFile(atPath path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TabularError.fileNotFound(path: path)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return "sha256:" + hex(hasher.finalize())
    }

    /// `sha256:` + hex digest of bytes already in memory.
    public static func of(bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(bytes))
        return "sha256:" + hex(hasher.finalize())
    }

    /// `sha256:` + hex digest of bytes in memory, without copying them.
    public static func of(buffer: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        return "sha256:" + hex(hasher.finalize())
    }

    /// A fingerprint of a frame's content (names, types and values), for tables that did not come
    /// from one file (SQLite queries, splits). Stable across runs and platforms.
    public static func of(frame: DataFrame) -> String {
        var hasher = SHA256()
        func add(_ s: String) {
            var bytes = Array(s.utf8)
            bytes.append(0)
            hasher.update(data: bytes)
        }
        add("rows=\(frame.rowCount)")
        for column in frame.columns {
            add(column.name)
            switch column.data {
            case .numeric(let values):
                add("number")
                values.withUnsafeBufferPointer { buffer in
                    // Bit patterns, so every NaN and signed zero hashes the same on every machine.
                    var bits = [UInt64]()
                    bits.reserveCapacity(buffer.count)
                    for v in buffer {
                        bits.append(v.isNaN ? Double.nan.bitPattern.littleEndian : v.bitPattern.littleEndian)
                    }
                    bits.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                }
            case .categorical(let codes, let levels):
                add("text")
                for level in levels { add(level) }
                codes.map(\.littleEndian).withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        }
        return "sha256:" + hex(hasher.finalize())
    }

    /// The first `length` hex digits after the `sha256:` prefix, for display.
    public static func short(_ fingerprint: String, length: Int = 12) -> String {
        let digest = fingerprint.hasPrefix("sha256:") ? String(fingerprint.dropFirst(7)) : fingerprint
        return String(digest.prefix(length))
    }

    static func hexDigest(_ digest: SHA256.Digest) -> String { "sha256:" + hex(digest) }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}

/// A file's fingerprint built window by window, as a CSV load reads it (`Fingerprint.ofFile` of
/// the same bytes). A class, so the parallel scan's hashing task can update it in place; one
/// update at a time, in file order (the reader's duty).
final class IncrementalFingerprint: @unchecked Sendable {
    private var hasher = SHA256()

    func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
    }

    func finalize() -> String {
        Fingerprint.hexDigest(hasher.finalize())
    }
}
