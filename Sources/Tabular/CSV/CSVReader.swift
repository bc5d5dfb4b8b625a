#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads CSV/TSV text (RFC 4180) into a `DataFrame`, in parallel, inferring each column's type from all its values.
///
/// Semantics, beyond RFC 4180:
/// - A UTF-8 byte order mark is skipped; records end with LF or CRLF; trailing line ends are ignored.
///   A blank line inside the data is a record with one empty field (missing in a one-column file,
///   a ragged row otherwise).
/// - Unquoted values are trimmed of surrounding spaces (and tabs, unless tab separates fields);
///   quoted text is kept verbatim. Spaces around a quoted field are allowed and ignored.
/// - A value is missing when, trimmed, it is empty or a missing token (ASCII-case-insensitive).
///   An explicitly quoted empty field (`""`) is missing too.
/// - A column is numeric when every present value is a number (see `CSVNumberParser`); otherwise it is
///   categorical, levels in order of first appearance. An all-missing column is numeric (all NaN).
/// - The result does not depend on the thread count.
public enum CSVReader {
    /// Bytes per first-pass range; chunks are about this size. Small enough that a worker's pages
    /// can be released soon after parsing, large enough that per-chunk overhead vanishes.
    static let defaultChunkSize = 1 << 21

    /// Reads a whole file into a DataFrame. `displayName` is what errors show as the file (default: the path as given).
    public static func read(path: String, options: CSVOptions = CSVOptions(), displayName: String? = nil) throws -> DataFrame {
        try read(path: path, options: options, displayName: displayName, chunkSize: defaultChunkSize)
    }

    /// Same, for bytes already in memory (tests, stdin).
    public static func read(data: [UInt8], name: String, options: CSVOptions = CSVOptions()) throws -> DataFrame {
        try read(data: data, name: name, options: options, chunkSize: defaultChunkSize)
    }

    /// Reads a whole file into a DataFrame and also returns the file's fingerprint (`Fingerprint.ofFile`),
    /// hashed from the bytes already in memory on a thread of its own while the parse runs, instead
    /// of reading the file a second time after it.
    public static func readFingerprinted(path: String, options: CSVOptions = CSVOptions(),
                                         displayName: String? = nil) throws -> (frame: DataFrame, fingerprint: String) {
        var fingerprint = ""
        let frame = try read(path: path, options: options, displayName: displayName, chunkSize: defaultChunkSize) { digest in
            fingerprint = digest
        }
        return (frame, fingerprint)
    }

    static func read(path: String, options: CSVOptions, displayName: String?, chunkSize: Int,
                     fingerprint: ((String) -> Void)? = nil) throws -> DataFrame {
        let name = displayName ?? path
        let separator = options.resolvedSeparator(forName: path)
        // The file's size is checked against the budget before it is read whole.
        let file = try CSVFileBytes(path: path, name: name, separator: separator, budget: options.memoryBudgetBytes)
        return try withExtendedLifetime(file) {
            let hashing = fingerprint.map { _ in BackgroundFingerprint(file.bytes) }
            // The hashing thread reads the bytes: it must finish before they are freed, error or not.
            defer { if let hashing, let fingerprint { fingerprint(hashing.wait()) } }
            return try read(bytes: file.bytes, name: name, separator: separator, options: options, chunkSize: chunkSize, checkBudget: false)
        }
    }

    /// `chunkSize` lets tests force tiny chunks, so that chunk boundaries fall everywhere.
    static func read(data: [UInt8], name: String, options: CSVOptions, chunkSize: Int) throws -> DataFrame {
        try data.withUnsafeBufferPointer { bytes in
            try read(bytes: bytes, name: name, separator: options.resolvedSeparator(forName: name),
                     options: options, chunkSize: chunkSize, checkBudget: true)
        }
    }

    // MARK: - The pipeline

    private static func read(bytes: UnsafeBufferPointer<UInt8>, name: String, separator: UInt8,
                             options: CSVOptions, chunkSize: Int, checkBudget: Bool) throws -> DataFrame {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw TabularError.emptyFile(path: name) }
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        if let nul = memchr(base, 0, min(bytes.count, 1 << 16)) {
            throw TabularError.binaryFile(path: name, offset: UnsafeRawPointer(nul) - UnsafeRawPointer(base))
        }
        var end = bytes.count
        while end > start && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
        guard end > start else { throw TabularError.emptyFile(path: name) }
        let errors = CSVErrorLocator(bytes: bytes, name: name)

