/// Splits the data part of a CSV into chunks that start and end on record boundaries, and counts their records.
///
/// A first pass over fixed-size byte ranges (in parallel) counts newlines and quote characters. In
/// RFC 4180 text a newline is a record end exactly when an even number of quotes precede it (a
/// doubled quote counts twice), so per range we count newlines at each local quote parity; once the
/// parity at each range start is known (a prefix sum), each range's first record end becomes a chunk
/// boundary and its record count is exact. A file whose quoting is malformed gets wrong boundaries
/// only after the first bad quote, which the parser of the chunk holding it reports first.
struct CSVChunker {
    /// One chunk of records: bytes `start..<end`, holding `rowCount` records from row `firstRow` on.
    struct Chunk: Sendable {
        var start: Int
        var end: Int
        var firstRow: Int
        var rowCount: Int
    }

    /// What the first pass learned about one byte range.
    struct RangeScan: Sendable {
        /// Newlines seen after an even / odd number of quotes within the range.
        var newlines: (Int, Int) = (0, 0)
        /// Offset of the first newline at even / odd local quote parity, or -1.
        var firstNewline: (Int, Int) = (-1, -1)
        var quotes = 0
        /// Offset of the first NUL byte, or -1.
        var firstNUL = -1

        /// The same scan with its offsets moved by `delta` (from a window's bytes to the file's).
        func shifted(by delta: Int) -> RangeScan {
            var moved = self
            if firstNewline.0 >= 0 { moved.firstNewline.0 += delta }
            if firstNewline.1 >= 0 { moved.firstNewline.1 += delta }
            if firstNUL >= 0 { moved.firstNUL += delta }
            return moved
        }

        /// Record ends in the range when `parity` quotes precede it.
        func newlines(atParity parity: Int) -> Int { parity == 0 ? newlines.0 : newlines.1 }
        func firstNewline(atParity parity: Int) -> Int { parity == 0 ? firstNewline.0 : firstNewline.1 }
    }

    /// Scans `start..<end` of `base`. About 8 bytes per step: words without quotes or NULs are counted
    /// with bit tricks, the rest byte by byte.
    static func scan(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> RangeScan {
        var result = RangeScan()
        var p = start
        while p + 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
            let newlineMask = matches(word, 0x0A)
            let specialMask = matches(word, 0x22) | matches(word, 0x00)
            if specialMask == 0 {
                if newlineMask != 0 {
                    let firstOffset = p + newlineMask.trailingZeroBitCount / 8
                    let count = newlineMask.nonzeroBitCount
                    if result.quotes & 1 == 0 {
                        if result.firstNewline.0 < 0 { result.firstNewline.0 = firstOffset }
                        result.newlines.0 += count
                    } else {
                        if result.firstNewline.1 < 0 { result.firstNewline.1 = firstOffset }
                        result.newlines.1 += count
                    }
                }
            } else {
                scanBytes(base, from: p, to: p + 8, into: &result)
            }
            p += 8
        }
        scanBytes(base, from: p, to: end, into: &result)
        return result
    }

    private static func scanBytes(
        _ base: UnsafePointer<UInt8>, from start: Int, to end: Int, into result: inout RangeScan
    ) {
        for i in start..<max(start, end) {
            switch base[i] {
            case 0x0A:
                if result.quotes & 1 == 0 {
                    if result.firstNewline.0 < 0 { result.firstNewline.0 = i }
                    result.newlines.0 += 1
                } else {
                    if result.firstNewline.1 < 0 { result.firstNewline.1 = i }
                    result.newlines.1 += 1
                }
            case 0x22:
                result.quotes += 1
            case 0x00:
                if result.firstNUL < 0 { result.firstNUL = i }
            default:
                break
            }
        }
    }

    /// A mask with the high bit set in exactly the bytes of `word` equal to `byte` (no false positives:
    /// the addition cannot carry between bytes).
    @inline(__always)
    static func matches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low7) &+ low7) | x | low7)
    }

    /// Chunks covering `start..<end` (which starts on a record boundary and has no trailing line end),
    /// from the scans of the consecutive ranges that tile it.
    static func chunks(start: Int, end: Int, scans: [RangeScan]) -> [Chunk] {
        var chunks: [Chunk] = []
        var chunkStart = start
        var pending = 0  // record ends seen in the current chunk so far
        var row = 0
        var parity = 0  // quotes before the current range, mod 2
        for (i, scan) in scans.enumerated() {
            let recordEnds = scan.newlines(atParity: parity)
            let first = scan.firstNewline(atParity: parity)
            if i > 0 && first >= 0 {
                // The current chunk ends with this range's first record end.
                chunks.append(Chunk(start: chunkStart, end: first + 1, firstRow: row, rowCount: pending + 1))
                row += pending + 1
                chunkStart = first + 1
                pending = recordEnds - 1
            } else {
                pending += recordEnds
            }
            parity = (parity + scan.quotes) & 1
        }
        // The last record has no terminator (trailing line ends were trimmed), so it adds one.
        chunks.append(Chunk(start: chunkStart, end: end, firstRow: row, rowCount: pending + 1))
        return chunks
    }
}
