#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Tabular
import Diagnostics

/// A malformed input and the error it must produce.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    var label: String
    var bytes: [UInt8]
    var error: TabularError
    var testDescription: String { label }

    init(_ label: String, _ text: String, _ error: TabularError) {
        self.init(label, Array(text.utf8), error)
    }

    init(_ label: String, _ bytes: [UInt8], _ error: TabularError) {
        self.label = label
        self.bytes = bytes
        self.error = error
    }
}

private func at(_ line: Int, _ column: Int) -> FileLocation { FileLocation(file: "t.csv", line: line, column: column) }

@Suite("CSV reader: errors")
struct CSVErrorTests {
    static let cases: [MalformedCase] = [
        MalformedCase("empty file", "", .emptyFile(path: "t.csv")),
        MalformedCase("only line ends", "\n\r\n", .emptyFile(path: "t.csv")),
        MalformedCase("only a BOM", [0xEF, 0xBB, 0xBF], .emptyFile(path: "t.csv")),
        MalformedCase("header only", "a,b\n", .headerOnly(path: "t.csv")),
        MalformedCase("header only, no newline", "a,b", .headerOnly(path: "t.csv")),
        MalformedCase("NUL byte", [0x61, 0x0A, 0x31, 0x00, 0x0A], .binaryFile(path: "t.csv", offset: 3)),
        MalformedCase(
            "NUL byte after 64 KiB",
            Array("a\n".utf8) + Array(repeating: UInt8(ascii: "1"), count: 70_000) + [0x0A, 0x00, 0x0A],
            .binaryFile(path: "t.csv", offset: 70_003)),
        MalformedCase(
            "invalid UTF-8", [0x61, 0x2C, 0x62, 0x0A, 0x31, 0x2C, 0x78, 0x0A, 0x32, 0x2C, 0xFF, 0x0A],
            .invalidUTF8(at(3, 2))),
        MalformedCase(
            "invalid UTF-8 in header", [0x61, 0x2C, 0xC3, 0x28, 0x0A, 0x31, 0x2C, 0x32, 0x0A], .invalidUTF8(at(1, 2))),
        MalformedCase("unterminated quote", "a,b\n1,2\n3,\"open\n4,5\n", .unterminatedQuote(at(3, 2))),
        MalformedCase("too few fields", "a,b,c\n1,2,3\n4,5\n", .raggedRow(at(3, 3), expected: 3, found: 2)),
        MalformedCase("too many fields", "a,b\n1,2\n3,4,5,6\n", .raggedRow(at(3, 3), expected: 2, found: 4)),
        MalformedCase("blank line inside", "a,b\n1,2\n\n3,4\n", .raggedRow(at(3, 2), expected: 2, found: 1)),
        MalformedCase(
            "line after quoted newlines", "a,b\n\"x\ny\nz\",1\n2\n", .raggedRow(at(5, 2), expected: 2, found: 1)),
        MalformedCase("quote inside unquoted field", "a,b\n1,ab\"c\n", .unexpectedQuote(at(2, 2))),
        MalformedCase("text after closing quote", "a,b\n1,\"ab\"c\n", .unexpectedQuote(at(2, 2))),
        MalformedCase("empty column name", "a,,c\n1,2,3\n", .emptyColumnName(at(1, 2))),
        MalformedCase("blank column name", "a,\"  \"\n1,2\n", .emptyColumnName(at(1, 2))),
        MalformedCase(
            "duplicate column names", "a,b,a\n1,2,3\n",
            .duplicateHeaderName(FileLocation(file: "t.csv", line: 1, column: 3), name: "a", firstColumn: 1)),
    ]

    @Test(arguments: cases)
    func malformedInput(_ c: MalformedCase) {
        #expect(throws: c.error) { try loadCSVBytes(c.bytes) }
    }

    /// The same errors, located the same way, whatever the chunking and thread count.
    @Test(arguments: [1, 2, 3, 5, 8])
    func errorsDoNotDependOnChunking(chunkSize: Int) {
        for c in Self.cases {
            var options = CSVOptions()
            options.threads = 2
            #expect(throws: c.error, "\(c.label)") {
                try CSVReader.read(
                    data: c.bytes, name: "t.csv", options: options, chunkSize: chunkSize, windowSize: 2 * chunkSize)
            }
        }
    }

    @Test func messagesSayWhereAndWhatToDo() {
        let message = TabularError.raggedRow(at(3, 3), expected: 3, found: 2).description
        #expect(message.contains("t.csv:3"))
        #expect(message.contains("\nhint: "))
    }

    @Test func missingFileAndFolder() {
        #expect(throws: TabularError.fileNotFound(path: "/nonexistent/x.csv")) {
            try CSVReader.read(path: "/nonexistent/x.csv")
        }
        #expect(throws: TabularError.isDirectory(path: "/tmp")) { try CSVReader.read(path: "/tmp") }
        #expect(throws: TabularError.fileNotFound(path: "shown.csv")) {
            try CSVReader.read(path: "/nonexistent/x.csv", displayName: "shown.csv")
        }
    }

    /// Creates an empty file with the given permissions and returns its path.
    private func emptyFile(_ label: String, mode: mode_t) throws -> String {
        let path = "/tmp/csv-tests-\(getpid())-\(label).csv"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        try #require(fd >= 0)
        close(fd)
        return path
    }

    @Test(.enabled(if: geteuid() != 0, "root can read any file"))
    func permissionDenied() throws {
        let path = try emptyFile("noperm", mode: 0o000)
        defer { unlink(path) }
        #expect(throws: TabularError.permissionDenied(path: path)) { try CSVReader.read(path: path) }
    }

    @Test func emptyFileOnDisk() throws {
        let path = try emptyFile("empty", mode: 0o644)
        defer { unlink(path) }
        #expect(throws: TabularError.emptyFile(path: path)) { try CSVReader.read(path: path) }
    }
}
