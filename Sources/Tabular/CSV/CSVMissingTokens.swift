/// The missing-value tokens, prepared for byte comparison: trimmed, ASCII-lowercased.
struct CSVMissingTokens: Sendable {
    let tokens: [[UInt8]]
    let emptyIsMissing: Bool
    let maxLength: Int
    /// Whether some token starts with this (lowercased) byte: most values are rejected on their first byte.
    let startsToken: [Bool]

    init(_ set: Set<String>) {
        let prepared = set.map { token -> [UInt8] in
            let trimmed = token.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }
                .reversed()
            return trimmed.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        }
        emptyIsMissing = prepared.contains { $0.isEmpty }
        tokens = prepared.filter { !$0.isEmpty }.sorted { $0.lexicographicallyPrecedes($1) }
        maxLength = tokens.map(\.count).max() ?? 0
        var starts = [Bool](repeating: false, count: 256)
        for token in tokens { starts[Int(token[0])] = true }
        startsToken = starts
    }

    /// Whether the (already trimmed) bytes are a missing token.
    @inline(__always)
    func matches(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Bool {
        let length = end - start
        if length == 0 { return emptyIsMissing }
        if length > maxLength { return false }
        let first = start.pointee
        guard startsToken[Int(first >= 0x41 && first <= 0x5A ? first | 0x20 : first)] else { return false }
        return matchesToken(start, length)
    }

    private func matchesToken(_ start: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        for token in tokens where token.count == length {
            var equal = true
            for i in 0..<length {
                let b = start[i]
                let lower = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                if lower != token[i] {
                    equal = false
                    break
                }
            }
            if equal { return true }
        }
        return false
    }
}
