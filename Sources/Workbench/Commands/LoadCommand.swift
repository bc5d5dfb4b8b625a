import CommandLanguage
import Diagnostics
import Foundation
import PostgresAccess
import Tabular

extension CommandTable {
    /// `load PATH [as NAME]`: reads a CSV/TSV file or a SQLite table/query into a dataset.
    static let load = CommandSpec(
        "load", topic: "data",
        summary: "read a CSV/TSV file, or a table or query from SQLite or PostgreSQL, into a dataset",
        discussion: """
            Reads the whole file; the type of each column is inferred from all its values (a column is a \
            number only if every non-missing value is one). Empty fields, NA, NaN and null are missing. \
            The dataset is named after the file unless you give a name. A SQLite source is written \
            "sqlite:PATH" with table= or query=; a PostgreSQL one "postgresql://user@host:port/db" with \
            table= or query= (the password from PGPASSWORD or ~/.pgpass, never recorded), read through \
            a cursor with column types from the database and refused when the planner's estimate is \
            over the memory budget. Prints a SHA-256 fingerprint of the data (for a database, of the \
            rows received), kept with every model trained on it.
            """,
        positionals: [
            PositionalSpec(.path, .path),
            PositionalSpec(.name, keyword: "as", .newName, optional: true),
        ],
        options: [
            OptionSpec("sep", .text, default: "by extension", help: "field separator: \",\", \"\\t\", \";\" or \"|\""),
            LoadOption.header.spec,
            OptionSpec("types", .record, help: "override inferred types, e.g. {zip: text, age: number}"),
            OptionSpec("table", .text, help: "SQLite or PostgreSQL: the table to read"),
            OptionSpec("query", .text, help: "SQLite or PostgreSQL: a SELECT whose result to read"),
        ],
        maxResults: 1,
        provenance: .source,
        examples: [
            "load \"examples/penguins.csv\"",
            "iris = load \"examples/iris.csv\"",
            "load \"data.tsv\" as survey header=no",
            "load \"sqlite:shop.db\" table=orders",
            "load \"sqlite:shop.db\" query=\"select * from orders where total > 10\" as big",
            "load \"postgresql://ana@db.example.org/shop\" table=orders",
        ],
        run: runLoad)

    private static func runLoad(_ context: inout CommandContext) throws {
        let (written, _) = try context.path(.path)
        let inv = context.invocation
        let frame: DataFrame
        let fingerprint: String
        let sqlitePrefix = "sqlite:"
        var defaultName: String
        if PostgresLocation.isPostgresURL(written) {
            let source = try databaseSource(inv, written: written)
            let location = try PostgresLocation(parsing: written)
            let budget = try MemoryBudget.current()
            let pgSource: PostgresTableReader.Source
            switch source {
            case .table(let t): pgSource = .table(t)
            case .query(let q): pgSource = .query(q)
            }
            frame = try PostgresTableReader.read(location, source: pgSource, budgetBytes: budget).frame
            fingerprint = Fingerprint.of(frame: frame)
            if case .table(let t) = source {
                defaultName = baseName(of: t)
            } else {
                defaultName = baseName(of: location.database)
            }
        } else if written.hasPrefix(sqlitePrefix) {
            let dbWritten = String(written.dropFirst(sqlitePrefix.count))
            let dbPath = context.session.resolve(path: dbWritten)
            let source = try databaseSource(inv, written: written)
            frame = try SQLiteReader.read(path: dbPath, source: source, displayName: dbWritten)
            fingerprint = Fingerprint.of(frame: frame)
            if case .table(let t) = source { defaultName = t } else { defaultName = baseName(of: dbWritten) }
        } else {
            for option in ["table", "query"] where inv.has(option) {
                throw LanguageError.semantic(
                    "\(option)= only applies to database sources (\"sqlite:PATH\" or \"postgresql://…\")",
                    at: inv.range(of: option), hint: nil)
            }
            var options = CSVOptions()
            if let sep = inv.word("sep") { options.separator = try separator(sep, range: inv.range(of: "sep")) }
            options.hasHeader = inv[LoadOption.header]
            options.types = try typeOverrides(inv)
            options.memoryBudgetBytes = try MemoryBudget.current()
            let location = context.session.locateData(written)
            try checkReadable(location.path, shown: written)
            (frame, fingerprint) = try CSVReader.readFingerprinted(
                path: location.path, options: options, displayName: written)
            if let note = location.note { context.print(note) }
            context.recordDataFile(path: written, fingerprint: fingerprint)
            defaultName = baseName(of: written)
        }
        for (column, _) in typeOverrideNames(inv) where frame.column(named: column) == nil {
            throw LanguageError.unknownName(
                kind: "column", name: column, at: inv.range(of: "types"),
                suggestion: closestMatch(column, among: frame.columnNames), hint: nil)
        }
        let name = try context.newName(.name) ?? context.targets.first ?? defaultName
        let numeric = frame.columns.filter { $0.kind == .number }.count
        let perColumn = ColumnRole.detect(in: frame)
        let missing = perColumn.reduce(0) { $0 + $1.missing }
        context.bind(
            name,
            .dataset(Dataset(frame: frame, source: "\"\(PostgresLocation.mask(written))\"", fingerprint: fingerprint)))
        context.print(
            "loaded \(name): \(frame.rowCount) rows × \(frame.columnCount) columns (\(numeric) number, \(frame.columnCount - numeric) text), \(missing) missing cell\(missing == 1 ? "" : "s")"
        )
        context.print("fingerprint \(Fingerprint.short(fingerprint, length: 16))")
        let roles = perColumn.compactMap { entry in entry.role.map { (entry.name, $0) } }
        if !roles.isEmpty {
            context.print(
                "roles: " + roles.map { "\($0.0) (\($0.1.name))" }.joined(separator: ", ")
                    + " — 'describe \(name)' for suggestions")
        }
    }

