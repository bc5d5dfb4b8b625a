#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits CSV text into fields: quoting, doubled quotes, padding, and line ends (LF or CRLF).
struct CSVTokenizer {
    let base: UnsafePointer<UInt8>
    let separator: UInt8
    /// Whether space / tab count as padding around values (not when they are the separator).
    let trimSpace: Bool
    let trimTab: Bool

    init(base: UnsafePointer<UInt8>, separator: UInt8) {
        self.base = base
        self.separator = separator
        self.trimSpace = separator != 0x20
        self.trimTab = separator != 0x09
    }

    @inline(__always)
    func isBlank(_ b: UInt8) -> Bool {
        (b == 0x20 && trimSpace) || (b == 0x09 && trimTab)
    }

    /// How a field ended.
    enum Terminator {
        case separator, lineEnd, endOfData
    }

    /// One field's value bytes (unquoted and trimmed, or the inside of the quotes) and what follows.
    struct Field {
        var start: UnsafePointer<UInt8>
        var end: UnsafePointer<UInt8>
        var quoted: Bool
        /// The value contains doubled quotes, so its bytes are not the value.
        var escaped: Bool
        var next: UnsafePointer<UInt8>
        var terminator: Terminator
    }

    /// Reads the field starting at `start`; `field` is its 0-based index, for error locations.
    @inline(__always)
    func field(at start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, index field: Int) throws(CSVParseIssue)
        -> Field
    {
        var p = start
        while p < end && isBlank(p.pointee) { p += 1 }
        if p < end && p.pointee == 0x22 {
            return try quotedField(at: p, end: end, index: field)
        }
        var q = p
        var terminator = Terminator.endOfData
        var next = end
        while q < end {
            let c = q.pointee
            if c == separator {
                terminator = .separator
                next = q + 1
                break
            }
            if c == 0x0A {
                terminator = .lineEnd
                next = q + 1
                break
            }
            if c == 0x0D && (q + 1 == end || q[1] == 0x0A) {
                terminator = .lineEnd
                next = q + 1 == end ? end : q + 2
                break
            }
            if c == 0x22 { throw .unexpectedQuote(offset: q - base, field: field + 1) }
            q += 1
        }
        var valueEnd = q
        while valueEnd > p && isBlank(valueEnd[-1]) { valueEnd -= 1 }
        return Field(start: p, end: valueEnd, quoted: false, escaped: false, next: next, terminator: terminator)
    }

    @inline(never)
    private func quotedField(at open: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, index field: Int)
        throws(CSVParseIssue) -> Field
    {
        var q = open + 1
        var escaped = false
        while true {
            guard q < end, let found = memchr(q, 0x22, end - q) else {
                throw .unterminatedQuote(offset: open - base, field: field + 1)
            }
            q = UnsafePointer(found.assumingMemoryBound(to: UInt8.self))
            if q + 1 < end && q[1] == 0x22 {
                escaped = true
                q += 2
                continue
            }
            break
        }
        let valueEnd = q
        q += 1
        while q < end && isBlank(q.pointee) { q += 1 }
        var terminator = Terminator.endOfData
        var next = end
        if q < end {
            let c = q.pointee
            if c == separator {
                terminator = .separator
                next = q + 1
            } else if c == 0x0A {
                terminator = .lineEnd
                next = q + 1
            } else if c == 0x0D && (q + 1 == end || q[1] == 0x0A) {
                terminator = .lineEnd
                next = q + 1 == end ? end : q + 2
            } else {
                throw .unexpectedQuote(offset: valueEnd - base, field: field + 1)
            }
        }
        return Field(start: open + 1, end: valueEnd, quoted: true, escaped: escaped, next: next, terminator: terminator)
    }

    /// The value of a quoted field with doubled quotes, undoubled (rare, so it may allocate).
    func unescape(_ field: Field) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(field.end - field.start)
        var p = field.start
        while p < field.end {
            bytes.append(p.pointee)
            p += p.pointee == 0x22 ? 2 : 1
        }
        return bytes
    }

    /// The fields of the record at `start` (for the header), and where the next record starts.
    func record(at start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) throws(CSVParseIssue) -> (
        fields: [Field], next: UnsafePointer<UInt8>
    ) {
        var fields: [Field] = []
        var p = start
        while true {
            let f = try field(at: p, end: end, index: fields.count)
            fields.append(f)
            p = f.next
            if f.terminator != .separator { return (fields, p) }
        }
    }
}
