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

    init(
        base: UnsafePointer<UInt8>, separator: UInt8, slots: UnsafePointer<UnsafeMutableRawPointer>,
        missing: CSVMissingTokens, pow10: UnsafePointer<Double>, modes: [Mode]
    ) {
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
                        throw .ragged(
                            offset: recordStart - base, expected: columnCount,
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
    private func countFields(from start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, seen: Int)
        throws(CSVParseIssue) -> Int
    {
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
                let text =
                    f.escaped
                    ? String(decoding: tokenizer.unescape(f), as: UTF8.self)
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
                found = tokenizer.unescape(f).withUnsafeBufferPointer {
                    levels[column].code(of: $0.baseAddress ?? s, length: $0.count)
                }
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