    /// table= or query= of a database source: exactly one of them.
    private static func databaseSource(_ inv: Invocation, written: String) throws -> SQLiteReader.Source {
        switch (inv.word("table"), inv.word("query")) {
        case (let table?, nil): return .table(table)
        case (nil, let query?): return .query(query)
        case (nil, nil):
            throw LanguageError.semantic(
                "a database source needs table= or query=", at: inv.range(of: .path),
                hint: "e.g. load \"\(PostgresLocation.mask(written))\" table=orders")
        case (_?, _?):
            throw LanguageError.semantic("give table= or query=, not both", at: inv.range(of: "query"), hint: nil)
        }
    }

    /// Type overrides given as `types={col: text}`, for checking after the load.
    private static func typeOverrideNames(_ inv: Invocation) -> [(String, String)] {
        guard case .record(let fields, _)? = inv.options["types"]?.value else { return [] }
        return fields.map { ($0.key, $0.value.dottedName ?? "") }
    }

    private static func typeOverrides(_ inv: Invocation) throws -> [String: ColumnKind] {
        guard let value = inv.options["types"]?.value else { return [:] }
        guard case .record(let fields, _) = value else {
            throw LanguageError.semantic("types= takes a record like {zip: text}", at: value.range, hint: nil)
        }
        var result: [String: ColumnKind] = [:]
        for field in fields {
            let word: String? =
                field.value.dottedName ?? { if case .string(let s, _) = field.value { return s } else { return nil } }()
            guard let word, let kind = ColumnKind(rawValue: word) else {
                throw LanguageError.semantic("a column type is 'number' or 'text'", at: field.value.range, hint: nil)
            }
            result[field.key] = kind
        }
        return result
    }

    private static func separator(_ text: String, range: SourceRange) throws -> UInt8 {
        let named: [String: UInt8] = [
            ",": 44, "\t": 9, "\\t": 9, "tab": 9, ";": 59, "|": 124, "comma": 44, "semicolon": 59, "pipe": 124,
        ]
        if let byte = named[text] { return byte }
        if text.utf8.count == 1, let byte = text.utf8.first, byte != 34, byte != 10, byte != 13 { return byte }
        throw LanguageError.semantic(
            "sep must be one character such as \",\", \"\\t\", \";\" or \"|\"", at: range, hint: nil)
    }

    /// Up-front checks so the common mistakes get their specific message.
    private static func checkReadable(_ path: String, shown: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TabularError.fileNotFound(path: shown)
        }
        if isDirectory.boolValue { throw TabularError.isDirectory(path: shown) }
        guard FileManager.default.isReadableFile(atPath: path) else { throw TabularError.permissionDenied(path: shown) }
    }

    /// A binding name from a file name: `data/penguins_train.csv` → `penguins_train`.
    static func baseName(of path: String) -> String {
        let file = (path as NSString).lastPathComponent
        let stem = file.split(separator: ".").first.map(String.init) ?? file
        var name = String(stem.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        if name.isEmpty { name = "data" }
        if let first = name.first, !first.isLetter, first != "_" { name = "d_" + name }
        return name
    }
}

private enum LoadOption {
    static let header: Option<Bool> = .flag("header", default: true, help: "whether the first line names the columns")
}
