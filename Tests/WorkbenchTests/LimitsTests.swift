import Foundation
import Testing
import TestSupport
@testable import Workbench
import Diagnostics

/// Makes a sparse file of `bytes` (no disk used, nothing committed), for size limits.
private func sparseFile(_ path: String, bytes: Int) throws {
    #expect(FileManager.default.createFile(atPath: path, contents: Data("# workbench transcript 1\n".utf8)))
    #expect(truncate(path, off_t(bytes)) == 0)
}

@Suite("Limits: huge inputs are refused with a typed error before they are read")
struct LimitsTests {
    @Test func hundredMegabyteTranscriptIsRefusedBeforeReading() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try sparseFile(folder + "/huge.wbt", bytes: 100 << 20)
        #expect(throws: TranscriptError.self) { try Transcript.read(path: folder + "/huge.wbt") }
        do {
            _ = try Transcript.read(path: folder + "/huge.wbt")
        } catch {
            #expect(
                String(describing: error).hasPrefix(
                    "\(folder)/huge.wbt is 100 MiB, over the 64 MiB limit for transcripts"))
        }
        // In the REPL, `replay` says the same as a cell error.
        let session = makeSession(in: folder)
        let cell = try #require(run(session, "replay \"huge.wbt\""))
        #expect(!cell.succeeded)
        #expect(cell.output.plainText.contains("over the 64 MiB limit for transcripts"))
    }

    /// A device that never ends is refused before any read, not read into memory until the machine swaps.
    @Test func endlessTranscriptIsRefused() throws {
        #expect(throws: BoundedFile.Failure.notRegular(kind: "a character device")) {
            try BoundedFile.read("/dev/zero", limit: 1 << 20)
        }
        #expect(throws: BoundedFile.Failure.notFound) { try BoundedFile.read("/nonexistent/x", limit: 10) }
        #expect(throws: BoundedFile.Failure.isDirectory) { try BoundedFile.read("/tmp", limit: 10) }
    }

    @Test func hundredMegabyteLessonIsRefusedBeforeReading() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try sparseFile(folder + "/01-huge.md", bytes: 100 << 20)
        #expect(throws: LessonError.tooLarge(file: folder + "/01-huge.md", bytes: 100 << 20, limit: 1 << 20)) {
            try LessonParser.load(path: folder + "/01-huge.md")
        }
        let message = LessonError.tooLarge(file: "t/01-huge.md", bytes: 100 << 20, limit: 1 << 20).description
        #expect(
            message
                == "lesson file t/01-huge.md is 104857600 bytes, over the 1024 KiB limit for lessons\nhint: a lesson is a short Markdown file; split it into several lessons"
        )
    }

    @Test func hundredMegabyteScriptIsRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try sparseFile(folder + "/huge.wb", bytes: 100 << 20)
        let (status, _, err) = try runBinary(["run", folder + "/huge.wb"])
        #expect(status != 0)
        #expect(err.contains("is 104857600 bytes, over the 64 MiB limit for scripts"), "\(err)")
    }

    /// WORKBENCH_MEMORY_BUDGET reaches `load`: a file over it is refused with the estimate and
    /// the budget, in a real process.
    @Test func loadOverTheMemoryBudgetFromTheEnvironment() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var text = "a,b,c\n"
        for i in 0..<60_000 { text += "\(i),\(i % 5),x\(i % 4)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/d.csv"))
        try Data("load \"d.csv\"\n".utf8).write(to: URL(fileURLWithPath: folder + "/s.wb"))
        let binary = BuiltProducts.workbench
        let refused = try Subprocess(
            binary, ["run", "s.wb"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/h", "WORKBENCH_MEMORY_BUDGET": "1M"])
        #expect(refused.wait(timeout: 60) == 1)
        #expect(refused.output.contains("error: d.csv would need about"), "\(refused.output)")
        #expect(refused.output.contains("over the memory budget of 1 MiB"))
        #expect(refused.output.contains("hint: load a sample of it"))
        let bad = try Subprocess(
            binary, ["run", "s.wb"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/h", "WORKBENCH_MEMORY_BUDGET": "lots"])
        #expect(bad.wait(timeout: 60) == 1)
        #expect(bad.output.contains("WORKBENCH_MEMORY_BUDGET='lots' is not a size"), "\(bad.output)")
        let loaded = try Subprocess(
            binary, ["run", "s.wb"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/h", "WORKBENCH_MEMORY_BUDGET": "64M"])
        #expect(loaded.wait(timeout: 60) == 0)
        #expect(loaded.output.contains("loaded d: 60000 rows"), "\(loaded.output)")
    }

    @Test(arguments: [
        ("512M", 512 << 20), ("8G", 8 << 30), ("1500", 1500), ("2gib", 2 << 30), ("1.5K", 1536), ("64 MB", 64 << 20),
    ])
    func memoryBudgetSizes(text: String, bytes: Int) {
        #expect(MemoryBudget.parse(text) == bytes)
    }

    @Test func memoryBudgetDefaultIsHalfTheMemory() throws {
        #expect(MemoryBudget.parse("") == nil)
        #expect(MemoryBudget.parse("-1G") == nil)
        #expect(MemoryBudget.parse("1Q") == nil)
        let budget = try MemoryBudget.current(environment: [:])
        let physical = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        #expect(budget >= 256 << 20 && budget <= max(256 << 20, physical / 2))
        #expect(throws: CommandError.self) { try MemoryBudget.current(environment: ["WORKBENCH_MEMORY_BUDGET": "x"]) }
    }

    /// A 10 MB field and a 10,000-column file load in the session, and show stays readable.
    @Test func wideFileAndHugeFieldInTheSession() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let columns = 10_000
        let wide =
            (0..<columns).map { "c\($0)" }.joined(separator: ",") + "\n"
            + (0..<columns).map { "\($0)" }.joined(separator: ",") + "\n"
        try Data(wide.utf8).write(to: URL(fileURLWithPath: folder + "/wide.csv"))
        let long = "id,blob\n1,\"" + String(repeating: "0123456789", count: 1_048_576) + "\"\n2,b\n"
        try Data(long.utf8).write(to: URL(fileURLWithPath: folder + "/long.csv"))
        let session = makeSession(in: folder)
        let loadWide = try #require(run(session, "load \"wide.csv\""))
        #expect(
            loadWide.output.plainText.contains("loaded wide: 1 rows × 10000 columns"),
            "\(loadWide.output.plainText.prefix(300))")
        let showWide = try #require(run(session, "show wide"))
        #expect(showWide.succeeded)
        #expect(
            showWide.output.plainText.utf8.count < 200_000, "show printed \(showWide.output.plainText.utf8.count) bytes"
        )
        let loadLong = try #require(run(session, "load \"long.csv\""))
        #expect(loadLong.output.plainText.contains("loaded long: 2 rows × 2 columns"))
        let showLong = try #require(run(session, "show long"))
        #expect(showLong.succeeded)
        #expect(
            showLong.output.plainText.utf8.count < 10_000, "show printed \(showLong.output.plainText.utf8.count) bytes")
    }
}

