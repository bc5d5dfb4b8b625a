import Foundation
import GRDB

/// Reads a table or a query result from a SQLite database into a frame.
///
/// Column types follow the values: a column is numeric when every non-NULL value is an integer or
/// a real (or text that parses as a number), otherwise text. NULL is missing.
public enum SQLiteReader {
    public enum Source: Sendable, Equatable {
        case table(String)
        case query(String)
    }

    public static func read(path: String, source: Source, displayName: String? = nil) throws -> DataFrame {
        let shown = displayName ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TabularError.fileNotFound(path: shown)
        }
        if isDirectory.boolValue { throw TabularError.isDirectory(path: shown) }
        guard FileManager.default.isReadableFile(atPath: path) else { throw TabularError.permissionDenied(path: shown) }

        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                let sql: String
                switch source {
                case .table(let name):
                    guard try db.tableExists(name) else {
                        let tables = try String.fetchAll(
                            db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name")
                        throw TabularError.noTable(path: shown, name: name, tables: tables)
                    }
                    sql = "SELECT * FROM \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\""
                case .query(let q):
                    sql = q
                }
                let statement = try db.makeStatement(sql: sql)
                let names = statement.columnNames
                var cells = [[DatabaseValue]](repeating: [], count: names.count)
                let cursor = try Row.fetchCursor(statement)
                while let row = try cursor.next() {
                    for i in 0..<names.count { cells[i].append(row[i] as DatabaseValue) }
                }
                guard !names.isEmpty else {
                    throw TabularError.sqlite(path: shown, message: "the query returns no columns")
                }
                return try DataFrame(columns: zip(names, cells).map { column(name: $0, values: $1) })
            }
        } catch let error as TabularError {
            throw error
        } catch let error as DatabaseError {
            throw TabularError.sqlite(path: shown, message: error.message ?? error.description)
        } catch {
            throw TabularError.sqlite(path: shown, message: String(describing: error))
        }
    }

    private static func column(name: String, values: [DatabaseValue]) -> Column {
        var numbers = [Double]()
        numbers.reserveCapacity(values.count)
        var allNumeric = true
        for v in values {
            switch v.storage {
            case .null: numbers.append(.nan)
            case .int64(let i): numbers.append(Double(i))
            case .double(let d): numbers.append(d)
            case .string(let s):
                if let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite {
                    numbers.append(d)
                } else {
                    allNumeric = false
                }
            case .blob: allNumeric = false
            }
            if !allNumeric { break }
        }
        if allNumeric { return Column(name: name, data: .numeric(numbers)) }
        var levels: [String] = []
        var index: [String: Int32] = [:]
        let codes: [Int32] = values.map { v in
            let text: String
            switch v.storage {
            case .null: return -1
            case .int64(let i): text = String(i)
            case .double(let d): text = formatNumber(d)
            case .string(let s): text = s
            case .blob(let b): text = "<blob \(b.count) bytes>"
            }
            if let code = index[text] { return code }
            let code = Int32(levels.count)
            levels.append(text)
            index[text] = code
            return code
        }
        return Column(name: name, data: .categorical(codes: codes, levels: levels))
    }
}
