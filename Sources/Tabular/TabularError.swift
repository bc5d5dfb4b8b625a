public import Diagnostics

/// Where in a text file something was found: 1-based line and column (column counts fields).
public struct FileLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// Everything that can go wrong reading or reshaping a table, with what the user can do about it.
public enum TabularError: Error, Sendable, Equatable {
    case fileNotFound(path: String)
    case isDirectory(path: String)
    case permissionDenied(path: String)
    case unreadable(path: String, reason: String)
    case emptyFile(path: String)
    case headerOnly(path: String)
    case binaryFile(path: String, offset: Int)
    case invalidUTF8(FileLocation)
    case unterminatedQuote(FileLocation)
    case raggedRow(FileLocation, expected: Int, found: Int)
    case unexpectedQuote(FileLocation)
    case emptyColumnName(FileLocation)
    case duplicateColumnName(String)
    /// A header naming a column twice: where the second one is, and which column had it first.
    case duplicateHeaderName(FileLocation, name: String, firstColumn: Int)
    case columnLengthMismatch(column: String, expected: Int, found: Int)
    case unknownColumn(String, available: [String])
    case typeOverrideNotNumeric(FileLocation, column: String, value: String)
    case sqlite(path: String, message: String)
    /// A SQLite database without the table asked for.
    case noTable(path: String, name: String, tables: [String])
    case invalidArgument(String)
    case tooLarge(path: String, estimatedBytes: Int, budgetBytes: Int)
    case changedWhileReading(path: String, expectedBytes: Int, readBytes: Int)
    /// The file's size or modification time changed while it was read (something appending to it).
    case grewWhileReading(path: String, readBytes: Int, nowBytes: Int, lastLineComplete: Bool)
    /// A device, FIFO or socket where a data file was expected.
    case notRegularFile(path: String, kind: String)
    case writeFailed(path: String, reason: String)
    /// A join key that is a number on one side and text on the other.
    case joinKeyKinds(String, left: String, right: String)
}

extension TabularError: UserFacingError {
    public var diagnostic: Diagnostic {
        switch self {
        case .joinKeyKinds(let key, let left, let right):
            Diagnostic(
                "the key '\(key)' is \(left) in the left table and \(right) in the right one",
                remedy: "make both the same type (load with \(setting: "types") or derive a text copy)")
        case .fileNotFound(let p):
            Diagnostic("no such file: \(p)", remedy: "check the path; relative paths start from the current folder")
        case .isDirectory(let p):
            Diagnostic("\(p) is a folder, not a data file", remedy: "name a .csv or .tsv file inside it")
        case .permissionDenied(let p):
            Diagnostic("permission denied reading \(p)", remedy: "check the file's permissions (chmod +r)")
        case .unreadable(let p, let reason):
            "cannot read \(p): \(reason)"
        case .emptyFile(let p):
            Diagnostic("\(p) is empty", remedy: "a CSV needs a header line and at least one row")
        case .headerOnly(let p):
            Diagnostic("\(p) has a header but no rows", remedy: "a CSV needs at least one data row")
        case .binaryFile(let p, let offset):
            Diagnostic(
                "\(p) looks like a binary file (a NUL byte at offset \(offset)), not text",
                remedy: "load a CSV/TSV text file, or a SQLite database with \"sqlite:PATH\"")
        case .invalidUTF8(let loc):
            Diagnostic("invalid UTF-8 at \(loc)", remedy: "re-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)")
        case .unterminatedQuote(let loc):
            Diagnostic(
                "unterminated quoted field starting at \(loc)",
                remedy: "close the quote, or double any quote inside a quoted field (\"\")")
        case .raggedRow(let loc, let expected, let found):
            Diagnostic(
                "row at \(loc.file):\(loc.line) has \(found) fields, expected \(expected) like the header",
                remedy: "quote fields that contain the separator, or check the separator with \(setting: "sep")")
        case .unexpectedQuote(let loc):
            Diagnostic(
                "a quote inside an unquoted field at \(loc)",
                remedy: "quote the whole field and double the inner quote (\"a \"\"b\"\"\")")
        case .emptyColumnName(let loc):
            Diagnostic("empty column name at \(loc)", remedy: "give every header field a name")
        case .duplicateColumnName(let name):
            Diagnostic(
                "duplicate column name '\(name)'", remedy: "column names must be unique; rename one in the header")
        case .duplicateHeaderName(let loc, let name, let first):
            Diagnostic(
                "duplicate column name '\(name)' at \(loc) (column \(first) has the same name)",
                remedy: "column names must be unique; rename one in the header")
        case .columnLengthMismatch(let column, let expected, let found):
            "column '\(column)' has \(found) values, expected \(expected)"
        case .unknownColumn(let name, let available):
            Diagnostic(
                "no column named '\(name)'",
                remedy: closestMatch(name, among: available).map { "did you mean '\($0)'?" })
        case .typeOverrideNotNumeric(let loc, let column, let value):
            Diagnostic(
                "column '\(column)' was declared number but has '\(value)' at \(loc)",
                remedy: "declare it text, or fix the value")
        case .sqlite(let p, let message):
            "SQLite error in \(p): \(message)"
        case .noTable(let p, let name, let tables):
            Diagnostic(
                "SQLite error in \(p): no table named '\(name)'"
                    + (tables.isEmpty
                        ? " (the database has no tables)" : "; tables: " + tables.joined(separator: ", ")),
                remedy: closestMatch(name, among: tables).map { "did you mean '\($0)'?" })
        case .invalidArgument(let message):
            Diagnostic(message)
        case .tooLarge(let p, let estimated, let budget):
            Diagnostic(
                "\(p) would need about \(mebibytes(estimated)) in memory to load, over the memory budget of \(mebibytes(budget))",
                remedy:
                    "load a sample of it (e.g. head -n 100000 FILE > sample.csv), or, if this machine has the memory, raise the budget: WORKBENCH_MEMORY_BUDGET=\(suggestedBudget(estimated))"
            )
        case .changedWhileReading(let p, let expected, let read):
            Diagnostic(
                "\(p) changed while it was being read (\(read) of \(expected) bytes were there)",
                remedy: "wait until whatever writes the file has finished, then load it again")
        case .grewWhileReading(let p, let read, let now, let complete):
            Diagnostic(
                "\(p) changed while it was being read (\(read) bytes read, \(now) there now)"
                    + (complete ? "" : "; the last line read has no line end, so its last value may be cut short"),
                remedy:
                    "something is writing to the file; wait until it has finished, or load a copy (cp \(p) snapshot.csv)"
            )
        case .notRegularFile(let p, let kind):
            Diagnostic(
                "\(p) is \(kind), not a data file; refusing to read it (it may never end)",
                remedy: "save the data to a regular .csv or .tsv file and load that")
        case .writeFailed(let p, let reason):
            Diagnostic("cannot write \(p): \(reason)", remedy: "check that the folder exists and is writable")
        }
    }
}

/// "123 MiB" (whole mebibytes, at least 1 when not zero).
private func mebibytes(_ bytes: Int) -> String {
    bytes == Int.max ? "more than \(Int.max >> 50) PiB" : "\(bytes == 0 ? 0 : max(1, bytes >> 20)) MiB"
}

/// A budget setting just above `bytes`, in whole gibibytes, for the hint.
private func suggestedBudget(_ bytes: Int) -> String {
    bytes == Int.max ? "(more memory than any machine has)" : "\(bytes / (1 << 30) + 1)G"
}
