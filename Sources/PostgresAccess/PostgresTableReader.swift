import Diagnostics
import Foundation
import PostgresNIO
public import Tabular

/// Reads a table or a query result from PostgreSQL into a frame, through a server-side cursor a
/// batch at a time, so neither side holds the result twice.
///
/// Column kinds come from PostgreSQL's types, not from the values: integers, floating point and
/// `numeric` are numbers; text, `varchar`, `char`, `uuid`, `json`, enums and booleans (`true` /
/// `false`) are text; `date` is `2024-01-31` and `timestamp` `2024-01-31T09:30:00` (with `Z`
/// for `timestamptz`, in UTC), which the date features read. NULL is missing. Any other type is
/// refused with the cast that would read it.
public enum PostgresTableReader {
    public enum Source: Sendable, Equatable {
        case table(String)
        case query(String)
    }

    /// What was read and how much of the budget the estimate said it would take.
    public struct Result: Sendable {
        public var frame: DataFrame
        /// The planner's estimate of the result's rows.
        public var estimatedRows: Int
        public var batches: Int
    }

    /// Rows per FETCH: large enough that round trips do not dominate, small enough that a batch of
    /// wide rows stays a few MiB.
    public static let defaultBatchRows = 10_000

    public static func read(
        _ database: PostgresPool, source: Source, budgetBytes: Int?, batchRows: Int = defaultBatchRows
    ) async throws -> Result {
        let location = database.location.masked
        let sql: String
        switch source {
        case .table(let name):
            sql = "SELECT * FROM " + (try await qualifiedTable(name, in: database))
        case .query(let text):
            sql = trimmedQuery(text)
        }
        return try await database.withConnection { connection in
            let logger = PostgresPool.quietLogger
            // The planner's estimate (from pg_class's statistics for a table) before any row moves.
            let plan = try await connection.query(
                PostgresQuery(unsafeSQL: "EXPLAIN (VERBOSE, FORMAT JSON) " + sql), logger: logger
            ).collect()
            let (estimatedRows, estimatedColumns, width) = planEstimate(
                plan.first.flatMap { try? $0.makeRandomAccess()[0].decode(String.self) })
            // 8 bytes a cell in the column store, or the planner's row width when wider (text).
            let estimatedBytes = estimatedRows * max(max(1, estimatedColumns) * 8, width)
            if let budgetBytes, estimatedBytes > budgetBytes {
                throw PostgresError.tooLarge(
                    location: location, estimatedBytes: estimatedBytes, budgetBytes: budgetBytes,
                    estimatedRows: estimatedRows)
            }
            var builder: FrameBuilder?
            var batches = 0
            _ = try await connection.query("BEGIN READ ONLY", logger: logger).collect()
            do {
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: "DECLARE workbench_load NO SCROLL CURSOR FOR " + sql), logger: logger
                ).collect()
                // The first fetch is small until the rows' width is known; later ones aim at
                // about 16 MiB on the wire, so a result of wide rows never arrives all at once.
                var fetch = min(max(1, batchRows), 100)
                while true {
                    // Collected before use: a type looked up in the catalog is a second query,
                    // which the connection runs only after this one's rows are all read.
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "FETCH FORWARD \(fetch) FROM workbench_load"), logger: logger
                    ).collect()
                    let received = rows.count
                    var wireBytes = 0
                    for row in rows {
                        if builder == nil {
                            builder = try await FrameBuilder(firstRow: row, connection: connection, location: location)
                        }
                        try builder?.append(row)
                        for cell in row { wireBytes += cell.bytes?.readableBytes ?? 0 }
                    }
                    batches += 1
                    if received < fetch { break }
                    let perRow = max(8, wireBytes / max(1, received))
                    fetch = min(max(1, batchRows), max(100, (16 << 20) / perRow))
                    // What is held, and what the next batch would bring at this width.
                    if let budgetBytes, let b = builder, b.bytes + fetch * perRow > budgetBytes {
                        throw PostgresError.tooLarge(
                            location: location, estimatedBytes: max(b.bytes + fetch * perRow, estimatedRows * perRow),
                            budgetBytes: budgetBytes, estimatedRows: max(estimatedRows, b.rows + fetch))
                    }
                }
                _ = try await connection.query("COMMIT", logger: logger).collect()
            } catch {
                // The connection goes back to the pool: leave no transaction open on it.
                _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                throw error
            }
            guard let builder else {
                if case .table(let name) = source { throw PostgresError.emptyTable(location: location, table: name) }
                throw PostgresError.emptyResult(location: location)
            }
            do {
                return Result(frame: try builder.frame(), estimatedRows: estimatedRows, batches: batches)
            } catch let error as TabularError {
                throw PostgresError.server(
                    location: location, message: "\(error)", sqlState: nil,
                    hint: "give the columns distinct names with AS")
            }
        }
    }

    /// A query without its trailing semicolons, which would end a cursor's declaration early.
    static func trimmedQuery(_ text: String) -> String {
        var trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        while trimmed.hasSuffix(";") {
            trimmed = String(trimmed.dropLast()).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return trimmed
    }

    /// Reads from synchronous code (a command): a pool for this one read, closed after it.
    public static func read(_ location: PostgresLocation, source: Source, budgetBytes: Int?) throws -> Result {
        let pool = try PostgresPool(location, maximumConnections: 1)
        defer { pool.close() }
        return try pool.blocking { try await read($0, source: source, budgetBytes: budgetBytes) }
    }

    /// The planner's rows, output columns and average row width in bytes, from
    /// `EXPLAIN (VERBOSE, FORMAT JSON)`.
    static func planEstimate(_ json: String?) -> (rows: Int, columns: Int, width: Int) {
        guard let json, let data = json.data(using: .utf8),
            let top = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]],
            let plan = top.first?["Plan"] as? [String: Any]
        else { return (0, 0, 0) }
        let rows = (plan["Plan Rows"] as? NSNumber)?.doubleValue ?? 0
        let columns = (plan["Output"] as? [Any])?.count ?? 0
        let width = (plan["Plan Width"] as? NSNumber)?.intValue ?? 0
        return (rows.isFinite ? Int(min(rows, 1e15)) : 0, columns, min(max(width, 0), 1 << 30))
    }

    /// `name` as a quoted, possibly schema-qualified identifier, after checking that it exists;
    /// a missing one is refused with the tables there are and a did-you-mean.
    static func qualifiedTable(_ name: String, in database: PostgresPool) async throws -> String {
        let quoted = quotedTableName(name)
        let location = database.location.masked
        return try await database.withConnection { connection in
            let logger = PostgresPool.quietLogger
            let found = try await connection.query("SELECT to_regclass(\(quoted))::text", logger: logger).collect()
            if let cell = found.first?.makeRandomAccess()[0], cell.bytes != nil { return quoted }
            let names = try await connection.query(
                "SELECT CASE WHEN table_schema = 'public' THEN table_name ELSE table_schema || '.' || table_name END FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
                logger: logger
            ).collect().compactMap { try? $0.makeRandomAccess()[0].decode(String.self) }
            throw PostgresError.noSuchTable(
                location: location, table: name, suggestion: closestMatch(name, among: names))
        }
    }
}

