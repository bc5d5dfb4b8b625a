import Foundation
import Testing
import TestSupport
@testable import Workbench

@Suite("Transcripts and replay")
struct TranscriptTests {
    @Test func volatileSpansAreMarkedAndIgnored() {
        var output = Output()
        output.append("took " + Output.volatile("0.31 s") + " to load")
        #expect(output.plainText == "took 0.31 s to load")
        #expect(output.transcriptLines == ["took {{0.31 s}} to load"])
        #expect(Transcript.normalized("took {{0.31 s}} to load") == Transcript.normalized("took {{12 s}} to load"))
        #expect(Transcript.normalized("a {{x}} b {{y") == "a {{}} b {{y")
    }

    @Test func writeThenParseRoundTrips() throws {
        var transcript = Transcript(workdir: "..", width: 80)
        transcript.entries = [
            .init(
                number: 1, command: "load \"a.csv\"", output: ["loaded a", "", "| not a marker"],
                dataFiles: [.init(path: "a b/a.csv", fingerprint: "sha256:00ff")], line: 0),
            .init(number: 2, command: "ls", output: [], dataFiles: [], line: 0),
        ]
        let parsed = try Transcript.parse(transcript.text, path: "t.wbt")
        #expect(parsed.workdir == "..")
        #expect(parsed.width == 80)
        #expect(parsed.entries.map(\.command) == ["load \"a.csv\"", "ls"])
        #expect(parsed.entries[0].output == ["loaded a", "", "| not a marker"])
        #expect(parsed.entries[0].dataFiles == [.init(path: "a b/a.csv", fingerprint: "sha256:00ff")])
    }

