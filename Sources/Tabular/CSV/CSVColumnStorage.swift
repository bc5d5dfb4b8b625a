#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Column memory the parser writes into: one 8-byte slot per row per column.
///
/// Numeric columns become their `[Double]` without a copy: each column's array is created with
/// `Array(unsafeUninitializedCapacity:)` and the parse runs inside those closures, nested. Text
/// columns store Int32 codes in the same slots and are copied out into `[Int32]` by the caller
/// before returning; their arrays are dropped. Untouched pages of dropped arrays are never
/// materialised, so this costs no memory. Very wide files would nest too deep, so past
/// `nestingLimit` columns the slots are plain allocations and numeric columns are copied.
enum CSVColumnStorage {
    static let nestingLimit = 256

    /// Calls `body` with the slot pointers; `body` returns which columns are numeric, and those come back as arrays.
    static func withStorage(
        columns: Int, rows: Int,
        _ body: (UnsafeMutablePointer<UnsafeMutableRawPointer>) throws -> [Bool]
    ) throws -> [[Double]?] {
        let slots = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: max(1, columns))
        defer { slots.deallocate() }
        var arrays = [[Double]?](repeating: nil, count: columns)
        if columns <= nestingLimit {
            var keep: [Bool] = []
            try nest(0, columns: columns, rows: rows, slots: slots, arrays: &arrays, keep: &keep, body: body)
        } else {
            for c in 0..<columns {
                slots[c] = UnsafeMutableRawPointer.allocate(byteCount: max(8, rows * 8), alignment: 8)
            }
            defer { for c in 0..<columns { slots[c].deallocate() } }
            let keep = try body(slots)
            for c in 0..<columns where keep[c] {
                let source = UnsafeRawPointer(slots[c])
                arrays[c] = [Double](unsafeUninitializedCapacity: rows) { buffer, initialized in
                    if let target = buffer.baseAddress {
                        UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: rows * 8)
                    }
                    initialized = rows
                }
            }
        }
        return arrays
    }

    private static func nest(
        _ column: Int, columns: Int, rows: Int, slots: UnsafeMutablePointer<UnsafeMutableRawPointer>,
        arrays: inout [[Double]?], keep: inout [Bool],
        body: (UnsafeMutablePointer<UnsafeMutableRawPointer>) throws -> [Bool]
    ) throws {
        if column == columns {
            keep = try body(slots)
            precondition(
                keep.count == columns,
                "internal error: storage body returned \(keep.count) flags for \(columns) columns")
            return
        }
        let array = try [Double](unsafeUninitializedCapacity: max(1, rows)) { buffer, initialized in
            initialized = 0
            guard let address = buffer.baseAddress else { preconditionFailure("internal error: no column storage") }
            slots[column] = UnsafeMutableRawPointer(address)
            try nest(column + 1, columns: columns, rows: rows, slots: slots, arrays: &arrays, keep: &keep, body: body)
            // Every row of a numeric column was written by the parser, so the whole array is initialised.
            initialized = keep[column] ? rows : 0
        }
        if keep[column] { arrays[column] = array }
    }

    /// Returns the whole pages inside `start ..< start + byteCount` to the system (their contents
    /// become zeros); the partial pages at either end are kept, since a neighbouring chunk's rows
    /// may still be read from them.
    static func release(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let last = (Int(bitPattern: start) + byteCount) / page * page
        guard last > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(address, last - first, Int32(MADV_DONTNEED))
    }
}
