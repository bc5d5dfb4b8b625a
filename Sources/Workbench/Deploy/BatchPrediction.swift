public import Bundles
public import Foundation
import GRDB
import Learning
public import PostgresAccess
import Tabular

/// `workbench predict`: streams rows from a file, a pipe, a SQLite query or a PostgreSQL table or
/// query through a bundle and writes predictions to a file, a pipe, a SQLite table or a new
/// PostgreSQL table, batch by batch.
public struct BatchPrediction {
    public enum Format: String, Sendable { case csv, jsonl }

    /// Where rows come from.
    public enum Input {
        case csv(FileHandle, name: String)
        case jsonl(FileHandle, name: String)
        case sqlite(path: String, query: String)
        case postgres(PostgresLocation, PostgresTableReader.Source)

        /// `-`, a file path, `sqlite:DB?query=SQL`, or `postgresql://…?query=SQL` / `?table=T`.
        public static func parse(_ spec: String, format: Format) throws -> Input {
            if PostgresLocation.isPostgresURL(spec) {
                let location = try PostgresLocation(parsing: spec)
                switch (location.parameter("table"), location.parameter("query")) {
                case (let table?, nil): return .postgres(location, .table(table))
                case (nil, let query?): return .postgres(location, .query(query))
                default:
                    throw CommandError(
                        "a PostgreSQL input is written postgresql://…/DB?table=NAME or ?query=SELECT… (percent-encoded), one of the two"
                    )
                }
            }
            if spec.hasPrefix("sqlite:") {
                let rest = spec.dropFirst(7)
                guard let q = rest.range(of: "?query=") else {
                    throw CommandError("a SQLite input is written sqlite:DB?query=SELECT …")
                }
                return .sqlite(
                    path: String(rest[..<q.lowerBound]),
                    query: String(rest[q.upperBound...]).removingPercentEncoding ?? String(rest[q.upperBound...]))
            }
            let handle: FileHandle
            if spec == "-" {
                handle = .standardInput
            } else {
                // A device or FIFO would stream forever (or hang the open): rows come from a file or stdin.
                do {
                    handle = FileHandle(
                        fileDescriptor: try BoundedFile.openRegular(spec).descriptor, closeOnDealloc: true)
                } catch {
                    switch error {
                    case .notFound: throw TabularError.fileNotFound(path: spec)
                    case .notRegular(let kind):
                        throw CommandError(
                            "--input \(spec) is \(kind), not a file", hint: "give a file, or - to read rows from stdin")
                    case .isDirectory:
                        throw CommandError("--input \(spec) is a folder", hint: "give a CSV or JSON-lines file")
                    case .unreadable(let reason): throw CommandError("cannot read --input \(spec): \(reason)")
                    case .tooLarge: throw CommandError("cannot read --input \(spec)")
                    }
                }
            }
            let name = spec == "-" ? "stdin" : spec
            // Files by extension; stdin follows --format, like the output.
            let isJSON = spec == "-" ? format == .jsonl : (spec.hasSuffix(".jsonl") || spec.hasSuffix(".ndjson"))
            return isJSON ? .jsonl(handle, name: name) : .csv(handle, name: name)
        }
    }

    /// Where predictions go.
    public enum Output {
        case stdout
        /// A file, replaced only if `overwrite` (`--overwrite`).
        case file(String, overwrite: Bool)
        case sqlite(path: String, table: String)
        /// A new table, made in one transaction; an existing one is replaced only if `overwrite`.
        case postgres(PostgresLocation, table: String, overwrite: Bool)

