public import Foundation

/// Reads CSV records one at a time from a file handle, without loading the whole input: for
/// streaming batch prediction. RFC 4180 quoting, LF or CRLF, a leading BOM skipped.
public struct CSVRecordStream {
    /// One record: its fields and the physical line it starts on (1-based).
    public struct Record {
        public var fields: [String]
        public var line: Int
    }

    private let handle: FileHandle
    private let separator: UInt8
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var line = 1
    private var started = false
    public let name: String

    public init(handle: FileHandle, name: String, separator: UInt8 = UInt8(ascii: ",")) {
        self.handle = handle
        self.name = name
        self.separator = separator
    }

    private mutating func fill() -> Bool {
        if atEnd { return false }
        let chunk = (try? handle.read(upToCount: 1 << 16)) ?? nil
        guard let chunk, !chunk.isEmpty else {
            atEnd = true
            return false
        }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        buffer.append(contentsOf: chunk)
        return true
    }

    private mutating func nextByte() -> UInt8? {
        if position >= buffer.count && !fill() { return nil }
        let b = buffer[position]
        position += 1
        return b
    }

    private mutating func peekByte() -> UInt8? {
        if position >= buffer.count && !fill() { return nil }
        return buffer[position]
    }

    /// The next record, nil at the end of input. Throws on an unterminated quote or invalid UTF-8.
    public mutating func next() throws -> Record? {
        if !started {
            started = true
            if peekByte() == 0xEF {
                // Skip a UTF-8 byte order mark.
                let saved = position
                if nextByte() == 0xEF, nextByte() == 0xBB, nextByte() == 0xBF {} else { position = saved }
            }
        }
        guard peekByte() != nil else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var quoted = false
        func finish() throws {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw TabularError.invalidUTF8(FileLocation(file: name, line: startLine, column: fields.count + 1))
            }
            fields.append(quoted ? text : text.trimmingCharacters(in: .whitespaces))
            field.removeAll(keepingCapacity: true)
            quoted = false
        }
        while let b = nextByte() {
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if peekByte() == UInt8(ascii: "\"") {
                        _ = nextByte()
                        field.append(b)
                    } else {
                        inQuotes = false
                    }
                } else {
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                if field.allSatisfy({ $0 == UInt8(ascii: " ") }) {
                    field.removeAll()
                    inQuotes = true
                    quoted = true
                } else {
                    field.append(b)
                }
            case separator:
                try finish()
            case UInt8(ascii: "\r"):
                if peekByte() == UInt8(ascii: "\n") { continue }
                field.append(b)
            case UInt8(ascii: "\n"):
                line += 1
                try finish()
                return Record(fields: fields, line: startLine)
            default:
                field.append(b)
            }
        }
        if inQuotes {
            throw TabularError.unterminatedQuote(FileLocation(file: name, line: startLine, column: fields.count + 1))
        }
        try finish()
        return Record(fields: fields, line: startLine)
    }
}
