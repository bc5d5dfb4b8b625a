import Foundation

// Interim reader so the interpreter can be built while the real reader is written on branch `csv`.
// Replaced wholesale by Sources/Tabular/CSV/ at merge.

public struct CSVOptions: Sendable {
    public var separator: UInt8?
    public var hasHeader: Bool = true
    public var types: [String: ColumnKind] = [:]
    public var missingTokens: Set<String> = ["", "NA", "NaN", "null"]
    public var threads: Int = 0
    public var memoryBudgetBytes: Int? = nil
    public init() {}
}

public enum CSVReader {
    public static func read(path: String, options: CSVOptions = CSVOptions(), displayName: String? = nil) throws -> DataFrame {
        let shown = displayName ?? path
        guard let data = FileManager.default.contents(atPath: path) else { throw TabularError.fileNotFound(path: shown) }
        var o = options
        if o.separator == nil { o.separator = path.hasSuffix(".tsv") ? 9 : 44 }
        return try read(data: [UInt8](data), name: shown, options: o)
    }

    public static func read(data: [UInt8], name: String, options: CSVOptions = CSVOptions()) throws -> DataFrame {
        guard !data.isEmpty else { throw TabularError.emptyFile(path: name) }
        guard let text = String(validating: data, as: UTF8.self) else { throw TabularError.invalidUTF8(FileLocation(file: name, line: 1, column: 1)) }
        let sep = Character(UnicodeScalar(options.separator ?? 44))
        var rows: [[String]] = []
        var field = "", row: [String] = [], inQuotes = false
        for ch in text {
            if inQuotes {
                if ch == "\"" { inQuotes = false } else { field.append(ch) }
            } else if ch == "\"" { inQuotes = true
            } else if ch == sep { row.append(field); field = ""
            } else if ch == "\n" || ch == "\r\n" { row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(ch) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        guard let header = rows.first else { throw TabularError.emptyFile(path: name) }
        guard rows.count > 1 else { throw TabularError.headerOnly(path: name) }
        let missing = Set(options.missingTokens.map { $0.lowercased() })
        var columns: [Column] = []
        for (j, colName) in header.enumerated() {
            let raw = rows.dropFirst().map { j < $0.count ? $0[j] : "" }
            let isMissing = raw.map { missing.contains($0.trimmingCharacters(in: .whitespaces).lowercased()) }
            let nums = raw.map { Double($0.trimmingCharacters(in: .whitespaces)) }
            if options.types[colName] != .text, zip(nums, isMissing).allSatisfy({ $0 != nil || $1 }) {
                columns.append(Column(name: colName, data: .numeric(zip(nums, isMissing).map { $1 ? .nan : ($0 ?? .nan) })))
            } else {
                var levels: [String] = [], index: [String: Int32] = [:]
                let codes: [Int32] = zip(raw, isMissing).map { v, m in
                    if m { return -1 }
                    if let c = index[v] { return c }
                    index[v] = Int32(levels.count); levels.append(v); return Int32(levels.count - 1)
                }
                columns.append(Column(name: colName, data: .categorical(codes: codes, levels: levels)))
            }
        }
        return try DataFrame(columns: columns)
    }
}

public enum CSVWriter {
    public static func write(_ frame: DataFrame, to path: String) throws {
        func quote(_ s: String) -> String { s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var text = frame.columnNames.map(quote).joined(separator: ",") + "\n"
        for r in 0..<frame.rowCount { text += frame.columns.map { quote($0.text(at: r) ?? "") }.joined(separator: ",") + "\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
