#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Interns the distinct byte strings of one text column within one chunk, numbering them in order of first appearance.
///
/// An open-addressing hash table over a byte arena: looking a value up allocates nothing, which
/// matters because it runs once per text field. Values are validated as UTF-8 when first seen, so
/// every stored level is valid text.
struct CSVLevelTable {
    /// The bytes of every level, back to back.
    private(set) var arena: [UInt8] = []
    /// Where each level's bytes start in `arena`; level `i` ends where `i + 1` starts (or at the end).
    private(set) var starts: [Int] = []
    /// Slot → level code, or -1 for an empty slot. Its count is a power of two.
    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private var hashes: [UInt64] = []

    var count: Int { starts.count }

    /// The bytes of level `code`.
    func bytes(of code: Int) -> ArraySlice<UInt8> {
        let end = code + 1 < starts.count ? starts[code + 1] : arena.count
        return arena[starts[code]..<end]
    }

    /// The code of the value in `start..<start+length`, adding it if new; `nil` if it is new and not valid UTF-8.
    @inline(__always)
    mutating func code(of start: UnsafePointer<UInt8>, length: Int) -> Int32? {
        let hash = Self.hash(start, length)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let code = slots[slot]
            if code < 0 { break }
            if hashes[Int(code)] == hash && equals(Int(code), start, length) { return code }
            slot = (slot + 1) & mask
        }
        return insert(start, length: length, hash: hash, slot: slot)
    }

    private func equals(_ code: Int, _ start: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        let from = starts[code]
        let to = code + 1 < starts.count ? starts[code + 1] : arena.count
        guard to - from == length else { return false }
        return arena.withUnsafeBufferPointer { a in
            guard let base = a.baseAddress else { return length == 0 }
            return memcmp(base + from, start, length) == 0
        }
    }

    @inline(never)
    private mutating func insert(_ start: UnsafePointer<UInt8>, length: Int, hash: UInt64, slot: Int) -> Int32? {
        let buffer = UnsafeBufferPointer(start: start, count: length)
        guard isValidUTF8(buffer) else { return nil }
        let code = Int32(starts.count)
        starts.append(arena.count)
        arena.append(contentsOf: buffer)
        hashes.append(hash)
        slots[slot] = code
        if starts.count * 2 > slots.count { grow() }
        return code
    }

    private mutating func grow() {
        let size = slots.count * 2
        var fresh = [Int32](repeating: -1, count: size)
        for code in 0..<starts.count {
            var slot = Int(truncatingIfNeeded: hashes[code]) & (size - 1)
            while fresh[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            fresh[slot] = Int32(code)
        }
        slots = fresh
    }

    /// FNV-1a over the bytes, finished with a multiply so short keys spread over the low bits.
    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<length {
            h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01b3
        }
        return (h ^ (h >> 29)) &* 0xbf58_476d_1ce4_e5b9
    }
}

/// Whether the bytes are well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = bytes.count
    while i < n {
        let b = bytes[i]
        if b < 0x80 {
            i += 1
            continue
        }
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upper = 0x9F
        case 0xF0:
            length = 4
            lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upper = 0x8F
        default: return false
        }
        guard i + length <= n else { return false }
        let second = bytes[i + 1]
        guard second >= lower && second <= upper else { return false }
        for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 { return false }
        i += length
    }
    return true
}