/// Columns as they arrive, in the column store's layout.
struct FrameBuilder {
    enum Reading {
        case integer, floating, numeric
        case text, boolean, date, timestamp, timestampUTC
    }

    struct Pending {
        var name: String
        var reading: Reading
        var numbers: [Double] = []
        var codes: [Int32] = []
        var levels: [String] = []
        var index: [String: Int32] = [:]
    }

    var columns: [Pending]
    var rows = 0
    let location: String
    /// Bytes held so far: 8 per number, 4 per text code, and each distinct text once (counted as
    /// it arrives, so checking the budget after every batch costs nothing).
    private(set) var bytes = 0

    /// A builder for the next batch of a result whose column kinds are known.
    init(names: [String], readings: [Reading], location: String) {
        self.location = location
        columns = zip(names, readings).map { Pending(name: $0, reading: $1) }
    }

    init(firstRow: PostgresRow, connection: PostgresConnection, location: String) async throws {
        self.location = location
        var columns: [Pending] = []
        for cell in firstRow {
            let reading = try await Self.reading(
                for: cell.dataType, column: cell.columnName, connection: connection, location: location)
            columns.append(Pending(name: cell.columnName, reading: reading))
        }
        self.columns = columns
    }

    static func reading(for type: PostgresDataType, column: String, connection: PostgresConnection, location: String)
        async throws -> Reading
    {
        switch type {
        case .int2, .int4, .int8, .oid: return .integer
        case .float4, .float8: return .floating
        case .numeric: return .numeric
        case .text, .varchar, .bpchar, .name, .char, .uuid, .json, .jsonb: return .text
        case .bool: return .boolean
        case .date: return .date
        case .timestamp: return .timestamp
        case .timestamptz: return .timestampUTC
        default:
            // Enums arrive as their labels; a domain as its base type. Anything else is named.
            let rows = try await connection.query(
                "SELECT typtype::text, typbasetype::int8, format_type(oid, NULL) FROM pg_type WHERE oid = \(Int64(type.rawValue))",
                logger: PostgresPool.quietLogger
            ).collect()
            guard let row = rows.first?.makeRandomAccess() else {
                throw PostgresError.unsupportedType(location: location, column: column, type: "oid \(type.rawValue)")
            }
            let kind = (try? row[0].decode(String.self)) ?? ""
            let base = (try? row[1].decode(Int64.self)) ?? 0
            let name = (try? row[2].decode(String.self)) ?? "oid \(type.rawValue)"
            if kind == "e" { return .text }
            if kind == "d", base > 0, let baseType = UInt32(exactly: base), baseType != type.rawValue {
                return try await reading(
                    for: PostgresDataType(baseType), column: column, connection: connection, location: location)
            }
            throw PostgresError.unsupportedType(location: location, column: column, type: name)
        }
    }

