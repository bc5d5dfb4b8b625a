#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A problem found while parsing, located by byte offset; the reader turns it into a `TabularError`
/// with a line number, so the hot loop never counts lines.
enum CSVParseIssue: Error, Sendable {
    case unexpectedQuote(offset: Int, field: Int)
    case unterminatedQuote(offset: Int, field: Int)
    case ragged(offset: Int, expected: Int, found: Int)
    case invalidUTF8(offset: Int, field: Int)
    case notNumeric(offset: Int, field: Int, value: String)
    /// A chunk held a different number of records than the first pass counted: a bug, not bad input
    /// (malformed quoting is reported by the chunk where it starts, before this can happen).
    case recordCountMismatch(offset: Int)

    var offset: Int {
        switch self {
        case .unexpectedQuote(let o, _), .unterminatedQuote(let o, _), .ragged(let o, _, _),
             .invalidUTF8(let o, _), .notNumeric(let o, _, _), .recordCountMismatch(let o):
            o
        }
    }
}

/// The missing-value tokens, prepared for byte comparison: trimmed, ASCII-lowercased.
struct CSVMissingTokens: Sendable {
    let tokens: [[UInt8]]
    let emptyIsMissing: Bool
    let maxLength: Int

    init(_ set: Set<String>) {
        let prepared = set.map { token -> [UInt8] in
            let trimmed = token.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
            return trimmed.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        }
        emptyIsMissing = prepared.contains { $0.isEmpty }
        tokens = prepared.filter { !$0.isEmpty }.sorted { $0.lexicographicallyPrecedes($1) }
        maxLength = tokens.map(\.count).max() ?? 0
    }

