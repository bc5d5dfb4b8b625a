import Foundation
import NIOCore
import NIOSSL
import PostgresNIO
public import Tabular

/// One connection held for a batch job (`workbench predict`), used from synchronous code: every
/// call blocks its thread until the server answers, so never call it from a task.
final class HeldConnection: @unchecked Sendable {
    // @unchecked: used by one thread at a time, the job's; PostgresConnection itself is Sendable.
    let connection: PostgresConnection
    let location: PostgresLocation
    private let pool: PostgresPool

    init(_ location: PostgresLocation) throws {
        self.location = location
        // The pool's translate and blocking bridge; its own connections are never opened.
        pool = try PostgresPool(location, maximumConnections: 1)
        let pool = self.pool
        connection = try pool.blocking { _ in
            do {
                return try await PostgresConnection.connect(
                    on: PostgresPool.eventLoops.any(), configuration: try pool.directConfiguration(), id: 1,
                    logger: PostgresPool.quietLogger
                ).get()
            } catch {
                throw pool.translate(error)
            }
        }
    }

    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        let connection = self.connection
        let pool = self.pool
        return try pool.blocking { _ in
            do { return try await connection.query(query, logger: PostgresPool.quietLogger).collect() } catch {
                throw pool.translate(error)
            }
        }
    }

    func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        try pool.blocking { _ in try await work() }
    }

    func run(_ sql: String) throws {
        _ = try rows(PostgresQuery(unsafeSQL: sql))
    }

    func close() {
        let connection = self.connection
        _ = try? pool.blocking { _ in try await connection.close() }
        pool.close()
    }
}

/// Rows of a table or query a batch at a time, through a server-side cursor in a read-only
/// transaction, as small frames (the column kinds of `PostgresTableReader`).
public final class PostgresCursor {
    private let held: HeldConnection
    private let batchRows: Int
    private var readings: [FrameBuilder.Reading]?
    private var finished = false
    public private(set) var columnNames: [String] = []

    public init(
        _ location: PostgresLocation, source: PostgresTableReader.Source,
        batchRows: Int = PostgresTableReader.defaultBatchRows
    ) throws {
        held = try HeldConnection(location)
        self.batchRows = max(1, batchRows)
        do {
            let sql: String
            switch source {
            case .table(let name):
                let quoted = quotedTableName(name)
                let found = try held.rows("SELECT to_regclass(\(quoted))::text")
                guard let cell = found.first?.makeRandomAccess()[0], cell.bytes != nil else {
                    throw PostgresError.noSuchTable(location: location.masked, table: name, suggestion: nil)
                }
                sql = "SELECT * FROM " + quoted
            case .query(let text):
                sql = PostgresTableReader.trimmedQuery(text)
            }
            try held.run("BEGIN READ ONLY")
            try held.run("DECLARE workbench_batches NO SCROLL CURSOR FOR " + sql)
        } catch {
            held.close()
            throw error
        }
    }

    /// The next batch, nil at the end.
    public func next() throws -> DataFrame? {
        guard !finished else { return nil }
        let rows = try held.rows(PostgresQuery(unsafeSQL: "FETCH FORWARD \(batchRows) FROM workbench_batches"))
        if rows.count < batchRows { finished = true }
        guard let first = rows.first else { return nil }
        var builder: FrameBuilder
        if let readings {
            builder = FrameBuilder(names: columnNames, readings: readings, location: held.location.masked)
        } else {
            let connection = held.connection
            let location = held.location.masked
            builder = try held.blocking {
                try await FrameBuilder(firstRow: first, connection: connection, location: location)
            }
            readings = builder.columns.map(\.reading)
            columnNames = builder.columns.map(\.name)
        }
        for row in rows { try builder.append(row) }
        return try builder.frame()
    }

    public func close() {
        try? held.run("COMMIT")
        held.close()
    }
}

/// A new table filled a batch at a time inside one transaction: readers see all of it (after
/// `commit`) or none of it (after a failure, or `close` without `commit`).
public final class PostgresTableWriter {
    public enum ColumnType: String, Sendable {
        case text = "text"
        case number = "double precision"
    }

    private let held: HeldConnection
    private let table: String
    private var columns: [(name: String, type: ColumnType)] = []
    private var committed = false

    /// Opens the transaction; an existing table is refused unless `replace`, then dropped in it.
    public init(_ location: PostgresLocation, table: String, replace: Bool) throws {
        held = try HeldConnection(location)
        self.table = quotedTableName(table)
        do {
            try held.run("BEGIN")
            let found = try held.rows("SELECT to_regclass(\(self.table))::text")
            if let cell = found.first?.makeRandomAccess()[0], cell.bytes != nil {
                guard replace else {
                    throw PostgresError.tableExists(location: location.masked, table: table)
                }
                try held.run("DROP TABLE \(self.table)")
            }
        } catch {
            try? held.run("ROLLBACK")
            held.close()
            throw error
        }
    }

    /// Creates the table: call once, before `insert`.
    public func create(columns: [(name: String, type: ColumnType)]) throws {
        self.columns = columns
        try held.run(
            "CREATE TABLE \(table) ("
                + columns.map { quotedIdentifier($0.name) + " " + $0.type.rawValue }.joined(separator: ", ") + ")")
    }

    /// Inserts rows of texts (nil is NULL), numbers parsed for number columns.
    public func insert(_ rows: [[String?]]) throws {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        // The protocol allows 65,535 bound values per statement.
        let perStatement = max(1, 60_000 / columns.count)
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            var bindings = PostgresBindings(capacity: chunk.count * columns.count)
            var tuples: [String] = []
            tuples.reserveCapacity(chunk.count)
            var n = 0
            for row in chunk {
                var marks: [String] = []
                for (i, column) in columns.enumerated() {
                    let value = i < row.count ? row[i] : nil
                    switch column.type {
                    case .number:
                        if let value, let number = Double(value) {
                            bindings.append(number)
                        } else {
                            bindings.appendNull()
                        }
                    case .text:
                        if let value { bindings.append(value) } else { bindings.appendNull() }
                    }
                    n += 1
                    marks.append("$\(n)")
                }
                tuples.append("(" + marks.joined(separator: ",") + ")")
            }
            _ = try held.rows(
                PostgresQuery(
                    unsafeSQL: "INSERT INTO \(table) VALUES " + tuples.joined(separator: ","), binds: bindings))
            start += chunk.count
        }
    }

    public func commit() throws {
        try held.run("COMMIT")
        committed = true
    }

    /// Ends the job: a transaction not committed is rolled back, so no partial table remains.
    public func close() {
        if !committed { try? held.run("ROLLBACK") }
        held.close()
    }
}
