import CommandLanguage
import Foundation
import GRDB
import Tabular

extension CommandTable {
    /// `write D to "x.csv" | "x.tsv" | "sqlite:x.db" table=T [overwrite=yes]`.
    static let write = CommandSpec(
        "write", topic: "data",
        summary: "write a dataset to a CSV or TSV file or a SQLite table",
        discussion: """
            A .tsv path is tab-separated, any other comma-separated; "sqlite:PATH" writes the table \
            named by table= into that database (created if absent; other tables are left alone). \
            An existing file or table is replaced only with overwrite=yes; a file is written to a \
            temporary and renamed, a table in one transaction, so a failure leaves the old one.
            """,
        positionals: [PositionalSpec(.name, .dataset), PositionalSpec(.path, keyword: "to", .path)],
        options: [
            OptionSpec("table", .text, help: "the table to write, for \"sqlite:PATH\""),
            CommonOption.overwrite.help("replace an existing file or table").spec,
        ],
        provenance: .observation,
        examples: [
            "write penguins_filtered to \"dream.csv\"",
            "write counts to \"sqlite:results.db\" table=counts overwrite=yes",
        ],
        reopen: .actsOutside,
        run: runWrite)

    private static func runWrite(_ context: inout CommandContext) throws {
        let (name, dataset) = try context.dataset(.name)
        let frame = dataset.frame
        let (written, _) = try context.path(.path)
        let inv = context.invocation
        let prefix = "sqlite:"
        guard written.hasPrefix(prefix) else {
            if inv.has("table") {
                throw LanguageError.semantic(
                    "table= only applies to \"sqlite:PATH\"", at: inv.range(of: "table"),
                    hint: "write \(name) to \"sqlite:\(written)\" table=…")
            }
            let target = try context.fileTarget()
            let data = CSVWriter.data(frame, forPath: target.path)
            try target.write(data)
            context.recordWritten(WrittenFile(path: target.shown, bytes: data))
            context.print(
                "wrote \(rowsText(frame.rowCount)) × \(frame.columnCount) columns of \(name) to \(target.shown)")
            return
        }
        guard let table = inv.word("table"), !table.isEmpty else {
            throw LanguageError.semantic(
                "a SQLite target needs table=", at: inv.range(of: .path),
                hint: "e.g. write \(name) to \"\(written)\" table=\(name.replacingOccurrences(of: ".", with: "_"))")
        }
        let shown = String(written.dropFirst(prefix.count))
        let path = context.session.resolveForWriting(path: shown)
        let overwrite = inv[CommonOption.overwrite]
        try SQLiteTableWriter.write(frame, table: table, path: path, shown: shown, overwrite: overwrite)
        context.print(
            "wrote \(rowsText(frame.rowCount)) × \(frame.columnCount) columns of \(name) to table \(table) in \(shown)")
    }
}

/// Writes a table into a SQLite database: a new database file is built beside its path and
/// renamed into place (refusing to replace another file); an existing one gets the table in one
/// transaction, replacing a table of that name only when told to.
enum SQLiteTableWriter {
    static func write(_ frame: DataFrame, table: String, path: String, shown: String, overwrite: Bool) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                throw CommandError(
                    "\(shown) is \(FileKind.describe(info.st_mode)), not a SQLite database file",
                    hint: "choose another path")
            }
            let queue: DatabaseQueue
            do { queue = try DatabaseQueue(path: path) } catch {
                throw CommandError(
                    "cannot open \(shown) as a SQLite database: \(error)",
                    hint: "choose another path; an existing file must be a SQLite database")
            }
            do {
                try queue.inTransaction { db in
                    if try db.tableExists(table) {
                        guard overwrite else {
                            throw CommandError(
                                "\(shown) already has a table \(table)",
                                hint: "add overwrite=yes to replace it, or choose another table=")
                        }
                        try db.execute(sql: "DROP TABLE \(quoted(table))")
                    }
                    try insert(frame, table: table, db)
                    return .commit
                }
            } catch let error as CommandError {
                throw error
            } catch {
                throw CommandError(
                    "cannot write table \(table) into \(shown): \(error)",
                    hint: "check that the file is a writable SQLite database")
            }
            return
        }
        // A new database: built in a temporary file in the same folder, then moved into place.
        let target = FileTarget(path: path, shown: shown, overwrite: false)
        _ = try target.destination()
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
        unlink(temporary)
        defer { unlink(temporary) }
        do {
            let queue = try DatabaseQueue(path: temporary)
            try queue.inTransaction { db in
                try insert(frame, table: table, db)
                return .commit
            }
            try queue.close()
            try target.write(try Data(contentsOf: URL(fileURLWithPath: temporary)))
        } catch let error as FileWriteError {
            throw error
        } catch {
            throw CommandError("cannot write \(shown): \(error)", hint: "check that the folder exists and is writable")
        }
    }

    private static func insert(_ frame: DataFrame, table: String, _ db: Database) throws {
        let declarations = frame.columns.map {
            "\(quoted($0.name)) \($0.kind == .text ? "TEXT" : ($0.isIntegral ? "INTEGER" : "REAL"))"
        }
        try db.execute(sql: "CREATE TABLE \(quoted(table)) (\(declarations.joined(separator: ", ")))")
        let placeholders = Array(repeating: "?", count: frame.columnCount).joined(separator: ", ")
        let statement = try db.makeStatement(sql: "INSERT INTO \(quoted(table)) VALUES (\(placeholders))")
        let integral = frame.columns.map(\.isIntegral)
        for r in 0..<frame.rowCount {
            let values: [(any DatabaseValueConvertible)?] = frame.columns.enumerated().map { i, column in
                switch column.data {
                case .numeric(let v):
                    v[r].isNaN ? nil : (integral[i] ? Int64(v[r]) as any DatabaseValueConvertible : v[r])
                case .categorical(let codes, let levels): codes[r] < 0 ? nil : levels[Int(codes[r])]
                }
            }
            try statement.execute(arguments: StatementArguments(values))
        }
    }

    /// A SQL identifier in double quotes, inner quotes doubled.
    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
