import Foundation

/// Finds a key that appears twice in one JSON object. `JSONDecoder` keeps one of them silently, so
/// a crafted file could show one value to a reviewer's tool and another to the model.
///
/// Keys are compared after unescaping (`"a"` and `"\u0061"` are one key), as the decoder does.
/// Malformed JSON is left for the decoder to report. Iterative, so deep nesting cannot overflow
/// the stack.
/// - Complexity: O(bytes).
enum DuplicateKeyScanner {
    /// The first repeated key and where it is (`fitted.model.trees[3]`), or nil.
    static func firstDuplicate(in data: Data) -> (key: String, path: String)? {
        data.withUnsafeBytes { raw in firstDuplicate(in: raw.bindMemory(to: UInt8.self)) }
    }

    private struct Level {
        var isObject: Bool
        var keys: Set<String> = []
        var key: String?
        var index = 0
        var expectingKey = false
    }

    private static func firstDuplicate(in bytes: UnsafeBufferPointer<UInt8>) -> (key: String, path: String)? {
        var stack: [Level] = []
        var i = 0
        let n = bytes.count
        while i < n {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append(Level(isObject: true, expectingKey: true))
            case UInt8(ascii: "["):
                stack.append(Level(isObject: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","):
                if let last = stack.indices.last {
                    if stack[last].isObject { stack[last].expectingKey = true } else { stack[last].index += 1 }
                }
            case UInt8(ascii: "\""):
                guard let (text, end) = string(bytes, from: i) else { return nil }
                i = end
                if let last = stack.indices.last, stack[last].isObject, stack[last].expectingKey {
                    stack[last].expectingKey = false
                    stack[last].key = text
                    if !stack[last].keys.insert(text).inserted {
                        return (text, path(stack.dropLast()))
                    }
                }
                continue
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// The dotted path of the keys and indexes leading to the innermost open container.
    private static func path(_ levels: ArraySlice<Level>) -> String {
        var out = ""
        for level in levels {
            if level.isObject {
                if let key = level.key { out += (out.isEmpty ? "" : ".") + key }
            } else {
                out += "[\(level.index)]"
            }
        }
        return out
    }

    /// The unescaped string starting at the quote at `start`, and the index after its closing
    /// quote; nil when it does not end or holds a bad escape.
    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (String, Int)? {
        var i = start + 1
        var plainStart = i
        var scalars = String.UnicodeScalarView()
        var pending: [UInt8] = []
        func flushPlain(_ end: Int) {
            pending.append(contentsOf: bytes[plainStart..<end])
        }
        func flushPending() {
            if !pending.isEmpty {
                scalars.append(contentsOf: String(decoding: pending, as: UTF8.self).unicodeScalars)
                pending.removeAll()
            }
        }
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                flushPlain(i)
                flushPending()
                return (String(scalars), i + 1)
            }
            guard byte == UInt8(ascii: "\\") else {
                i += 1
                continue
            }
            flushPlain(i)
            guard i + 1 < bytes.count else { return nil }
            let escape = bytes[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""): pending.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): pending.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): pending.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): pending.append(0x08)
            case UInt8(ascii: "f"): pending.append(0x0C)
            case UInt8(ascii: "n"): pending.append(0x0A)
            case UInt8(ascii: "r"): pending.append(0x0D)
            case UInt8(ascii: "t"): pending.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex4(bytes, at: i) else { return nil }
                i += 4
                var value = UInt32(unit)
                if (0xD800..<0xDC00).contains(unit), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
                    bytes[i + 1] == UInt8(ascii: "u"),
                    let low = hex4(bytes, at: i + 2), (0xDC00..<0xE000).contains(low)
                {
                    value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    i += 6
                }
                flushPending()
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            default:
                return nil
            }
            plainStart = i
        }
        return nil
    }

    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt16? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for k in 0..<4 {
            let c = bytes[i + k]
            let digit: UInt16
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt16(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt16(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt16(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }
}