        // Header (or, without one, the first record's width).
        let tokenizer = CSVTokenizer(base: base, separator: separator)
        let header: (fields: [CSVTokenizer.Field], next: UnsafePointer<UInt8>)
        do { header = try tokenizer.record(at: base + start, end: base + end) } catch { throw errors.error(for: error, columns: []) }
        let names: [String]
        let dataStart: Int
        if options.hasHeader {
            names = try columnNames(header.fields, tokenizer: tokenizer, errors: errors)
            dataStart = header.next - base
            guard dataStart < end else { throw TabularError.headerOnly(path: name) }
        } else {
            names = (1...header.fields.count).map { "column_\($0)" }
            dataStart = start
        }
        let modes = try initialModes(names: names, types: options.types)
        if checkBudget, let budget = options.memoryBudgetBytes {
            let sample = UnsafeBufferPointer(rebasing: bytes[start..<min(end, start + CSVFileBytes.sampleBytes)])
            let estimate = estimatedBytes(sample: sample, totalBytes: bytes.count, separator: separator)
            if estimate > budget { throw TabularError.tooLarge(path: name, estimatedBytes: estimate, budgetBytes: budget) }
        }

        // First pass: record boundaries.
        let threads = options.threads > 0 ? options.threads : activeCores()
        let length = end - dataStart
        let rangeCount = min(length, max(threads, (length + chunkSize - 1) / max(1, chunkSize)))
        let rangeStarts = (0...rangeCount).map { dataStart + Int((Int64(length) * Int64($0)) / Int64(rangeCount)) }
        let shared = SharedPointer(base)
        let scans = parallelMap(rangeCount, workers: threads) { i in
            CSVChunker.scan(shared.pointer, from: rangeStarts[i], to: rangeStarts[i + 1])
        }
        if let nul = scans.first(where: { $0.firstNUL >= 0 }) {
            throw TabularError.binaryFile(path: name, offset: nul.firstNUL)
        }
        let chunks = CSVChunker.chunks(start: dataStart, end: end, scans: scans)
        let rows = chunks[chunks.count - 1].firstRow + chunks[chunks.count - 1].rowCount

        // Second pass: parse into column storage, settle types, build the columns.
        var textColumns: [Int: ColumnData] = [:]
        let numeric = try CSVColumnStorage.withStorage(columns: names.count, rows: rows) { slots -> [Bool] in
            let assembly = CSVColumnAssembly(
                base: base, separator: separator, slots: slots, missing: CSVMissingTokens(options.missingTokens),
                chunks: chunks, threads: threads)
            do {
                textColumns = try assembly.run(modes: modes, rows: rows)
            } catch let issue as CSVParseIssue {
                throw errors.error(for: issue, columns: names)
            }
            return (0..<names.count).map { textColumns[$0] == nil }
        }
        var columns: [Column] = []
        columns.reserveCapacity(names.count)
        for (i, columnName) in names.enumerated() {
            if let text = textColumns[i] {
                columns.append(Column(name: columnName, data: text))
            } else if let values = numeric[i] {
                columns.append(Column(name: columnName, data: .numeric(values)))
            } else {
                preconditionFailure("internal error: column \(i) has no storage")
            }
        }
        return DataFrame(unchecked: columns, rowCount: rows)
    }

    /// Header names: undoubled, valid UTF-8, non-empty, unique.
    private static func columnNames(_ fields: [CSVTokenizer.Field], tokenizer: CSVTokenizer, errors: CSVErrorLocator) throws -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        for (i, field) in fields.enumerated() {
            let bytes = field.escaped ? tokenizer.unescape(field) : Array(UnsafeBufferPointer(start: field.start, count: field.end - field.start))
            let offset = field.start - tokenizer.base
            guard bytes.withUnsafeBufferPointer(isValidUTF8) else {
                throw TabularError.invalidUTF8(errors.location(offset, column: i + 1))
            }
            let name = String(decoding: bytes, as: UTF8.self)
            guard name.contains(where: { $0 != " " && $0 != "\t" }) else {
                throw TabularError.emptyColumnName(errors.location(offset, column: i + 1))
            }
            if seen.contains(name), let first = names.firstIndex(of: name) {
                throw TabularError.duplicateHeaderName(errors.location(offset, column: i + 1), name: name, firstColumn: first + 1)
            }
            seen.insert(name)
            names.append(name)
        }
        return names
    }

    private static func initialModes(names: [String], types: [String: ColumnKind]) throws -> [CSVChunkParser.Mode] {
        var modes = [CSVChunkParser.Mode](repeating: .numeric, count: names.count)
        for (column, kind) in types.sorted(by: { $0.key < $1.key }) {
            guard let index = names.firstIndex(of: column) else {
                throw TabularError.unknownColumn(column, available: names)
            }
            modes[index] = kind == .text ? .text : .forcedNumeric
        }
        return modes
    }

    /// Peak memory for reading a CSV of `totalBytes` whose first bytes are `sample`, from the
    /// storage each column will use (see `CSVMemoryEstimate`).
    static func estimatedBytes(sample: UnsafeBufferPointer<UInt8>, totalBytes: Int, separator: UInt8) -> Int {
        CSVMemoryEstimate.estimate(sample: sample, totalBytes: totalBytes, separator: separator)
    }

    private static func activeCores() -> Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
