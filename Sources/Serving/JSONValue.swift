import Bundles
import Tabular
import Foundation

/// Any JSON value, parsed with its type kept (a boolean stays a boolean, not a number), so request
/// validation can say exactly which field has the wrong type.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// How the type reads in an error detail.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Where and why a body is not JSON.
struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    var message: String
    /// Byte offset from the start of the body.
    var offset: Int
    /// The body is valid so far but has an array longer than the parse allows.
    var overLimit = false
    var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser for request bodies. Hand-written because it sits on every request:
/// Foundation's `JSONDecoder` through a `Decodable` enum costs tens of microseconds per row
/// (each type probe throws), this a few. Nesting is limited, so a hostile body cannot exhaust
/// the stack; duplicate keys keep the last value.
struct JSONParser {
    /// Deeper bodies are refused (a prediction request nests three levels).
    static let maximumDepth = 64

    // Internal, not private: the request fast paths (`flatRow`, `OpenInferenceModel.fastRequest`)
    // scan with the same cursor and number grammar.
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0
    private let maximumArrayItems: Int
    private let acceptsNaN: Bool

    init(_ bytes: UnsafeBufferPointer<UInt8>, maximumArrayItems: Int = .max, acceptsNaN: Bool = false) {
        self.bytes = bytes
        self.maximumArrayItems = maximumArrayItems
        self.acceptsNaN = acceptsNaN
    }