    mutating func append(_ row: PostgresRow) throws {
        var i = 0
        for cell in row {
            guard i < columns.count else { break }
            bytes += try Self.append(cell, to: &columns[i], location: location)
            i += 1
        }
        rows += 1
    }

    /// Appends one cell; returns the bytes it added.
    private static func append(_ cell: PostgresCell, to column: inout Pending, location: String) throws -> Int {
        let isNull = cell.bytes == nil
        do {
            switch column.reading {
            case .integer:
                column.numbers.append(isNull ? .nan : Double(try cell.decode(Int64.self)))
                return 8
            case .floating:
                column.numbers.append(isNull ? .nan : try cell.decode(Double.self))
                return 8
            case .numeric:
                // numeric's NaN decodes as Decimal's NaN, which is missing here too.
                column.numbers.append(
                    isNull ? .nan : NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
                return 8
            case .text:
                return addText(isNull ? nil : try cell.decode(String.self), to: &column)
            case .boolean:
                return addText(isNull ? nil : (try cell.decode(Bool.self) ? "true" : "false"), to: &column)
            case .date, .timestamp, .timestampUTC:
                return addText(isNull ? nil : isoText(try cell.decode(Date.self), reading: column.reading), to: &column)
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError.unsupportedType(
                location: location, column: column.name, type: "\(cell.dataType) (\(error))")
        }
    }

    /// Appends a text cell; returns the bytes it added (a code, and a new level's text).
    private static func addText(_ text: String?, to column: inout Pending) -> Int {
        guard let text else {
            column.codes.append(-1)
            return 4
        }
        if let code = column.index[text] {
            column.codes.append(code)
            return 4
        }
        let code = Int32(column.levels.count)
        column.levels.append(text)
        column.index[text] = code
        column.codes.append(code)
        return 4 + text.utf8.count + 16
    }

    /// A date or time as ISO 8601 text, in UTC (what PostgreSQL's binary format carries). Whole
    /// seconds: the date features read no finer.
    static func isoText(_ date: Date, reading: Reading) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        switch reading {
        case .date: return day
        case .timestampUTC: return day + String(format: "T%02d:%02d:%02dZ", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        default: return day + String(format: "T%02d:%02d:%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        }
    }

    func frame() throws -> DataFrame {
        try DataFrame(
            columns: columns.map { c in
                switch c.reading {
                case .integer, .floating, .numeric: Column(name: c.name, data: .numeric(c.numbers))
                default: Column(name: c.name, data: .categorical(codes: c.codes, levels: c.levels))
                }
            })
    }
}
