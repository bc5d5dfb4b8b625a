public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a `DataFrame` as RFC 4180 CSV: header line, LF line ends, missing values as empty fields.
///
/// A field is quoted when it contains the separator, a quote, CR or LF, or has surrounding spaces or
/// tabs (which the reader would trim otherwise); quotes inside are doubled. Numbers use the shortest
/// text that reads back as the same Double. What does not survive a round trip: text that equals a
/// missing token (such as "NA"), and a text column whose every value looks like a number (it reads back numeric).
public enum CSVWriter {
    /// The whole table as CSV text.
    public static func string(_ frame: DataFrame, separator: UInt8 = UInt8(ascii: ",")) -> String {
        String(decoding: bytes(frame, separator: separator), as: UTF8.self)
    }

    /// The CSV bytes of the table, separated as a file named `path` would be (tabs for .tsv).
    public static func data(_ frame: DataFrame, forPath path: String) -> Data {
        Data(bytes(frame, separator: CSVOptions.defaultSeparator(forName: path)))
    }

    /// Writes the table to `path` atomically: into a temporary file in the same folder, then renamed over `path`.
    public static func write(_ frame: DataFrame, to path: String, separator: UInt8? = nil) throws {
        let data = bytes(frame, separator: separator ?? CSVOptions.defaultSeparator(forName: path))
        let folderEnd = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let temporary = String(path[..<folderEnd]) + ".\(path[folderEnd...]).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw writeError(path, errno) }
        var written = 0
        let failure: Int32? = data.withUnsafeBytes { raw in
            guard let start = raw.baseAddress else { return nil }
            while written < raw.count {
                let n = systemWrite(fd, start + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        if let failure {
            close(fd)
            unlink(temporary)
            throw writeError(path, failure)
        }
        guard close(fd) == 0 else {
            let code = errno
            unlink(temporary)
            throw writeError(path, code)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw writeError(path, code)
        }
    }

    private static func writeError(_ path: String, _ code: Int32) -> TabularError {
        let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return .writeFailed(path: path, reason: reason)
    }

    /// The CSV bytes of the table.
    static func bytes(_ frame: DataFrame, separator: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        for (i, column) in frame.columns.enumerated() {
            if i > 0 { out.append(separator) }
            // A name starting with a byte-order mark would be read as the file's BOM and lose it;
            // quoted, the file starts with a quote and the mark stays part of the name.
            let name = Array(column.name.utf8)
            appendField(
                name, to: &out, separator: separator, forceQuotes: i == 0 && name.starts(with: [0xEF, 0xBB, 0xBF]))
        }
        out.append(0x0A)
        // Render each level once, not once per row.
        let rendered: [[[UInt8]]] = frame.columns.map { column in
            guard case .categorical(_, let levels) = column.data else { return [] }
            return levels.map { level in
                var field: [UInt8] = []
                appendField(Array(level.utf8), to: &field, separator: separator)
                return field
            }
        }
        // In a one-column table a missing value would be an empty line, which the reader drops at
        // the end of the file; a quoted empty field reads back as missing wherever it is.
        let missing: [UInt8] = frame.columnCount == 1 ? [0x22, 0x22] : []
        for row in 0..<frame.rowCount {
            for (c, column) in frame.columns.enumerated() {
                if c > 0 { out.append(separator) }
                switch column.data {
                case .numeric(let values):
                    if values[row].isNaN {
                        out.append(contentsOf: missing)
                    } else {
                        out.append(contentsOf: formatNumber(values[row]).utf8)
                    }
                case .categorical(let codes, _):
                    let code = Int(codes[row])
                    out.append(contentsOf: code >= 0 ? rendered[c][code] : missing)
                }
            }
            out.append(0x0A)
        }
        return out
    }

    /// One field as it appears in a CSV line: quoted only when it must be, so that it reads back
    /// as the same text (for writers that stream rows, such as batch prediction).
    public static func field(_ text: String, separator: UInt8 = UInt8(ascii: ",")) -> String {
        var out: [UInt8] = []
        appendField(Array(text.utf8), to: &out, separator: separator)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendField(
        _ bytes: [UInt8], to out: inout [UInt8], separator: UInt8, forceQuotes: Bool = false
    ) {
        let padded = bytes.first.map(isPadding) == true || bytes.last.map(isPadding) == true
        let needsQuotes =
            forceQuotes || padded || bytes.contains { $0 == separator || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(0x22)
        for b in bytes {
            if b == 0x22 { out.append(0x22) }
            out.append(b)
        }
        out.append(0x22)
    }

    private static func isPadding(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
}

/// `write(2)`, under a name that the writer's own `write` does not shadow.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
    #else
    Darwin.write(fd, buffer, count)
    #endif
}