    /// - Parameters:
    ///   - maximumArrayItems: an array with more items stops the parse there, with an error whose
    ///     `overLimit` is set.
    ///   - acceptsNaN: read the bare word `NaN` as a number (not JSON, but what Python's `json`
    ///     writes for a missing float, as the Open Inference Protocol's Python clients send it).
    /// - Complexity: O(n) in the body's length.
    static func parse(_ data: Data, maximumArrayItems: Int = .max, acceptsNaN: Bool = false) throws(JSONSyntaxError)
        -> JSONValue
    {
        let result: Result<JSONValue, JSONSyntaxError> = data.withUnsafeBytes { raw in
            var parser = JSONParser(
                raw.bindMemory(to: UInt8.self), maximumArrayItems: maximumArrayItems, acceptsNaN: acceptsNaN)
            do throws(JSONSyntaxError) {
                parser.skipSpace()
                let value = try parser.value(depth: 0)
                parser.skipSpace()
                guard parser.at == parser.bytes.count else {
                    throw parser.failure("unexpected text after the JSON value")
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func failure(_ message: String) -> JSONSyntaxError { JSONSyntaxError(message: message, offset: at) }

    var current: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 {
            at += 1
        }
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard let c = current else { throw failure("the body ends where a value should be") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "N") where acceptsNaN:
            try literal("NaN")
            return .number(.nan)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("unexpected character \(Self.show(c))")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count else { throw failure("unexpected end of the body") }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: n)
        for k in 0..<n where bytes[at + k] != expected[k] {
            throw failure("unexpected character \(Self.show(bytes[at]))")
        }
        at += n
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
        at += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if current == UInt8(ascii: "}") {
            at += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else {
                throw failure(current == nil ? "the body ends inside an object" : "expected a quoted key")
            }
            let key = try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':' after the key") }
            at += 1
            skipSpace()
            members[key] = try value(depth: depth)
            skipSpace()
            switch current {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "}"):
                at += 1
                return .object(members)
            case nil: throw failure("the body ends inside an object")
            default: throw failure("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
        at += 1
        var items: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            at += 1
            return .array(items)
        }
        while true {
            skipSpace()
            guard items.count < maximumArrayItems else {
                var error = failure("an array of more than \(maximumArrayItems) items")
                error.overLimit = true
                throw error
            }
            items.append(try value(depth: depth))
            skipSpace()
            switch current {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "]"):
                at += 1
                return .array(items)
            case nil: throw failure("the body ends inside an array")
            default: throw failure("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        at += 1
        let start = at
        // Fast path: no escapes.
        while at < bytes.count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\"), bytes[at] >= 0x20 {
            at += 1
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "\"") {
            defer { at += 1 }
            return try Self.text(UnsafeBufferPointer(rebasing: bytes[start..<at]), offset: start)
        }
        var out: [UInt8] = Array(bytes[start..<at])
        while true {
            guard let c = current else { throw failure("the body ends inside a string") }
            switch c {
            case UInt8(ascii: "\""):
                at += 1
                return try out.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
                    try Self.text(buffer, offset: start)
                }
            case UInt8(ascii: "\\"):
                at += 1
                guard let e = current else { throw failure("the body ends inside a string") }
                at += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u")
                        else {
                            throw failure("a lone UTF-16 surrogate in a \\u escape")
                        }
                        at += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw failure("a lone UTF-16 surrogate in a \\u escape")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw failure("a lone UTF-16 surrogate in a \\u escape")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw failure("an invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    at -= 1
                    throw failure("an invalid escape \\\(Self.show(e))")
                }
            default:
                guard c >= 0x20 else { throw failure("a control character inside a string (escape it)") }
                out.append(c)
                at += 1
            }
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard at + 4 <= bytes.count else { throw failure("the body ends inside a \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[at]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw failure("a \\u escape needs four hex digits")
            }
            v = v << 4 | digit
            at += 1
        }
        return v
    }

    /// Valid UTF-8 only: a body is text, and a broken sequence is an error, not a replacement character.
    private static func text(_ buffer: UnsafeBufferPointer<UInt8>, offset: Int) throws(JSONSyntaxError) -> String {
        guard let s = String(validating: buffer, as: UTF8.self) else {
            throw JSONSyntaxError(message: "a string that is not valid UTF-8", offset: offset)
        }
        return s
    }

    /// The RFC's number grammar, checked here; the value from the C library's correctly rounded
    /// `strtod` on the checked text.
    mutating func number() throws(JSONSyntaxError) -> Double {
        let start = at
        if current == UInt8(ascii: "-") { at += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw failure("a number needs a digit after '-'")
        }
        if first == UInt8(ascii: "0") {
            at += 1
        } else {
            while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { at += 1 }
        }
        if current == UInt8(ascii: ".") {
            at += 1
            guard let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else {
                throw failure("a number needs digits after '.'")
            }
            while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { at += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            at += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { at += 1 }
            guard let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else {
                throw failure("a number needs digits in its exponent")
            }
            while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { at += 1 }
        }
        guard at - start <= 64 else {
            // Longer than any double needs; parsed through String to stay simple.
            return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)) ?? .nan
        }
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { raw in
            for k in start..<at { raw[k - start] = bytes[k] }
            raw[at - start] = 0
            guard let base = raw.baseAddress else { return .nan }
            return strtod(base.assumingMemoryBound(to: CChar.self), nil)
        }
    }

    private static func show(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "0x%02X", c)
    }
}

/// Writes JSON text by hand: the response shapes are fixed, and this is several times faster
/// than `JSONEncoder` on the request path.
struct JSONWriter {
    private(set) var text = ""

    init() { text.reserveCapacity(256) }

    mutating func raw(_ s: String) { text += s }

    mutating func string(_ s: String) { text += JSONWriter.quoted(s) }

    /// A string, or null for none.
    mutating func string(_ s: String?) { text += s.map(JSONWriter.quoted) ?? "null" }

    /// A finite number (callers guarantee finiteness; non-finite becomes null, never invalid JSON).
    mutating func number(_ d: Double) { text += JSONWriter.number(d) }

    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return d.description
    }

    static func quoted(_ s: String) -> String { jsonQuoted(s) }
}

extension JSONParser {
    /// The common request, one flat row, read straight into the model's inputs without building a
    /// `JSONValue` tree: a JSON object whose keys are all feature names (as written, no escapes)
    /// and whose values are strings for text features, finite numbers for numeric ones, or null.
    /// Each feature must be present. Anything else — a batch, an unknown or missing field, a wrong
    /// type, an escape, bad syntax — returns nil, and the full parse gives the answer or the
    /// precise error; so this only ever accepts what the full path accepts, with the same values.
    /// - Parameters:
    ///   - names: each feature's name as UTF-8, in feature order.
    ///   - numeric: whether each feature takes numbers (else text).
    static func flatRow(_ raw: UnsafeRawBufferPointer, names: [[UInt8]], numeric: [Bool]) -> [JSONScalar]? {
        var parser = JSONParser(raw.bindMemory(to: UInt8.self))
        return parser.flatRow(names: names, numeric: numeric)
    }

    /// A batch `{"rows": [row, ...]}` of at most `limit` rows, each read like `flatRow`; nil for
    /// anything else (an empty batch, more rows, another key, any row the one-row path would not
    /// take), which the full parse answers or explains.
    static func flatRows(_ raw: UnsafeRawBufferPointer, names: [[UInt8]], numeric: [Bool], limit: Int)
        -> [[JSONScalar]]?
    {
        var parser = JSONParser(raw.bindMemory(to: UInt8.self))
        return parser.flatRows(names: names, numeric: numeric, limit: limit)
    }