@Suite("Line ends: files saved with CRLF")
struct LineEndTests {
    /// Swift treats CRLF as one Character, so splitting at "\n" read a CRLF transcript, script or
    /// lesson as a single line ("unknown transcript version '1\r\n# workdir…'").
    @Test func crlfTranscriptReadsLikeLF() throws {
        let text = "# workbench transcript 1\n# workdir: .\n[1]> load \"x.csv\"\n| loaded x\n|\n\n[2]> show x\n| a\n"
        let lf = try Transcript.parse(text, path: "lf.wbt")
        let crlf = try Transcript.parse(text.replacingOccurrences(of: "\n", with: "\r\n"), path: "crlf.wbt")
        #expect(crlf.entries.map(\.command) == ["load \"x.csv\"", "show x"])
        #expect(crlf.entries.map(\.output) == lf.entries.map(\.output))
    }

    @Test func crlfLessonAndOutputLines() throws {
        let lesson = try String(contentsOfFile: repositoryRoot + "/tutorials/01-first-steps.md", encoding: .utf8)
        let parsed = try LessonParser.parse(
            lesson.replacingOccurrences(of: "\n", with: "\r\n"), path: "crlf.md", name: "first-steps")
        #expect(parsed == (try LessonParser.parse(lesson, path: "crlf.md", name: "first-steps")))
        #expect(Output("a\r\nb\nc").lines == ["a", "b", "c"])
        #expect(textLines("a\r\n\r\nb\n") == ["a", "", "b", ""])
    }

    @Test func crlfScriptRunsEveryLine() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("load \"\(repositoryRoot)/examples/iris.csv\"\r\nshow iris rows=1\r\n".utf8).write(
            to: URL(fileURLWithPath: folder + "/s.wb"))
        let (status, out, err) = try runBinary(["run", folder + "/s.wb"])
        #expect(status == 0, "\(out)\(err)")
        #expect(out.contains("[2]> show iris rows=1"))
    }
}
