import Testing
import TestSupport
@testable import Tabular

@Suite("CSV reader: chunking and threads")
struct CSVChunkingTests {
    /// Quoted separators and newlines (LF and CRLF), doubled quotes, a column that turns text late,
    /// one that turns text after only missing values, CRLF records, missing values.
    static let tricky: String = {
        var lines = ["id,label,score,late,quiet"]
        for i in 0..<60 {
            let label =
                switch i % 5 {
                case 0: "\"a,\nb\""
                case 1: "\"say \"\"x\"\"\r\nthen\""
                case 2: "plain \(i % 3)"
                case 3: "\"\""
                default: "NA"
                }
            let score = i % 7 == 0 ? "" : "\(Double(i) * 0.25 - 3)"
            let late = i == 45 ? "oops" : "\(i)"
            let quiet = i < 31 ? "" : (i == 31 ? "word" : "\(i)")
            lines.append("\(i),\(label),\(score),\(late),\(quiet)" + (i % 4 == 0 ? "\r" : ""))
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func trickyFileParsesAsExpected() throws {
        let frame = try loadCSV(Self.tricky)
        #expect(frame.rowCount == 60)
        #expect(frame.column(named: "id")?.kind == .number)
        #expect(frame.column(named: "score")?.kind == .number)
        #expect(frame.column(named: "late")?.kind == .text)
        #expect(frame.column(named: "quiet")?.kind == .text)
        #expect(texts(frame, "label")[0...4] == ["a,\nb", "say \"x\"\r\nthen", "plain 2", nil, nil])
        #expect(texts(frame, "late")[44...46] == ["44", "oops", "46"])
    }

    @Test(arguments: [1, 2, 3, 4])
    func sameResultForAnyThreadCount(threads: Int) throws {
        let reference = try loadCSV(Self.tricky, threads: 1)
        for chunkSize in [1, 2, 7, 16, 64, 1 << 20] {
            let frame = try loadCSV(Self.tricky, threads: threads, chunkSize: chunkSize)
            #expect(sameFrame(frame, reference), "threads \(threads), chunk size \(chunkSize)")
        }
    }

    @Test func everyChunkSizeOnRandomQuotedFiles() throws {
        var random = SeededRandom(seed: 7)
        for _ in 0..<20 {
            let frame = try randomFrame(rows: 25, columns: 4, using: &random)
            let text = CSVWriter.string(frame)
            let reference = try loadCSV(text, threads: 1)
            for chunkSize in 1...24 {
                let chunked = try loadCSV(text, threads: 3, chunkSize: chunkSize)
                #expect(sameFrame(chunked, reference), "chunk size \(chunkSize)")
            }
        }
    }

    @Test func chunkerCountsRecordsOutsideQuotes() {
        let text = Array("1,\"a\nb\"\n2,c\n3,\"\"\"\n\"\n4,d".utf8)
        text.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            for size in 1...text.count {
                var scans: [CSVChunker.RangeScan] = []
                var start = 0
                while start < text.count {
                    let end = min(text.count, start + size)
                    scans.append(CSVChunker.scan(base, from: start, to: end))
                    start = end
                }
                let chunks = CSVChunker.chunks(start: 0, end: text.count, scans: scans)
                #expect(chunks.reduce(0) { $0 + $1.rowCount } == 4, "range size \(size)")
                #expect(chunks.first?.start == 0 && chunks.last?.end == text.count)
            }
        }
    }
}
