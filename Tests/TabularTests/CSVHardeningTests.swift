import Foundation
import Testing
@testable import Tabular
import Diagnostics

/// Issue 19, the CSV part: non-regular files refused, a file growing while it loads reported,
/// a duplicate header located, and a memory estimate from the storage each column uses.
@Suite("CSV hardening (issue 19)")
struct CSVHardeningTests {
    private static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "wb-csv-hardening-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `/dev/zero` was read until half the memory was used; a FIFO blocked the open forever.
    @Test func devicesAndFIFOsAreRefusedBeforeReading() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #require(mkfifo(folder + "/p.csv", 0o600) == 0)
        #expect(throws: TabularError.notRegularFile(path: "/dev/zero", kind: "a character device")) {
            try CSVReader.read(path: "/dev/zero")
        }
        #expect(throws: TabularError.notRegularFile(path: "p.csv", kind: "a FIFO (named pipe)")) {
            try CSVReader.read(path: folder + "/p.csv", displayName: "p.csv")
        }
        let message = TabularError.notRegularFile(path: "p.csv", kind: "a FIFO (named pipe)").description
        #expect(
            message
                == "p.csv is a FIFO (named pipe), not a data file; refusing to read it (it may never end)\nhint: save the data to a regular .csv or .tsv file and load that"
        )
    }

    /// A writer appending while the file loads: the last value read may be torn (123 of
    /// 123456789), so the load is refused with what happened, instead of a wrong table.
    @Test func growthWhileReadingIsReported() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/growing.csv"
        // "a,b\n" + "1,2\n" + "3,123": 4 + 4 + 5 = 13 bytes; the writer adds "456789\n", 7 more.
        try "a,b\n1,2\n3,123".write(toFile: path, atomically: false, encoding: .utf8)
        let append = {
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            handle.seekToEndOfFile()
            handle.write(Data("456789\n".utf8))
            try? handle.close()
        }
        #expect(
            throws: TabularError.grewWhileReading(
                path: "growing.csv", readBytes: 13, nowBytes: 20, lastLineComplete: false)
        ) {
            let file = try CSVFileSource(path: path, name: "growing.csv", separator: UInt8(ascii: ","), budget: nil)
            try file.withBytes(offset: 0, count: file.count) { #expect($0.count == 13) }
            append()
            try file.checkUnchanged()
        }
        let message = TabularError.grewWhileReading(
            path: "growing.csv", readBytes: 13, nowBytes: 20, lastLineComplete: false
        ).description
        #expect(
            message.hasPrefix(
                "growing.csv changed while it was being read (13 bytes read, 20 there now); the last line read has no line end, so its last value may be cut short"
            ))
        // Unchanged, the same file loads (its last line has no line end, which is fine on its own).
        let frame = try CSVReader.read(path: path)
        #expect(frame.rowCount == 2)
    }

    /// A file rewritten in place to the same size is caught by its modification time.
    @Test func rewriteOfTheSameSizeIsReported() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/same.csv"
        try "a,b\n1,2\n".write(toFile: path, atomically: false, encoding: .utf8)
        var past = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        try #require(utimensat(AT_FDCWD, path, &past, 0) == 0)
        let rewrite = {
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            handle.write(Data("a,b\n3,4\n".utf8))
            try? handle.close()
        }
        #expect(
            throws: TabularError.grewWhileReading(path: "same.csv", readBytes: 8, nowBytes: 8, lastLineComplete: true)
        ) {
            let file = try CSVFileSource(path: path, name: "same.csv", separator: UInt8(ascii: ","), budget: nil)
            try file.withBytes(offset: 0, count: file.count) { _ in }
            rewrite()
            try file.checkUnchanged()
        }
    }

    /// dup_header.csv's error named neither file nor line; now both, and the first column with the name.
    @Test func duplicateHeaderIsLocated() throws {
        do {
            _ = try loadCSV("\u{FEFF}a,b,a\n1,2,3\n", name: "dup_header.csv")
            Issue.record("expected an error")
        } catch let error as TabularError {
            #expect(
                error
                    == .duplicateHeaderName(
                        FileLocation(file: "dup_header.csv", line: 1, column: 3), name: "a", firstColumn: 1))
            #expect(
                error.description
                    == "duplicate column name 'a' at dup_header.csv:1:3 (column 1 has the same name)\nhint: column names must be unique; rename one in the header"
            )
        }
    }

    // MARK: item 13: the memory estimate

    /// Hand-checked: 4 records of a numeric and a text column, the file 4 times as long.
    @Test func estimateCountsEachColumnsStorage() {
        let sample = Array("n,t\n1,aa\n2,bb\n3,aa\n".utf8)  // header 4 bytes, 3 records in 15 bytes
        let total = 4 + 15 * 4  // 64 bytes: 12 rows
        let estimate = sample.withUnsafeBufferPointer {
            CSVReader.estimatedBytes(sample: $0, totalBytes: total, separator: UInt8(ascii: ","))
        }
        // n: numeric, 12 × 8 = 96.
        // t: 2 distinct of 3 (fraction 2/3): levels = min(12, 2 + 9 × 4/9) = 6;
        //    12 rows × 12 = 144, 6 levels × (90 + 2 × 2) = 564.
        // 64 + 96 + 144 + 564 = 868.
        #expect(estimate == 868)
        let huge = sample.withUnsafeBufferPointer {
            CSVReader.estimatedBytes(sample: $0, totalBytes: Int.max / 2, separator: UInt8(ascii: ","))
        }
        #expect(huge == Int.max)
    }

    /// All-distinct long text (names, comments) costs far more per byte than numbers: the old
    /// estimate (bytes + 8 per cell) let a 54 MB text file pass a 100 MB budget and peak at 553 MB.
    @Test func textHeavyEstimateIsLargerThanNumeric() {
        var numeric = "a,b\n"
        var text = "a,b\n"
        for i in 0..<2_000 {
            numeric += "\(i).25,\(i * 3).5\n"
            text += "user number \(i) with a long name,\"free text comment \(i) that goes on\"\n"
        }
        func perByte(_ s: String) -> Double {
            let bytes = Array(s.utf8)
            let estimate = bytes.withUnsafeBufferPointer {
                CSVReader.estimatedBytes(
                    sample: UnsafeBufferPointer(rebasing: $0.prefix(1 << 16)), totalBytes: bytes.count * 100,
                    separator: UInt8(ascii: ","))
            }
            return Double(estimate) / Double(bytes.count * 100)
        }
        #expect(perByte(numeric) < 3)
        #expect(perByte(text) > 5)
    }
}
