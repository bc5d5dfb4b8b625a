#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
@testable import Tabular
import Diagnostics

/// A fresh temporary folder; the caller removes it.
private func scratchFolder() throws -> String {
    let path = NSTemporaryDirectory() + "wb-csv-limits-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("CSV limits: wide, long fields, memory budget, files that change")
struct CSVLimitsTests {
    @Test func tenThousandColumns() throws {
        let columns = 10_000
        let header = (0..<columns).map { "c\($0)" }.joined(separator: ",")
        let numbers = (0..<columns).map { "\($0)" }.joined(separator: ",")
        let words = (0..<columns).map { $0 % 2 == 0 ? "x\($0)" : "" }.joined(separator: ",")
        let frame = try loadCSV("\(header)\n\(numbers)\n\(words)\n\(numbers)\n", threads: 2)
        #expect(frame.columnCount == columns)
        #expect(frame.rowCount == 3)
        #expect(texts(frame, "c9998") == ["9998", "x9998", "9998"])
        #expect(frame.column(named: "c9999")?.kind == .number)
        #expect(frame.column(named: "c9999")?.data.missingCount == 1)
    }

    /// `load` hashes the file while parsing it: the same fingerprint as hashing the file on its
    /// own, the same table as a plain read, and a file that fails to parse fails the same way
    /// (the hashing thread is waited for before the bytes are freed).
    @Test func fingerprintedReadHashesTheFileItParses() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var text = "\u{FEFF}x,y,label\n"
        for i in 0..<50_000 { text += "\(i),\(Double(i) / 7),\(i % 3 == 0 ? "a" : "b")\n" }
        let path = folder + "/data.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let (frame, fingerprint) = try CSVReader.readFingerprinted(path: path)
        #expect(fingerprint == (try Fingerprint.ofFile(atPath: path)))
        #expect(fingerprint == Fingerprint.of(bytes: Array(text.utf8)))
        #expect(frame == (try CSVReader.read(path: path)))

        let ragged = folder + "/ragged.csv"
        try Data((text + "1,2\n").utf8).write(to: URL(fileURLWithPath: ragged))
        for _ in 0..<20 {
            #expect(throws: TabularError.self) { _ = try CSVReader.readFingerprinted(path: ragged) }
        }
    }

    /// A single 10 MB field (quoted, with separators, quotes and line ends inside) is one value.
    @Test func tenMegabyteField() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let piece = "abc,\"\"def\n"  // 10 bytes in the file, 9 characters in the value
        let count = 1_048_576
        let text = "id,blob,n\n1,\"" + String(repeating: piece, count: count) + "\",2\n2,small,3\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/big.csv"))
        let frame = try CSVReader.read(path: folder + "/big.csv", options: CSVOptions())
        #expect(frame.rowCount == 2)
        let blob = try #require(frame.column(named: "blob")?.text(at: 0))
        #expect(blob.utf8.count == 9 * count)
        #expect(blob.hasPrefix("abc,\"def\nabc"))
        #expect(texts(frame, "n") == ["2", "3"])
    }

    /// A file over the budget is refused from its size and a sample, before it is read whole;
    /// the message gives the estimate, the budget and what to do.
    @Test func fileOverTheMemoryBudgetIsRefusedWithTheEstimate() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var text = "a,b,c,d\n"
        for i in 0..<200_000 { text += "\(i),\(i % 7),x\(i % 3),\(i * 2)\n" }
        let path = folder + "/large.csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var options = CSVOptions()
        options.memoryBudgetBytes = 2 << 20
        do {
            _ = try CSVReader.read(path: path, options: options, displayName: "large.csv")
            Issue.record("expected the budget to refuse the file")
        } catch let TabularError.tooLarge(name, estimated, budget) {
            #expect(name == "large.csv")
            #expect(budget == 2 << 20)
            // About 200,000 rows × 4 cells × 8 bytes plus the file itself (rows estimated from the
            // first 64 KiB, whose lines are shorter than the average).
            #expect(estimated > text.utf8.count + 6_000_000 && estimated < text.utf8.count + 12_000_000, "\(estimated)")
            let message = TabularError.tooLarge(path: name, estimatedBytes: estimated, budgetBytes: budget).description
            #expect(
                message.hasPrefix(
                    "large.csv would need about \(estimated >> 20) MiB in memory to load, over the memory budget of 2 MiB"
                ))
            #expect(message.contains("hint: load a sample of it"))
            #expect(message.contains("WORKBENCH_MEMORY_BUDGET=1G"))
        }
        options.memoryBudgetBytes = 64 << 20
        #expect(try CSVReader.read(path: path, options: options).rowCount == 200_000)
    }

    /// For numbers, the estimate counts the raw bytes and 8 bytes per cell.
    @Test func estimateFromASample() {
        let text = Array("a,b,c\n1,2,3\n4,5,6\n".utf8)
        let estimate = text.withUnsafeBufferPointer {
            CSVReader.estimatedBytes(sample: $0, totalBytes: 6_000, separator: UInt8(ascii: ","))
        }
        // A 6-byte header, then 2 records in 12 bytes: (6,000 − 6) / 6 = 999 rows × 3 numeric columns × 8 bytes + 6,000.
        #expect(estimate == 6_000 + 999 * 3 * 8)
        let huge = text.withUnsafeBufferPointer {
            CSVReader.estimatedBytes(sample: $0, totalBytes: Int.max / 2, separator: UInt8(ascii: ","))
        }
        #expect(huge == Int.max)
    }

    /// The reader copies the file instead of mapping it: a file truncated while it loads gives a
    /// table or a `TabularError`, never SIGBUS (which a mapped file gave, killing the process).
    @Test func fileTruncatedWhileLoadingIsAnErrorNotACrash() throws {
        let folder = try scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var text = "a,b,c\n"
        for i in 0..<150_000 { text += "\(i),text \(i % 13),\(Double(i) / 3)\n" }
        let bytes = Data(text.utf8)
        var random = SeededRandom(seed: 99)
        for attempt in 0..<6 {
            let path = folder + "/shrinking-\(attempt).csv"
            try bytes.write(to: URL(fileURLWithPath: path))
            let delay = useconds_t(Int.random(in: 0...30_000, using: &random))
            let truncator = Thread {
                usleep(delay)
                truncate(path, off_t(bytes.count / 3))
            }
            truncator.start()
            do {
                let frame = try CSVReader.read(path: path, options: CSVOptions())
                #expect(frame.columnCount == 3)
            } catch let error as TabularError {
                switch error {
                // Which error depends on when the truncation lands: before the open (a torn last
                // row), during the read (fewer bytes than fstat said) or between the read and the
                // second fstat (the size changed after reading).
                case .changedWhileReading, .grewWhileReading, .raggedRow, .unterminatedQuote: break
                default: Issue.record("unexpected error for a truncated file: \(error)")
                }
            }
            while !truncator.isFinished { usleep(1_000) }
        }
        // Truncated after it is opened, the window read past the new end is refused, saying so.
        let path = folder + "/after.csv"
        try bytes.write(to: URL(fileURLWithPath: path))
        let file = try CSVFileSource(path: path, name: "after.csv", separator: UInt8(ascii: ","), budget: nil)
        truncate(path, 10)
        #expect(throws: TabularError.changedWhileReading(path: "after.csv", expectedBytes: bytes.count, readBytes: 10))
        {
            try file.withBytes(offset: 0, count: file.count) { _ in }
        }
    }

    /// `changedWhileReading` says what happened and what to do.
    @Test func changedWhileReadingMessage() {
        let message = TabularError.changedWhileReading(path: "d.csv", expectedBytes: 100, readBytes: 40).description
        #expect(
            message
                == "d.csv changed while it was being read (40 of 100 bytes were there)\nhint: wait until whatever writes the file has finished, then load it again"
        )
    }
}
