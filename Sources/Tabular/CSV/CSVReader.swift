#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Parallelism

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
    /// Bytes read at a time: the file is never in memory whole, so a load's peak is the decoded
    /// table plus about one window (a record longer than a window gets a window of its own).
    static let defaultWindowSize = 1 << 25

    /// Reads a whole file into a DataFrame. `displayName` is what errors show as the file (default: the path as given).
    public static func read(path: String, options: CSVOptions = CSVOptions(), displayName: String? = nil) throws
        -> DataFrame
    {
        try read(path: path, options: options, displayName: displayName, chunkSize: defaultChunkSize)
    }

    /// Same, for bytes already in memory (tests, stdin).
    public static func read(data: [UInt8], name: String, options: CSVOptions = CSVOptions()) throws -> DataFrame {
        try read(data: data, name: name, options: options, chunkSize: defaultChunkSize)
    }

    /// Reads a whole file into a DataFrame and also returns the file's fingerprint (`Fingerprint.ofFile`),
    /// hashed from the windows as they are parsed instead of reading the file again after it.
    public static func readFingerprinted(
        path: String, options: CSVOptions = CSVOptions(),
        displayName: String? = nil
    ) throws -> (frame: DataFrame, fingerprint: String) {
        var fingerprint = ""
        let frame = try read(path: path, options: options, displayName: displayName, chunkSize: defaultChunkSize) {
            digest in
            fingerprint = digest
        }
        return (frame, fingerprint)
    }

    /// `chunkSize` and `windowSize` let tests force tiny chunks and windows, so that their
    /// boundaries fall everywhere.
    static func read(
        path: String, options: CSVOptions, displayName: String?, chunkSize: Int,
        windowSize: Int = defaultWindowSize, fingerprint: ((String) -> Void)? = nil
    ) throws -> DataFrame {
        let name = displayName ?? path
        let separator = options.resolvedSeparator(forName: path)
        // The file's size is checked against the budget (from a sample) before it is read.
        let file = try CSVFileSource(path: path, name: name, separator: separator, budget: options.memoryBudgetBytes)
        let hasher = fingerprint.map { _ in IncrementalFingerprint() }
        let frame: DataFrame
        do {
            frame = try read(
                source: file, name: name, separator: separator, options: options, chunkSize: chunkSize,
                windowSize: windowSize, checkBudget: false, hasher: hasher)
        } catch {
            // A file written while it was read explains whatever error its bytes caused.
            try file.checkUnchanged()
            throw error
        }
        try file.checkUnchanged()
        if let hasher, let fingerprint { fingerprint(hasher.finalize()) }
        return frame
    }

    static func read(
        data: [UInt8], name: String, options: CSVOptions, chunkSize: Int,
        windowSize: Int = defaultWindowSize
    ) throws -> DataFrame {
        try data.withUnsafeBufferPointer { bytes in
            try read(
                source: CSVMemorySource(bytes: bytes), name: name, separator: options.resolvedSeparator(forName: name),
                options: options, chunkSize: chunkSize, windowSize: windowSize, checkBudget: true, hasher: nil)
        }
    }

    // MARK: - The pipeline

    /// Two passes over the source, a window at a time: the first finds the record boundaries (and
    /// so the row count and the chunks), the second parses the chunks into column storage sized
    /// for exactly those rows, hashing the bytes as it goes when asked to.
    private static func read(
        source: some CSVSource, name: String, separator: UInt8, options: CSVOptions,
        chunkSize: Int, windowSize: Int, checkBudget: Bool, hasher: IncrementalFingerprint?
    ) throws -> DataFrame {
        let size = source.count
        guard size > 0 else { throw TabularError.emptyFile(path: name) }
        let errors = CSVErrorLocator(source: source, name: name)
        let chunkSize = max(1, chunkSize)
        let window = max(chunkSize, windowSize / chunkSize * chunkSize)

        // A byte order mark; a NUL early on (a binary file); the trailing line ends, which are ignored.
        let start = try source.withBytes(offset: 0, count: min(size, 1 << 16)) { bytes throws -> Int in
            guard let base = bytes.baseAddress else { return 0 }
            if let nul = memchr(base, 0, bytes.count) {
                throw TabularError.binaryFile(path: name, offset: UnsafeRawPointer(nul) - UnsafeRawPointer(base))
            }
            return bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        }
        let end = try dataEnd(source, start: start)
        guard end > start else { throw TabularError.emptyFile(path: name) }

        // Header (or, without one, the first record's width).
        let (names, dataStart) = try header(
            source, start: start, end: end, window: window, separator: separator,
            hasHeader: options.hasHeader, errors: errors)
        if options.hasHeader { guard dataStart < end else { throw TabularError.headerOnly(path: name) } }
        let modes = try initialModes(names: names, types: options.types)
        if checkBudget, let budget = options.memoryBudgetBytes {
            let estimate = try source.withBytes(offset: start, count: min(end - start, CSVFileSource.sampleBytes)) {
                sample in
                estimatedBytes(sample: sample, totalBytes: size, separator: separator)
            }
            if estimate > budget {
                throw TabularError.tooLarge(path: name, estimatedBytes: estimate, budgetBytes: budget)
            }
        }

        // First pass: record boundaries, window by window, its ranges scanned in parallel.
        let threads = options.threads > 0 ? options.threads : activeCores()
        var scans: [CSVChunker.RangeScan] = []
        var position = dataStart
        while position < end {
            let length = min(window, end - position)
            let windowScans = try source.withBytes(offset: position, count: length) { bytes -> [CSVChunker.RangeScan] in
                guard let base = bytes.baseAddress else { return [] }
                let shared = SharedPointer(base)
                let ranges = (length + chunkSize - 1) / chunkSize
                return parallelMap(ranges, threads: threads) { i in
                    CSVChunker.scan(shared.pointer, from: i * chunkSize, to: min(length, (i + 1) * chunkSize))
                }
            }
            scans += windowScans.map { $0.shifted(by: position) }
            position += length
        }
        if let nul = scans.first(where: { $0.firstNUL >= 0 }) {
            throw TabularError.binaryFile(path: name, offset: nul.firstNUL)
        }
        let chunks = CSVChunker.chunks(start: dataStart, end: end, scans: scans)
        let rows = chunks[chunks.count - 1].firstRow + chunks[chunks.count - 1].rowCount

        // Second pass: parse into column storage, settle types, build the columns. The hash covers
        // every byte: the header before the chunks, the chunks as they are parsed, the line ends after.
        if let hasher { try source.withBytes(offset: 0, count: dataStart) { hasher.update($0) } }
        var textColumns: [Int: ColumnData] = [:]
        let numeric = try CSVColumnStorage.withStorage(columns: names.count, rows: rows) { slots -> [Bool] in
            let assembly = CSVColumnAssembly(
                source: source, separator: separator, slots: slots, missing: CSVMissingTokens(options.missingTokens),
                chunks: chunks, threads: threads, windowSize: window, hasher: hasher)
            do {
                textColumns = try assembly.run(modes: modes, rows: rows)
            } catch let issue as CSVParseIssue {
                throw errors.error(for: issue, columns: names)
            }
            return (0..<names.count).map { textColumns[$0] == nil }
        }
        if let hasher, end < size { try source.withBytes(offset: end, count: size - end) { hasher.update($0) } }
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

    /// Where the data ends once trailing line ends are left out (read backwards from the end).
    private static func dataEnd(_ source: some CSVSource, start: Int) throws -> Int {
        var end = source.count
        while end > start {
            let length = min(1 << 16, end - start)
            let kept = try source.withBytes(offset: end - length, count: length) { bytes -> Int in
                var kept = bytes.count
                while kept > 0 && (bytes[kept - 1] == 0x0A || bytes[kept - 1] == 0x0D) { kept -= 1 }
                return kept
            }
            end -= length - kept
            if kept > 0 { break }
        }
        return end
    }

    /// The column names (from the header, or `column_1…` for the first record's width) and where
    /// the data starts. The window grows until it holds the whole first record.
    private static func header(
        _ source: some CSVSource, start: Int, end: Int, window: Int, separator: UInt8,
        hasHeader: Bool, errors: CSVErrorLocator
    ) throws -> (names: [String], dataStart: Int) {
        var length = min(end - start, window)
        while true {
            let reachesEnd = start + length == end
            // The issue (shifted to the file's offsets) is turned into an error outside the window.
            let found = try source.withBytes(offset: start, count: length) {
                bytes -> Result<(fields: [[UInt8]], offsets: [Int], dataStart: Int), CSVParseIssue>? in
                guard let base = bytes.baseAddress else { return nil }
                // Without a record end at even quote parity, the first record goes on past this window.
                guard reachesEnd || CSVChunker.scan(base, from: 0, to: bytes.count).firstNewline(atParity: 0) >= 0
                else { return nil }
                let tokenizer = CSVTokenizer(base: base, separator: separator)
                do throws(CSVParseIssue) {
                    let record = try tokenizer.record(at: base, end: base + bytes.count)
                    return .success(
                        (
                            fields: record.fields.map {
                                $0.escaped
                                    ? tokenizer.unescape($0)
                                    : Array(UnsafeBufferPointer(start: $0.start, count: $0.end - $0.start))
                            },
                            offsets: record.fields.map { start + ($0.start - base) },
                            dataStart: start + (record.next - base)
                        ))
                } catch {
                    return .failure(error.shifted(by: start))
                }
            }
            switch found {
            case .success(let record)?:
                guard hasHeader else { return ((1...record.fields.count).map { "column_\($0)" }, start) }
                return (try columnNames(record.fields, offsets: record.offsets, errors: errors), record.dataStart)
            case .failure(let issue)?:
                throw errors.error(for: issue, columns: [])
            case nil:
                length = min(end - start, length * 2)
            }
        }
    }

    /// Header names (their bytes undoubled, at `offsets` in the file): valid UTF-8, non-empty, unique.
    private static func columnNames(_ fields: [[UInt8]], offsets: [Int], errors: CSVErrorLocator) throws -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        for (i, bytes) in fields.enumerated() {
            let offset = offsets[i]
            guard bytes.withUnsafeBufferPointer(isValidUTF8) else {
                throw TabularError.invalidUTF8(errors.location(offset, column: i + 1))
            }
            let name = String(decoding: bytes, as: UTF8.self)
            guard name.contains(where: { $0 != " " && $0 != "\t" }) else {
                throw TabularError.emptyColumnName(errors.location(offset, column: i + 1))
            }
            if seen.contains(name), let first = names.firstIndex(of: name) {
                throw TabularError.duplicateHeaderName(
                    errors.location(offset, column: i + 1), name: name, firstColumn: first + 1)
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
