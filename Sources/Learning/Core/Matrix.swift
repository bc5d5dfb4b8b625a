import Foundation

/// A dense, row-major matrix of doubles: the feature matrix every estimator consumes.
///
/// Missing values are `NaN`; estimators that cannot handle them say so in `fit`.
public struct Matrix: Sendable, Codable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major storage, `rows * columns` values.
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "internal error: matrix storage does not match its shape")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    private enum CodingKeys: String, CodingKey { case rows, columns, values, float64 }

    /// From this many values on, a matrix is stored as `float64`: its values' little-endian bytes
    /// in base64 (see `CompactArrayCoding`; a k-NN model's training rows took seconds to cache and
    /// export as numbers). Smaller matrices stay a readable `values` array.
    public static let binaryStorageThreshold = CompactArrayCoding.threshold

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(columns, forKey: .columns)
        if values.count >= Self.binaryStorageThreshold {
            try container.encode(values.compactBase64(), forKey: .float64)
        } else {
            try container.encode(values, forKey: .values)
        }
    }

    /// Decodes a matrix, refusing one whose storage does not match its shape (a damaged or
    /// hand-edited model file), which the kernels would otherwise read past. Reads both storages
    /// (`values` numbers, `float64` base64 bytes) whatever the size.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows)
        let columns = try container.decode(Int.self, forKey: .columns)
        let (size, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: container.codingPath, debugDescription: "a matrix of \(rows) × \(columns) values"))
        }
        let values: [Double]
        if container.contains(.float64) {
            let text = try container.decode(String.self, forKey: .float64)
            // The length is checked before decoding, so a crafted shape cannot make us allocate for it.
            let (byteCount, tooMany) = size.multipliedReportingOverflow(by: 8)
            guard !tooMany, byteCount <= Int.max / 2, text.utf8.count == (byteCount + 2) / 3 * 4,
                let stored = [Double](compactBase64: text), stored.count == size
            else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath + [CodingKeys.float64],
                        debugDescription: "a \(rows) × \(columns) matrix needs \(size) float64 values in base64"))
            }
            values = stored
        } else {
            values = try container.decode([Double].self, forKey: .values)
        }
        guard values.count == size else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: "a \(rows) × \(columns) matrix holds \(values.count) values"))
        }
        self.init(rows: rows, columns: columns, values: values)
    }

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.init(rows: rows, columns: columns, values: [Double](repeating: value, count: rows * columns))
    }

    /// Builds a matrix from an array of equally long rows.
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "internal error: ragged rows")
        self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// One row as a new array.
    public func row(_ index: Int) -> [Double] {
        Array(values[(index * columns)..<((index + 1) * columns)])
    }

    /// One column as a new array.
    public func column(_ index: Int) -> [Double] {
        (0..<rows).map { values[$0 * columns + index] }
    }

    /// The rows at `indices`, in that order (duplicates allowed, for bootstraps).
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * columns)
        for i in indices {
            out.append(contentsOf: values[(i * columns)..<((i + 1) * columns)])
        }
        return Matrix(rows: indices.count, columns: columns, values: out)
    }
}
