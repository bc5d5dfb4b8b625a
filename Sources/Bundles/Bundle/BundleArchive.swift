import CWorkbenchZlib
import Foundation

/// Reads a bundle's zip archive from its own central directory, inflating each entry strictly
/// within the bytes the directory gives it.
///
/// ZIPFoundation writes our archives, but its Linux reader inflates until the deflate stream says
/// it ended, reading past the entry; a crafted stream that never ends made it spin forever on empty
/// reads at the end of the file (a fuzz find). Here the inflater's input is the entry's compressed
/// bytes and nothing more: asking for more is an error, so every entry ends.
struct BundleArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
        /// Unix mode bits from the external attributes (0 when the archive was not made on Unix).
        var unixMode: UInt32
        var isSymbolicLink: Bool { unixMode & 0o170000 == 0o120000 }
        var isFolder: Bool { name.hasSuffix("/") || unixMode & 0o170000 == 0o040000 }
    }

    /// The most an entry may inflate relative to its compressed bytes. Bundle files (JSON of
    /// numbers, Markdown, protobuf) compress 3–20×; deflate's ceiling is about 1,030×, reached only
    /// by crafted or degenerate data.
    static let maximumRatio = 100
    /// Entries up to this size may inflate by any ratio: they cost little however they compress.
    static let ratioFreeBytes = 1 << 20

    /// Whether `bytes` inflated from `compressed` bytes is more than the ratio allows.
    static func exceedsRatio(_ bytes: Int, from compressed: Int) -> Bool {
        bytes > ratioFreeBytes && bytes / maximumRatio >= max(1, compressed)
    }

    enum Failure: Error, CustomStringConvertible {
        case malformed(String)
        case tooLarge
        case tooManyEntries(Int)
        /// An entry inflates (or says it will) to `bytes` from `compressed` bytes, past `maximumRatio`.
        case compressionBomb(entry: String, bytes: Int, compressed: Int)
        var description: String {
            switch self {
            case .malformed(let reason): reason
            case .tooLarge: "over the size limit"
            case .tooManyEntries(let limit): "more than \(limit) entries"
            case .compressionBomb(let entry, let bytes, let compressed):
                "entry '\(entry)' inflates to \(bytes) bytes from \(compressed)"
            }
        }
    }

    let bytes: [UInt8]
    let entries: [Entry]

    /// Parses the central directory. `limit` bounds the archive's own size as well as what it unpacks to.
    init(path: String, limit: Int, maximumEntries: Int) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure.malformed("cannot be opened") }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        guard size <= limit else { throw Failure.tooLarge }
        try? handle.seek(toOffset: 0)
        bytes = [UInt8]((try? handle.readToEnd()) ?? Data())
        guard bytes.count == size else { throw Failure.malformed("changed while being read") }
        entries = try Self.centralDirectory(bytes, maximumEntries: maximumEntries)
    }

    /// The entry's uncompressed content, checked against its CRC-32 and size.
    func contents(of entry: Entry, limit: Int) throws -> Data {
        let local = entry.localHeaderOffset
        guard Self.uint32(bytes, local) == 0x0403_4b50 else {
            throw Failure.malformed("entry '\(entry.name)' has no local header where the directory says")
        }
        guard let nameLength = Self.uint16(bytes, local + 26), let extraLength = Self.uint16(bytes, local + 28) else {
            throw Failure.malformed("entry '\(entry.name)' is cut off")
        }
        let start = local + 30 + Int(nameLength) + Int(extraLength)
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw Failure.malformed("entry '\(entry.name)' runs past the end of the archive")
        }
        guard entry.uncompressedSize <= limit else { throw Failure.tooLarge }
        if entry.method == 8 && Self.exceedsRatio(entry.uncompressedSize, from: entry.compressedSize) {
            throw Failure.compressionBomb(
                entry: entry.name, bytes: entry.uncompressedSize, compressed: entry.compressedSize)
        }
        let content: Data
        switch entry.method {
        case 0:
            content = Data(bytes[start..<(start + entry.compressedSize)])
        case 8:
            content = try inflate(entry, from: start)
        default:
            throw Failure.malformed(
                "entry '\(entry.name)' uses compression method \(entry.method); bundles use deflate or none")
        }
        guard content.count == entry.uncompressedSize else {
            throw Failure.malformed(
                "entry '\(entry.name)' is \(content.count) bytes, its directory says \(entry.uncompressedSize)")
        }
        let crc = content.withUnsafeBytes {
            UInt32(CWorkbenchZlib.crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)))
        }
        guard crc == entry.crc32 else { throw Failure.malformed("entry '\(entry.name)' fails its CRC-32 check") }
        return content
    }

    /// Raw deflate over exactly the entry's compressed bytes, in 64 KiB chunks. Every round either
    /// consumes input or produces output, the output is capped at the stated size, running out of
    /// input before the stream's end is an error, and output past `maximumRatio` times the entry's
    /// compressed size stops it at once: a crafted stream can neither loop forever nor make much
    /// before it is refused.
    private func inflate(_ entry: Entry, from start: Int) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure.malformed("cannot start inflating entry '\(entry.name)'")
        }
        defer { inflateEnd(&stream) }
        let cap = entry.uncompressedSize + 1
        let chunk = 1 << 16
        var output = [UInt8]()
        output.reserveCapacity(min(cap, 4 << 20))
        var buffer = [UInt8](repeating: 0, count: chunk)
        enum Outcome { case ended, failed, bomb }
        let outcome: Outcome = bytes.withUnsafeBufferPointer { input in
            buffer.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + start })
                stream.avail_in = uInt(entry.compressedSize)
                while true {
                    let room = min(chunk, cap - output.count)
                    guard room > 0 else { return .failed }
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(room)
                    let before = stream.avail_in
                    let result = CWorkbenchZlib.inflate(&stream, Z_NO_FLUSH)
                    let produced = room - Int(stream.avail_out)
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: out[0..<produced]))
                    if Self.exceedsRatio(output.count, from: entry.compressedSize) { return .bomb }
                    if result == Z_STREAM_END { return .ended }
                    guard result == Z_OK, produced > 0 || stream.avail_in != before else { return .failed }
                }
            }
        }
        switch outcome {
        case .ended:
            return Data(output)
        case .bomb:
            throw Failure.compressionBomb(entry: entry.name, bytes: output.count, compressed: entry.compressedSize)
        case .failed:
            throw Failure.malformed(
                "entry '\(entry.name)' is not a deflate stream that ends within its \(entry.compressedSize) bytes at its stated size of \(entry.uncompressedSize) bytes"
            )
        }
    }

    private static func centralDirectory(_ bytes: [UInt8], maximumEntries: Int) throws -> [Entry] {
        // The end-of-central-directory record is the last 22 bytes plus a comment of up to 64 KiB.
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var end = bytes.count - 22
        while end >= lowest, uint32(bytes, end) != 0x0605_4b50 { end -= 1 }
        guard end >= lowest, let count = uint16(bytes, end + 10), let directorySize = uint32(bytes, end + 12),
            let directoryOffset = uint32(bytes, end + 16)
        else {
            throw Failure.malformed("not a zip archive (no end-of-central-directory record)")
        }
        guard count != 0xFFFF, directoryOffset != 0xFFFF_FFFF else {
            throw Failure.malformed("ZIP64 archives are not bundles")
        }
        guard Int(count) <= maximumEntries else { throw Failure.tooManyEntries(maximumEntries) }
        guard Int(directoryOffset) + Int(directorySize) <= end else {
            throw Failure.malformed("its central directory lies outside the archive")
        }
        var entries: [Entry] = []
        var at = Int(directoryOffset)
        for _ in 0..<Int(count) {
            guard uint32(bytes, at) == 0x0201_4b50,
                let made = uint16(bytes, at + 4), let flags = uint16(bytes, at + 8),
                let method = uint16(bytes, at + 10),
                let crc = uint32(bytes, at + 16), let compressed = uint32(bytes, at + 20),
                let uncompressed = uint32(bytes, at + 24),
                let nameLength = uint16(bytes, at + 28), let extraLength = uint16(bytes, at + 30),
                let commentLength = uint16(bytes, at + 32),
                let external = uint32(bytes, at + 38), let offset = uint32(bytes, at + 42)
            else { throw Failure.malformed("its central directory is cut off or damaged") }
            let nameStart = at + 46
            guard nameStart + Int(nameLength) <= end else {
                throw Failure.malformed("its central directory is cut off or damaged")
            }
            guard flags & 0x1 == 0 else { throw Failure.malformed("encrypted entries are not bundles") }
            guard compressed != 0xFFFF_FFFF, uncompressed != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else {
                throw Failure.malformed("ZIP64 entries are not bundles")
            }
            let name = String(decoding: bytes[nameStart..<(nameStart + Int(nameLength))], as: UTF8.self)
            // Unix mode bits are meaningful only when the archive was made on Unix (host 3).
            let unixMode: UInt32 = made >> 8 == 3 ? external >> 16 : 0
            entries.append(
                Entry(
                    name: name, method: method, crc32: crc, compressedSize: Int(compressed),
                    uncompressedSize: Int(uncompressed),
                    localHeaderOffset: Int(offset), unixMode: unixMode))
            at = nameStart + Int(nameLength) + Int(extraLength) + Int(commentLength)
        }
        return entries
    }

    private static func uint16(_ bytes: [UInt8], _ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3])
            << 24
    }
}