    @Test(arguments: [
        ("hello\n", 1, "the first line must be '# workbench transcript 1'"),
        ("# workbench transcript 9\n", 1, "unknown transcript version '9' (this workbench reads version 1)"),
        ("# workbench transcript 1\n| orphan\n", 2, "output before the first command; commands start with \"[N]> \""),
        (
            "# workbench transcript 1\n[1]> ls\nstray text\n", 3,
            "expected a command \"[N]> …\", an output line \"| …\", \"@data …\", \"@wrote …\", \"@interrupted …\" or \"@chain …\""
        ),
        ("# workbench transcript 1\n[1]> ls\n@data x.csv\n", 3, "expected '@data PATH sha256:HEX'"),
        ("# workbench transcript 1\n# width: 5\n", 2, "width must be a whole number from 20 to 1000"),
        ("", 1, "empty file; a transcript starts with '# workbench transcript 1'"),
    ])
    func malformedTranscripts(text: String, line: Int, reason: String) {
        do {
            _ = try Transcript.parse(text, path: "bad.wbt")
            Issue.record("expected an error")
        } catch let TranscriptError.malformed(path, l, r) {
            #expect(path == "bad.wbt")
            #expect(l == line)
            #expect(r == reason)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func saveThenReplayMatches() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        run(session, #"load "examples/iris.csv""#, "split iris stratify=species", "describe iris.test", "oops")
        let path = folder + "/saved.wbt"
        let save = try #require(run(session, "save \"\(path)\""))
        #expect(save.output.plainText == "saved 4 cells to \(path)")
        let transcript = try Transcript.read(path: path)
        let report = Replayer(transcript: transcript, transcriptPath: path, home: folder).run()
        #expect(report.summary == "replayed 4 cells, 4 matched")
        #expect(report.allMatched)
        #expect(report.changedData.isEmpty)
    }

    @Test func aChangedOutputGivesADiffWithTheCellNumber() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("a,b\n1,x\n2,y\n".utf8).write(to: URL(fileURLWithPath: folder + "/d.csv"))
        let session = makeSession(in: folder)
        run(session, #"load "d.csv""#, "show d")
        let path = folder + "/t.wbt"
        run(session, "save \"t.wbt\"")
        // The data changes after recording.
        try Data("a,b\n1,x\n3,y\n".utf8).write(to: URL(fileURLWithPath: folder + "/d.csv"))
        let transcript = try Transcript.read(path: path)
        let replayer = Replayer(transcript: transcript, transcriptPath: path, home: folder)
        let report = replayer.run()
        #expect(report.changedData.count == 1)
        #expect(report.changedData[0].hasPrefix("data file d.csv changed since recording"))
        let diff = try #require(report.firstDifference)
        #expect(diff.hasPrefix("cell [1] (line "))
        #expect(diff.contains("-fingerprint "))
        #expect(diff.contains("+fingerprint "))
        #expect(report.summary == "replayed 1 cell, 0 matched")

        // --update rewrites the expected outputs; then everything matches.
        let updated = try #require(replayer.run(update: true).updated)
        try writeFileAtomically(updated.text, to: path)
        let again = Replayer(transcript: try Transcript.read(path: path), transcriptPath: path, home: folder).run()
        #expect(again.allMatched)
        #expect(again.summary == "replayed 2 cells, 2 matched")
    }

    @Test func unifiedDiffMarksChangedLines() {
        let diff = unifiedDiff(expected: ["a", "b", "c"], actual: ["a", "B", "c", "d"])
        expectSameLines(
            diff,
            """
            --- expected (recorded)
            +++ actual (replayed)
            @@ -1,3 +1,4 @@
             a
            +B
            -b
             c
            +d
            """)
    }

    @Test func recorderAppendsEachCellAsItFinishes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/rec/live.wbt"
        let recorder = try TranscriptRecorder(
            path: path, workdir: relativePath(from: folder + "/rec", to: repositoryRoot), width: 100)
        let session = makeSession()
        session.cellObserver = { recorder.record($0) }
        run(session, #"load "examples/iris.csv""#)
        // Readable after one cell, before the session ends: a crash now loses nothing finished.
        let partial = try Transcript.read(path: path)
        #expect(partial.entries.count == 1)
        #expect(partial.entries[0].dataFiles.first?.path == "examples/iris.csv")
        run(session, "describe iris")
        let report = Replayer(transcript: try Transcript.read(path: path), transcriptPath: path, home: folder).run()
        #expect(report.summary == "replayed 2 cells, 2 matched")
        // An existing recording is never overwritten.
        #expect(throws: CommandError.self) { try TranscriptRecorder(path: path, workdir: ".", width: 100) }
    }

    @Test func relativePaths() {
        #expect(relativePath(from: "/a/b/sessions", to: "/a/b") == "..")
        #expect(relativePath(from: "/a/b", to: "/a/b") == ".")
        #expect(relativePath(from: "/a/b/c", to: "/a/x/y") == "../../x/y")
    }
}

@Suite("Golden transcripts in sessions/")
struct GoldenTranscriptTests {
    static let files: [String] = {
        let folder = repositoryRoot + "/sessions"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".wbt") }.sorted()
    }()

    @Test func thereAreGoldenTranscripts() {
        #expect(Self.files.count >= 2, "sessions/ should hold golden transcripts")
    }

    /// Set WORKBENCH_RECORD=1 to re-record a transcript whose output changed on purpose.
    @Test(arguments: files)
    func replays(file: String) async throws {
        // Off the cooperative pool: a transcript may `serve` (see offPool).
        try await offPool { try Self.replay(file: file) }
    }

    private static func replay(file: String) throws {
        let path = repositoryRoot + "/sessions/" + file
        let transcript = try Transcript.read(path: path)
        // Replayed in a scratch copy of the layout it expects (its folder and examples/ beside it),
        // so what its cells write (bundles, reports) never lands in the checkout.
        let scratch = try scratchLayout(for: file)
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        let replayer = Replayer(transcript: transcript, transcriptPath: scratch.transcript)
        #expect(replayer.changedDataFiles().isEmpty, "data files changed: \(replayer.changedDataFiles())")
        if ProcessInfo.processInfo.environment["WORKBENCH_RECORD"] == "1" {
            let updated = try #require(replayer.run(update: true).updated)
            try writeFileAtomically(updated.text, to: path)
            Issue.record("recorded new baseline for \(file)")
            return
        }
        // Three times in a row in the same folder: the same result each time, and nothing written
        // beside the transcript (what cells write goes to the replay's sandbox).
        let before = try filesUnder(scratch.root)
        for run in 1...3 {
            let report = replayer.run()
            #expect(report.allMatched, "run \(run): \(report.summary)\n\(report.firstDifference ?? "")")
            #expect(try filesUnder(scratch.root) == before, "run \(run) wrote outside its sandbox")
        }
    }
}

/// Every path under `root` (links not followed), relative, with its size and modification time.
func filesUnder(_ root: String) throws -> [String] {
    let fm = FileManager.default
    return try (fm.subpathsOfDirectory(atPath: root)).sorted().map { path in
        let attributes = try fm.attributesOfItem(atPath: root + "/" + path)
        let size = (attributes[.size] as? Int) ?? -1
        let time = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(path) \(size) \(time)"
    }
}

/// A temporary folder laid out like the repository for one golden transcript: `sessions/FILE`
/// and `examples/` (a link to the repository's). Removed by the caller.
func scratchLayout(for file: String) throws -> (root: String, transcript: String) {
    let root = try temporaryFolder()
    try FileManager.default.createDirectory(atPath: root + "/sessions", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: repositoryRoot + "/sessions/" + file, toPath: root + "/sessions/" + file)
    try FileManager.default.createSymbolicLink(atPath: root + "/examples", withDestinationPath: exampleData)
    return (root, root + "/sessions/" + file)
}