    /// Whether the (already trimmed) bytes are a missing token.
    @inline(__always)
    func matches(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Bool {
        let length = end - start
        if length == 0 { return emptyIsMissing }
        if length > maxLength { return false }
        return matchesToken(start, length)
    }

    private func matchesToken(_ start: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        for token in tokens where token.count == length {
            var equal = true
            for i in 0..<length {
                let b = start[i]
                let lower = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                if lower != token[i] { equal = false; break }
            }
            if equal { return true }
        }
        return false
    }
}

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
    func field(at start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, index field: Int) throws(CSVParseIssue) -> Field {
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
            if c == separator { terminator = .separator; next = q + 1; break }
            if c == 0x0A { terminator = .lineEnd; next = q + 1; break }
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
    private func quotedField(at open: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, index field: Int) throws(CSVParseIssue) -> Field {
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
                terminator = .separator; next = q + 1
            } else if c == 0x0A {
                terminator = .lineEnd; next = q + 1
            } else if c == 0x0D && (q + 1 == end || q[1] == 0x0A) {
                terminator = .lineEnd; next = q + 1 == end ? end : q + 2
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
    func record(at start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) throws(CSVParseIssue) -> (fields: [Field], next: UnsafePointer<UInt8>) {
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

/// Parses the records of one chunk into per-column storage (one 8-byte slot per row: a `Double` for
/// numeric columns, an `Int32` chunk-local level code for text columns).
///
/// Each column starts numeric (unless declared text) and switches to text at its first value that is
/// neither missing nor a number; `outcomes` tells the reader which columns need a second look.
struct CSVChunkParser {
    /// What to do with a column's fields.
    enum Mode: UInt8 {
        case numeric, forcedNumeric, text, skip
    }

    /// How a column ended up in this chunk.
    enum Outcome: Sendable {
        /// Every slot holds a Double.
        case numeric
        /// Every slot holds a chunk-local code (rows before the switch were all missing).
        case text
        /// Switched to text after real numbers: the chunk must be parsed again for this column.
        case mixed
    }

    let tokenizer: CSVTokenizer
    let base: UnsafePointer<UInt8>
    let separator: UInt8
    let columnCount: Int
    let slots: UnsafePointer<UnsafeMutableRawPointer>
    let missing: CSVMissingTokens
    let pow10: UnsafePointer<Double>
    var modes: [Mode]
    var outcomes: [Outcome]
    var levels: [CSVLevelTable]

    init(base: UnsafePointer<UInt8>, separator: UInt8, slots: UnsafePointer<UnsafeMutableRawPointer>,
         missing: CSVMissingTokens, pow10: UnsafePointer<Double>, modes: [Mode]) {
        self.tokenizer = CSVTokenizer(base: base, separator: separator)
        self.base = base
        self.separator = separator
        self.columnCount = modes.count
        self.slots = slots
        self.missing = missing
        self.pow10 = pow10
        self.modes = modes
        self.outcomes = modes.map { $0 == .text ? .text : .numeric }
        self.levels = Array(repeating: CSVLevelTable(), count: modes.count)
    }

    /// Parses `chunk`, filling rows `chunk.firstRow ..< chunk.firstRow + chunk.rowCount`.
    mutating func parse(_ chunk: CSVChunker.Chunk) throws(CSVParseIssue) {
        var p = base + chunk.start
        let end = base + chunk.end
        var row = chunk.firstRow
        let rowLimit = chunk.firstRow + chunk.rowCount
        let emptyIsMissing = missing.emptyIsMissing
        while p < end {
            guard row < rowLimit else { throw .recordCountMismatch(offset: p - base) }
            let recordStart = p
            var column = 0
            fields: while true {
                let mode = modes[column]
                var terminator = CSVTokenizer.Terminator.endOfData
                var handled = false
                if mode == .numeric || mode == .forcedNumeric {
                    // Fast path: a bare number or an empty field, directly followed by a separator or LF.
                    if p == end {
                        if emptyIsMissing {
                            slots[column].storeBytes(of: Double.nan, toByteOffset: row &* 8, as: Double.self)
                            handled = true
                        }
                    } else if p.pointee == separator || p.pointee == 0x0A {
                        if emptyIsMissing {
                            slots[column].storeBytes(of: Double.nan, toByteOffset: row &* 8, as: Double.self)
                            terminator = p.pointee == separator ? .separator : .lineEnd
                            p += 1
                            handled = true
                        }
                    } else if let (value, q) = CSVNumberParser.parsePrefix(p, end, pow10: pow10) {
                        if q == end {
                            slots[column].storeBytes(of: value, toByteOffset: row &* 8, as: Double.self)
                            p = q
                            handled = true
                        } else if q.pointee == separator || q.pointee == 0x0A {
                            slots[column].storeBytes(of: value, toByteOffset: row &* 8, as: Double.self)
                            terminator = q.pointee == separator ? .separator : .lineEnd
                            p = q + 1
                            handled = true
                        }
                    }
                }
                if !handled {
                    let f = try tokenizer.field(at: p, end: end, index: column)
                    try store(f, column: column, row: row, firstRow: chunk.firstRow)
                    terminator = f.terminator
                    p = f.next
                }
                switch terminator {
                case .separator:
                    column += 1
                    if column == columnCount {
                        throw .ragged(offset: recordStart - base, expected: columnCount,
                                      found: try countFields(from: p, end: end, seen: columnCount))
                    }
                case .lineEnd, .endOfData:
                    if column + 1 != columnCount {
                        throw .ragged(offset: recordStart - base, expected: columnCount, found: column + 1)
                    }
                    break fields
                }
            }
            row += 1
        }
        guard row == rowLimit else { throw .recordCountMismatch(offset: chunk.end) }
    }

    /// Fields in the rest of a too-long record, for the error message.
    private func countFields(from start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, seen: Int) throws(CSVParseIssue) -> Int {
        var p = start
        var count = seen + 1
        while true {
            let f = try tokenizer.field(at: p, end: end, index: count - 1)
            p = f.next
            if f.terminator != .separator { return count }
            count += 1
        }
    }

    /// Stores a field that the fast path did not take.
    private mutating func store(_ f: CSVTokenizer.Field, column: Int, row: Int, firstRow: Int) throws(CSVParseIssue) {
        switch modes[column] {
        case .skip:
            return
        case .numeric, .forcedNumeric:
            var s = f.start, e = f.end
            while s < e && tokenizer.isBlank(s.pointee) { s += 1 }
            while e > s && tokenizer.isBlank(e[-1]) { e -= 1 }
            if missing.matches(s, e) {
                slots[column].storeBytes(of: Double.nan, toByteOffset: row &* 8, as: Double.self)
                return
            }
            if !f.escaped, let (value, q) = CSVNumberParser.parsePrefix(s, e, pow10: pow10), q == e {
                slots[column].storeBytes(of: value, toByteOffset: row &* 8, as: Double.self)
                return
            }
            if modes[column] == .forcedNumeric {
                let text = f.escaped ? String(decoding: tokenizer.unescape(f), as: UTF8.self)
                                     : String(decoding: UnsafeBufferPointer(start: f.start, count: f.end - f.start), as: UTF8.self)
                throw .notNumeric(offset: f.start - base, field: column + 1, value: text)
            }
            switchToText(column: column, row: row, firstRow: firstRow)
            try storeText(f, column: column, row: row)
        case .text:
            try storeText(f, column: column, row: row)
        }
    }

    @inline(__always)
    private mutating func storeText(_ f: CSVTokenizer.Field, column: Int, row: Int) throws(CSVParseIssue) {
        var s = f.start, e = f.end
        while s < e && tokenizer.isBlank(s.pointee) { s += 1 }
        while e > s && tokenizer.isBlank(e[-1]) { e -= 1 }
        var code: Int32 = -1
        if !missing.matches(s, e) {
            let found: Int32?
            if f.escaped {
                found = tokenizer.unescape(f).withUnsafeBufferPointer { levels[column].code(of: $0.baseAddress ?? s, length: $0.count) }
            } else if f.quoted {
                found = levels[column].code(of: f.start, length: f.end - f.start)  // quoted text is kept verbatim
            } else {
                found = levels[column].code(of: s, length: e - s)
            }
            guard let found else { throw .invalidUTF8(offset: f.start - base, field: column + 1) }
            code = found
        }
        slots[column].storeBytes(of: code, toByteOffset: row &* 8, as: Int32.self)
    }

    /// Turns a numeric column of this chunk into a text column at `row`. Earlier rows that were all
    /// missing become missing codes; earlier real numbers mark the column for a second pass.
    private mutating func switchToText(column: Int, row: Int, firstRow: Int) {
        modes[column] = .text
        let slot = slots[column]
        var sawNumber = false
        for r in firstRow..<row where !slot.load(fromByteOffset: r &* 8, as: Double.self).isNaN {
            sawNumber = true
            break
        }
        if sawNumber {
            outcomes[column] = .mixed
        } else {
            for r in firstRow..<row { slot.storeBytes(of: Int32(-1), toByteOffset: r &* 8, as: Int32.self) }
            outcomes[column] = .text
        }
    }

}
