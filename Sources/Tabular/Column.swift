/// The storage of one column: numbers as contiguous doubles, everything else dictionary-encoded.
public enum ColumnData: Sendable, Equatable {
    /// Missing values are `NaN`.
    case numeric([Double])
    /// Codes index `levels`; `-1` is missing.
    case categorical(codes: [Int32], levels: [String])

    public var count: Int {
        switch self {
        case .numeric(let v): v.count
        case .categorical(let codes, _): codes.count
        }
    }

    public var kind: ColumnKind {
        switch self {
        case .numeric: .number
        case .categorical: .text
        }
    }

    /// The same column restricted to the rows at `indices`, in that order.
    public func selecting(_ indices: [Int]) -> ColumnData {
        switch self {
        case .numeric(let v):
            return .numeric(Self.gather(v, indices))
        case .categorical(let codes, let levels):
            return .categorical(codes: Self.gather(codes, indices), levels: levels)
        }
    }

    /// `indices.map { values[$0] }` with one unsigned bounds check per index, written straight
    /// into the new array (no per-element append), four loads in flight at a time: a filter's or
    /// a sort's gather waits on memory, not on arithmetic.
    private static func gather<T>(_ values: [T], _ indices: [Int]) -> [T] {
        values.withUnsafeBufferPointer { v in
            indices.withUnsafeBufferPointer { idx in
                [T](unsafeUninitializedCapacity: idx.count) { out, initialized in
                    initialized = 0
                    guard let base = out.baseAddress else { return }
                    let limit = UInt(v.count)
                    let n = idx.count
                    var k = 0
                    while k + 4 <= n {
                        let a = idx[k], b = idx[k + 1], c = idx[k + 2], d = idx[k + 3]
                        precondition(
                            UInt(bitPattern: a) < limit && UInt(bitPattern: b) < limit && UInt(bitPattern: c) < limit
                                && UInt(bitPattern: d) < limit, "a row outside a column of \(v.count)")
                        (base + k).initialize(to: v[a])
                        (base + k + 1).initialize(to: v[b])
                        (base + k + 2).initialize(to: v[c])
                        (base + k + 3).initialize(to: v[d])
                        k += 4
                    }
                    while k < n {
                        let i = idx[k]
                        precondition(UInt(bitPattern: i) < limit, "row \(i) outside a column of \(v.count)")
                        (base + k).initialize(to: v[i])
                        k += 1
                    }
                    initialized = n
                }
            }
        }
    }

    public func isMissing(at row: Int) -> Bool {
        switch self {
        case .numeric(let v): v[row].isNaN
        case .categorical(let codes, _): codes[row] < 0
        }
    }

    public var missingCount: Int {
        switch self {
        case .numeric(let v): v.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
        case .categorical(let codes, _): codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
        }
    }
}

/// The user-visible type of a column.
public enum ColumnKind: String, Sendable, Codable, CaseIterable {
    case number
    case text
}

/// A named column.
public struct Column: Sendable, Equatable {
    public var name: String
    public var data: ColumnData

    public init(name: String, data: ColumnData) {
        self.name = name
        self.data = data
    }

    public var kind: ColumnKind { data.kind }

    /// Whether every present value is a whole number (for display and type names).
    public var isIntegral: Bool {
        guard case .numeric(let v) = data else { return false }
        return v.allSatisfy { $0.isNaN || ($0.rounded() == $0 && abs($0) < 1e15) }
    }

    /// The value at `row` as text, `nil` when missing.
    public func text(at row: Int) -> String? {
        switch data {
        case .numeric(let v):
            let x = v[row]
            return x.isNaN ? nil : formatNumber(x)
        case .categorical(let codes, let levels):
            let c = codes[row]
            return c < 0 ? nil : levels[Int(c)]
        }
    }
}

/// Shortest text that reads back as the same double, without a trailing `.0` on whole numbers.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "" }
    if x.rounded() == x && abs(x) < 1e15 { return String(Int64(x)) }
    return String(x)
}