    private mutating func flatRows(names: [[UInt8]], numeric: [Bool], limit: Int) -> [[JSONScalar]]? {
        skipSpace()
        guard current == UInt8(ascii: "{") else { return nil }
        at += 1
        skipSpace()
        guard let key = plainString(), Self.same(key, "rows") else { return nil }
        skipSpace()
        guard current == UInt8(ascii: ":") else { return nil }
        at += 1
        skipSpace()
        guard current == UInt8(ascii: "[") else { return nil }
        at += 1
        skipSpace()
        var rows: [[JSONScalar]] = []
        while true {
            guard rows.count < limit, let row = rowObject(names: names, numeric: numeric) else { return nil }
            rows.append(row)
            skipSpace()
            if current == UInt8(ascii: ",") {
                at += 1
                skipSpace()
                continue
            }
            guard current == UInt8(ascii: "]") else { return nil }
            at += 1
            skipSpace()
            break
        }
        guard current == UInt8(ascii: "}") else { return nil }
        at += 1
        skipSpace()
        return at == bytes.count ? rows : nil
    }

    private mutating func flatRow(names: [[UInt8]], numeric: [Bool]) -> [JSONScalar]? {
        skipSpace()
        guard let row = rowObject(names: names, numeric: numeric) else { return nil }
        skipSpace()
        return at == bytes.count ? row : nil
    }

    /// One row object at the cursor (after any white space), every feature present, each value a
    /// plain string, a finite number or null of the feature's kind; the cursor after its `}`.
    private mutating func rowObject(names: [[UInt8]], numeric: [Bool]) -> [JSONScalar]? {
        let count = names.count
        var values = [JSONScalar](repeating: .null, count: count)
        var seen = 0
        var present = [Bool](repeating: false, count: count)
        skipSpace()
        guard current == UInt8(ascii: "{") else { return nil }
        at += 1
        skipSpace()
        // An empty object misses every feature: the full path says so.
        guard current == UInt8(ascii: "\"") else { return nil }
        var expected = 0
        while true {
            guard let key = plainString() else { return nil }
            // Keys usually come in feature order: try the next one first.
            var index = -1
            if expected < count, Self.same(key, names[expected]) {
                index = expected
            } else {
                for i in 0..<count where Self.same(key, names[i]) {
                    index = i
                    break
                }
            }
            guard index >= 0 else { return nil }
            expected = index + 1
            skipSpace()
            guard current == UInt8(ascii: ":") else { return nil }
            at += 1
            skipSpace()
            guard let c = current else { return nil }
            let value: JSONScalar
            switch c {
            case UInt8(ascii: "\""):
                guard !numeric[index], let s = plainText() else { return nil }
                value = .text(s)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard numeric[index], let d = try? number(), d.isFinite else { return nil }
                value = .number(d)
            case UInt8(ascii: "n"):
                guard (try? literal("null")) != nil else { return nil }
                value = .null
            default:
                return nil
            }
            values[index] = value
            if !present[index] {
                present[index] = true
                seen += 1
            }
            skipSpace()
            switch current {
            case UInt8(ascii: ","):
                at += 1
                skipSpace()
            case UInt8(ascii: "}"):
                at += 1
                return seen == count ? values : nil
            default:
                return nil
            }
        }
    }

    /// A string written plainly (no escape, no control character) at the cursor, as its bytes
    /// between the quotes; nil, with the cursor anywhere, otherwise.
    mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        guard current == UInt8(ascii: "\"") else { return nil }
        at += 1
        let start = at
        while at < bytes.count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\"), bytes[at] >= 0x20 {
            at += 1
        }
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
        at += 1
        return UnsafeBufferPointer(rebasing: bytes[start..<(at - 1)])
    }

    /// `plainString` as valid UTF-8 text; nil otherwise.
    mutating func plainText() -> String? {
        plainString().flatMap { String(validating: $0, as: UTF8.self) }
    }

    static func same(_ key: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        key.count == word.utf8CodeUnitCount
            && memcmp(key.baseAddress ?? UnsafePointer(word.utf8Start), word.utf8Start, key.count) == 0
    }

    static func same(_ key: UnsafeBufferPointer<UInt8>, _ name: [UInt8]) -> Bool {
        guard key.count == name.count else { return false }
        return name.withUnsafeBufferPointer { n in
            guard let a = key.baseAddress, let b = n.baseAddress else { return true }
            return memcmp(a, b, n.count) == 0
        }
    }
}