        public static func parse(_ spec: String, overwrite: Bool = false) throws -> Output {
            if spec == "-" { return .stdout }
            if PostgresLocation.isPostgresURL(spec) {
                let location = try PostgresLocation(parsing: spec)
                guard let table = location.parameter("table"), !table.isEmpty else {
                    throw CommandError("a PostgreSQL output is written postgresql://…/DB?table=NAME")
                }
                return .postgres(location, table: table, overwrite: overwrite)
            }
            if spec.hasPrefix("sqlite:") {
                let rest = spec.dropFirst(7)
                guard let t = rest.range(of: "?table=") else {
                    throw CommandError("a SQLite output is written sqlite:DB?table=NAME")
                }
                let table = String(rest[t.upperBound...])
                guard !table.isEmpty, table.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw CommandError("table name '\(table)' must be letters, digits and _")
                }
                return .sqlite(path: String(rest[..<t.lowerBound]), table: table)
            }
            return .file(spec, overwrite: overwrite)
        }
    }

    /// Counts at the end of a run.
    public struct Report: Sendable {
        public var rowsRead = 0
        public var rowsScored = 0
        public var rowsFailed = 0
        public var warnings = 0
    }

    public let bundle: LoadedBundle
    public var batchSize = 4096
    /// Row problems and warnings, one line each (stderr in the CLI).
    public var diagnostic: (String) -> Void

    public init(bundle: LoadedBundle, diagnostic: @escaping (String) -> Void) {
        self.bundle = bundle
        self.diagnostic = diagnostic
    }

    public func run(input: Input, output: Output, format: Format) throws -> Report {
        var report = Report()
        let sink = try Sink(output: output, format: format, pipeline: bundle.pipeline)
        defer { sink.close() }
        switch input {
        case .csv(let handle, let name):
            var stream = CSVRecordStream(handle: handle, name: name, separator: name.hasSuffix(".tsv") ? 9 : 44)
            guard let header = try stream.next() else { throw TabularError.emptyFile(path: name) }
            try requireColumns(header.fields, source: name)
            var batch: [(row: [String: JSONScalar], fields: [String], number: Int)] = []
            while true {
                let record: CSVRecordStream.Record?
                do { record = try stream.next() } catch {
                    diagnostic("error: \(error)")
                    report.rowsFailed += 1
                    break
                }
                guard let record else { break }
                if record.fields.count == 1 && record.fields[0].isEmpty { continue }
                report.rowsRead += 1
                guard record.fields.count == header.fields.count else {
                    diagnostic(
                        "row \(report.rowsRead) (\(name):\(record.line)): \(record.fields.count) fields, expected \(header.fields.count); skipped"
                    )
                    report.rowsFailed += 1
                    continue
                }
                var row: [String: JSONScalar] = [:]
                for (i, column) in header.fields.enumerated() { row[column] = cell(record.fields[i], column: column) }
                batch.append((row, record.fields, report.rowsRead))
                if batch.count == batchSize {
                    try score(batch, columns: header.fields, sink: sink, report: &report)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try score(batch, columns: header.fields, sink: sink, report: &report)
        case .jsonl(let handle, let name):
            var lineNumber = 0
            var batch: [(row: [String: JSONScalar], fields: [String], number: Int)] = []
            let columns = bundle.pipeline.inputs.map(\.name)
            var pending = Data()
            func process(_ lineData: Data) throws {
                lineNumber += 1
                guard !lineData.allSatisfy({ $0 == 32 || $0 == 13 }) else { return }
                report.rowsRead += 1
                guard let row = try? ModelCoding.decoder().decode([String: JSONScalar].self, from: lineData) else {
                    diagnostic(
                        "row \(report.rowsRead) (\(name):\(lineNumber)): not a JSON object of numbers, strings and nulls; skipped"
                    )
                    report.rowsFailed += 1
                    return
                }
                batch.append((row, columns.map { row[$0].map(Self.text) ?? "" }, report.rowsRead))
                if batch.count == batchSize {
                    try score(batch, columns: columns, sink: sink, report: &report)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 10) {
                    try process(pending[pending.startIndex..<newline])
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { try process(pending) }
            try score(batch, columns: columns, sink: sink, report: &report)
        case .sqlite(let path, let query):
            guard FileManager.default.fileExists(atPath: path) else { throw TabularError.fileNotFound(path: path) }
            var configuration = Configuration()
            configuration.readonly = true
            let queue: DatabaseQueue
            do { queue = try DatabaseQueue(path: path, configuration: configuration) } catch {
                throw TabularError.sqlite(path: path, message: String(describing: error))
            }
            do {
                try queue.read { db in
                    let statement = try db.makeStatement(sql: query)
                    let columns = statement.columnNames
                    try requireColumns(columns, source: path)
                    let cursor = try Row.fetchCursor(statement)
                    var batch: [(row: [String: JSONScalar], fields: [String], number: Int)] = []
                    while let dbRow = try cursor.next() {
                        report.rowsRead += 1
                        var row: [String: JSONScalar] = [:]
                        var fields: [String] = []
                        for (i, column) in columns.enumerated() {
                            let value: DatabaseValue = dbRow[i]
                            let scalar: JSONScalar
                            switch value.storage {
                            case .null: scalar = .null
                            case .int64(let v): scalar = .number(Double(v))
                            case .double(let v): scalar = .number(v)
                            case .string(let s): scalar = cell(s, column: column)
                            case .blob: scalar = .null
                            }
                            row[column] = scalar
                            fields.append(Self.text(scalar))
                        }
                        batch.append((row, fields, report.rowsRead))
                        if batch.count == batchSize {
                            try score(batch, columns: columns, sink: sink, report: &report)
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                    try score(batch, columns: columns, sink: sink, report: &report)
                }
            } catch let error as DatabaseError {
                throw TabularError.sqlite(path: path, message: error.message ?? error.description)
            }
        case .postgres(let location, let source):
            let cursor = try PostgresCursor(location, source: source, batchRows: batchSize)
            defer { cursor.close() }
            var checked = false
            while let frame = try cursor.next() {
                let columns = frame.columnNames
                if !checked {
                    try requireColumns(columns, source: location.masked)
                    checked = true
                }
                var batch: [(row: [String: JSONScalar], fields: [String], number: Int)] = []
                batch.reserveCapacity(frame.rowCount)
                for r in 0..<frame.rowCount {
                    report.rowsRead += 1
                    var row: [String: JSONScalar] = [:]
                    var fields: [String] = []
                    for column in frame.columns {
                        let scalar: JSONScalar
                        switch column.data {
                        case .numeric(let values): scalar = values[r].isNaN ? .null : .number(values[r])
                        case .categorical: scalar = column.text(at: r).map { cell($0, column: column.name) } ?? .null
                        }
                        row[column.name] = scalar
                        fields.append(Self.text(scalar))
                    }
                    batch.append((row, fields, report.rowsRead))
                }
                try score(batch, columns: columns, sink: sink, report: &report)
            }
        }
        try sink.finish()
        return report
    }

    private func requireColumns(_ columns: [String], source: String) throws {
        let missing = bundle.pipeline.inputs.map(\.name).filter { !columns.contains($0) }
        guard missing.isEmpty else {
            throw CommandError(
                "\(source) lacks column\(missing.count == 1 ? "" : "s") the model needs: "
                    + missing.joined(separator: ", "),
                hint: "the model's inputs: " + bundle.pipeline.inputs.map(\.name).joined(separator: ", "))
        }
    }

    /// A CSV cell typed by the model's schema: numbers for numeric inputs, text otherwise.
    private func cell(_ text: String, column: String) -> JSONScalar {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || ["na", "nan", "null"].contains(trimmed.lowercased()) { return .null }
        if let feature = bundle.pipeline.inputs.first(where: { $0.name == column }), feature.kind == .number,
            let d = Double(trimmed)
        {
            return .number(d)
        }
        return .text(text)
    }

    static func text(_ scalar: JSONScalar) -> String {
        switch scalar {
        case .number(let d): formatNumber(d)
        case .text(let s): s
        case .null: ""
        }
    }

    private func score(
        _ batch: [(row: [String: JSONScalar], fields: [String], number: Int)], columns: [String], sink: Sink,
        report: inout Report
    ) throws {
        let features = bundle.pipeline.inputs
        // The number rule `serve` applies (422 there): a row with a non-finite number fails.
        let batch = batch.filter { entry in
            for f in features where f.kind == .number {
                guard case .number(let d)? = entry.row[f.name], let problem = JSONScalar.numberProblem(d) else {
                    continue
                }
                diagnostic("row \(entry.number): \(f.name): \(problem); skipped")
                report.rowsFailed += 1
                return false
            }
            return true
        }
        guard !batch.isEmpty else { return }
        // A text where a number is expected is reported and treated as missing, not fatal.
        var rows = batch.map(\.row)
        for (i, row) in rows.enumerated() {
            for f in features where f.kind == .number {
                if case .text(let s)? = row[f.name] {
                    diagnostic(
                        "warning: row \(batch[i].number): \(f.name) = '\(s)' is not a number; treated as missing")
                    report.warnings += 1
                    rows[i][f.name] = .null
                }
            }
        }
        let frame = try JSONScalar.frame(rows: rows, features: features)
        let output = try bundle.pipeline.predict(frame)
        for w in output.warnings {
            let shown = w.rows.map { String(batch[$0].number) }.joined(separator: ", ")
            diagnostic(
                "warning: \(w.column): \(warningText(w)) (row\(w.count == 1 ? "" : "s") \(shown)\(w.count > w.rows.count ? ", …" : ""))"
            )
            report.warnings += 1
        }
        try sink.write(batch.map(\.fields), columns: columns, prediction: output.prediction)
        report.rowsScored += batch.count
    }

    private func warningText(_ w: InputWarning) -> String {
        switch w.kind {
        case .unseenCategory(let v): "'\(v)' was never seen in training"
        case .outOfRange(let v, let lo, let hi):
            "\(formatNumber(v)) is outside the training range \(formatNumber(lo))…\(formatNumber(hi))"
        case .notANumber(let v): "'\(v)' is not a number"
        case .notADate(let v, let format): "'\(v)' is not a date written \(format) as in training; treated as missing"
        }
    }
}

/// Writes prediction rows as CSV or JSON lines to a file (atomically), stdout, or a SQLite table.
final class Sink {
    let output: BatchPrediction.Output
    let format: BatchPrediction.Format
    let pipeline: PipelineModel
    private var handle: FileHandle?
    private var temporaryPath: String?
    /// Where the finished file goes, and whether it replaces one.
    private var destination: (path: String, replacing: Bool, target: FileTarget)?
    private var queue: DatabaseQueue?
    private var postgres: PostgresTableWriter?
    private var wroteHeader = false

    init(output: BatchPrediction.Output, format: BatchPrediction.Format, pipeline: PipelineModel) throws {
        self.output = output
        self.format = format
        self.pipeline = pipeline
        switch output {
        case .stdout:
            handle = .standardOutput
        case .file(let path, let overwrite):
            // Checked before any row is scored; the rows go to a temporary the start-up sweep knows.
            let target = FileTarget(path: path, overwrite: overwrite)
            let (final, existingMode) = try target.destination()
            let temp = TemporaryFiles.temporaryPath(for: final)
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(existingMode ?? 0o644))
            guard fd >= 0 else { throw FileWriteError.failed(path: path, reason: String(cString: strerror(errno))) }
            if let existingMode { fchmod(fd, mode_t(existingMode)) }
            handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            temporaryPath = temp
            destination = (final, existingMode != nil, target)
        case .sqlite(let path, _):
            do { queue = try DatabaseQueue(path: path) } catch {
                throw TabularError.sqlite(path: path, message: String(describing: error))
            }
        case .postgres(let location, let table, let overwrite):
            // Checked (and the transaction opened) before any row is scored.
            postgres = try PostgresTableWriter(location, table: table, replace: overwrite)
        }
    }

    private var outputColumns: [String] {
        let target = pipeline.target.name
        // A conformal predictor adds its set (class names joined by '|') or interval ends.
        let conformal =
            pipeline.conformal.map { _ in
                pipeline.task == .classification ? ["set_" + target] : ["lower_" + target, "upper_" + target]
            } ?? []
        return
            (pipeline.task == .classification
            ? ["predicted_" + target] + pipeline.target.classes.map { "probability_" + $0 }
            : ["predicted_" + target]) + conformal
    }

    func write(_ rows: [[String]], columns: [String], prediction: Prediction) throws {
        let labels = prediction.labels(decision: pipeline.decision).map {
            $0.map { pipeline.target.classes.indices.contains($0) ? pipeline.target.classes[$0] : "" }
        }
        let classes = pipeline.target.classes
        func outputs(_ r: Int) -> [JSONScalar] {
            switch prediction {
            case .probabilities(let p):
                let set: [JSONScalar] =
                    pipeline.conformal.map { c in
                        [
                            .text(
                                c.set(p.row(r)).map { classes.indices.contains($0) ? classes[$0] : "" }.joined(
                                    separator: "|"))
                        ]
                    } ?? []
                return [.text(labels?[r] ?? "")] + (0..<p.columns).map { .number(p[r, $0]) } + set
            case .values(let v):
                let interval: [JSONScalar] =
                    pipeline.conformal.map { c in
                        let ends = c.interval(v[r])
                        return [.number(ends.lower), .number(ends.upper)]
                    } ?? []
                return [.number(v[r])] + interval
            }
        }
        if let postgres {
            if !wroteHeader {
                let inputKinds = Dictionary(pipeline.inputs.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
                let inputs = columns.map {
                    ($0, inputKinds[$0] == .number ? PostgresTableWriter.ColumnType.number : .text)
                }
                let outputs = outputColumns.map { name in
                    (
                        name,
                        name.hasPrefix("probability_") || name.hasPrefix("lower_") || name.hasPrefix("upper_")
                            || (name.hasPrefix("predicted_") && pipeline.task != .classification)
                            ? PostgresTableWriter.ColumnType.number : .text
                    )
                }
                try postgres.create(columns: inputs + outputs)
                wroteHeader = true
            }
            try postgres.insert(
                rows.enumerated().map { r, fields in
                    fields.map { $0.isEmpty ? nil : $0 }
                        + outputs(r).map { scalar -> String? in
                            switch scalar {
                            case .number(let d): d.isFinite ? String(d) : nil
                            case .text(let s): s
                            case .null: nil
                            }
                        }
                })
            return
        }
        if let queue, case .sqlite(_, let table) = output {
            let all = columns + outputColumns
            try queue.write { db in
                if !wroteHeader {
                    let defs = all.map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" }.joined(
                        separator: ", ")
                    try db.execute(sql: "CREATE TABLE IF NOT EXISTS \"\(table)\" (\(defs))")
                }
                let marks = Array(repeating: "?", count: all.count).joined(separator: ", ")
                let statement = try db.makeStatement(sql: "INSERT INTO \"\(table)\" VALUES (\(marks))")
                for (r, fields) in rows.enumerated() {
                    let values: [(any DatabaseValueConvertible)?] =
                        fields.map { $0.isEmpty ? nil : $0 }
                        + outputs(r).map { scalar -> (any DatabaseValueConvertible)? in
                            switch scalar {
                            case .number(let d): d
                            case .text(let s): s
                            case .null: nil
                            }
                        }
                    try statement.execute(arguments: StatementArguments(values))
                }
            }
            wroteHeader = true
            return
        }
        var text = ""
        switch format {
        case .csv:
            if !wroteHeader {
                text += (columns + outputColumns).map { CSVWriter.field($0) }.joined(separator: ",") + "\n"
            }
            for (r, fields) in rows.enumerated() {
                text +=
                    (fields + outputs(r).map(BatchPrediction.text)).map { CSVWriter.field($0) }.joined(separator: ",")
                    + "\n"
            }
        case .jsonl:
            let encoder = ModelCoding.encoder()
            for (r, fields) in rows.enumerated() {
                var object: [String: JSONScalar] = [:]
                for (i, c) in columns.enumerated() {
                    object[c] =
                        fields[i].isEmpty ? .null : (Double(fields[i]).map(JSONScalar.number) ?? .text(fields[i]))
                }
                for (c, v) in zip(outputColumns, outputs(r)) { object[c] = v }
                text += String(decoding: try encoder.encode(object), as: UTF8.self) + "\n"
            }
        }
        wroteHeader = true
        handle?.write(Data(text.utf8))
    }

    /// Moves a finished output file into place.
    func finish() throws {
        if let postgres {
            // A run with no rows still leaves its (empty) table.
            if !wroteHeader { try postgres.create(columns: outputColumns.map { ($0, .text) }) }
            try postgres.commit()
        }
        guard let temporaryPath, let destination else { return }
        try handle?.close()
        handle = nil
        self.temporaryPath = nil
        try FileTarget.moveIntoPlace(
            temporaryPath, destination.path, replacing: destination.replacing, shown: destination.target.shown,
            caveat: destination.target.caveat)
    }

    func close() {
        postgres?.close()
        if let temporaryPath {
            try? handle?.close()
            try? FileManager.default.removeItem(atPath: temporaryPath)
        }
    }
}
