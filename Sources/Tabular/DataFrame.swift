import Foundation
import Parallelism

/// A table of equally long named columns, column-oriented.
public struct DataFrame: Sendable, Equatable {
    public private(set) var columns: [Column]
    public let rowCount: Int

    /// Builds a frame; column names must be unique and lengths equal.
    public init(columns: [Column]) throws {
        let count = columns.first?.data.count ?? 0
        var seen = Set<String>()
        for column in columns {
            guard column.data.count == count else {
                throw TabularError.columnLengthMismatch(column: column.name, expected: count, found: column.data.count)
            }
            guard seen.insert(column.name).inserted else {
                throw TabularError.duplicateColumnName(column.name)
            }
        }
        self.columns = columns
        self.rowCount = count
    }

    public var columnCount: Int { columns.count }
    public var columnNames: [String] { columns.map(\.name) }

    public func column(named name: String) -> Column? {
        columns.first { $0.name == name }
    }

    public func index(of name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// The rows at `indices`, in that order.
    public func selectingRows(_ indices: [Int]) -> DataFrame {
        // Lengths stay equal and names unique, so this cannot fail. Large tables gather their
        // columns on every core (each column is one gather, independent of the others).
        let cells = indices.count * columns.count
        let workers = cells >= 1 << 20 ? ProcessInfo.processInfo.activeProcessorCount : 1
        let gathered = parallelMap(columns.count, threads: workers) {
            Column(name: columns[$0].name, data: columns[$0].data.selecting(indices))
        }
        return DataFrame(unchecked: gathered, rowCount: indices.count)
    }

    /// A frame with only the named columns, in the order given.
    public func selectingColumns(_ names: [String]) throws -> DataFrame {
        let picked = try names.map { name in
            guard let c = column(named: name) else { throw TabularError.unknownColumn(name, available: columnNames) }
            return c
        }
        return try DataFrame(columns: picked)
    }

    /// A frame without the named columns.
    public func droppingColumns(_ names: [String]) throws -> DataFrame {
        for name in names where column(named: name) == nil {
            throw TabularError.unknownColumn(name, available: columnNames)
        }
        let drop = Set(names)
        return DataFrame(unchecked: columns.filter { !drop.contains($0.name) }, rowCount: rowCount)
    }

    /// The frame with each column replaced by `transform(column)`; a result that changes the
    /// column's name or length is ignored (the column stays as it was), so the frame stays valid.
    public func mappingColumns(_ transform: (Column) -> Column) -> DataFrame {
        DataFrame(
            unchecked: columns.map { column in
                let mapped = transform(column)
                return mapped.name == column.name && mapped.data.count == rowCount ? mapped : column
            }, rowCount: rowCount)
    }

    init(unchecked columns: [Column], rowCount: Int) {
        self.columns = columns
        self.rowCount = rowCount
    }
}
