import Foundation
import Testing
import TestSupport
@testable import Workbench
import CommandLanguage

/// Replays never touch the user's files (issue 23, item 1): what the cells write goes to a private
/// sandbox, reads see what earlier replayed cells wrote, and `--in-place` is the only way out.
@Suite("Replay: side effects in a sandbox", .serialized)
struct ReplaySandboxTests {
    /// Records, in `folder`, a session that exports, reads back and saves — the case that used to
    /// fail ("b1 already exists") or re-create the bundle.
    private func recordedSession(in folder: String) throws -> String {
        try FileManager.default.createSymbolicLink(atPath: folder + "/examples", withDestinationPath: exampleData)
        let session = Session(
            environment: SessionEnvironment(workingDirectory: folder, home: folder + "/home", width: 100))
        var transcript = Transcript(workdir: ".")
        for line in [
            "load \"examples/penguins.csv\"", "m = train linear on penguins target=species", "export m to \"b1\"",
            "b = import \"b1\"", "card b to \"card.md\"", "report \"r.md\"",
        ] {
            let cell = try #require(session.execute(line))
            #expect(cell.succeeded, "\(line): \(cell.output.plainText)")
            transcript.entries.append(
                Transcript.Entry(
                    number: cell.number, command: line, output: cell.output.transcriptLines, dataFiles: cell.dataFiles,
                    line: 0))
        }
        let path = folder + "/s.wbt"
        try transcript.text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func replayingTwiceWritesNothingAndMatchesEachTime() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try recordedSession(in: folder)
        let before = try filesUnder(folder)
        let replayer = Replayer(transcript: try Transcript.read(path: path), transcriptPath: path)
        for run in 1...2 {
            let report = replayer.run()
            #expect(report.allMatched, "run \(run): \(report.firstDifference ?? "")")
            #expect(try filesUnder(folder) == before)
        }
        // With the bundle gone, a replay still does not re-create it.
        try FileManager.default.removeItem(atPath: folder + "/b1")
        #expect(replayer.run().allMatched)
        #expect(!FileManager.default.fileExists(atPath: folder + "/b1"))
    }

    @Test func inPlaceWritesTheRealFiles() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try recordedSession(in: folder)
        for file in ["b1", "card.md", "r.md"] { try FileManager.default.removeItem(atPath: folder + "/" + file) }
        let report = Replayer(transcript: try Transcript.read(path: path), transcriptPath: path).run(inPlace: true)
        #expect(report.allMatched, "\(report.firstDifference ?? "")")
        for file in ["b1/manifest.json", "card.md", "r.md"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file)")
        }
    }

    @Test func aReportOfATranscriptWritesNothingButTheReport() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try recordedSession(in: folder)
        try FileManager.default.removeItem(atPath: folder + "/b1")
        let before = try filesUnder(folder)
        let report = try SessionReport.replaying(transcriptAt: path)
        #expect(report.cells.count == 6)
        #expect(try filesUnder(folder) == before)
    }

    @Test func replayInTheReplIsSandboxedUnlessInPlace() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try recordedSession(in: folder)
        for file in ["b1", "card.md", "r.md"] { try FileManager.default.removeItem(atPath: folder + "/" + file) }
        let session = Session(
            environment: SessionEnvironment(workingDirectory: folder, home: folder + "/home", width: 100))
        let sandboxed = try #require(session.execute("replay \"s.wbt\""))
        // (The report cell differs: in the REPL it reports the session replaying, not the recording.)
        #expect(sandboxed.output.plainText.contains("replayed 6 cells, 5 matched"), "\(sandboxed.output.plainText)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/b1"))
        #expect(session.sandbox == nil)
        let inPlace = try #require(session.execute("replay \"s.wbt\" in_place=yes"))
        #expect(inPlace.output.plainText.contains("replayed 6 cells, 5 matched"), "\(inPlace.output.plainText)")
        #expect(FileManager.default.fileExists(atPath: folder + "/b1/manifest.json"))
    }

    @Test func theSandboxMirrorsPathsAndIsRemovedWhole() throws {
        let sandbox = try WriteSandbox.temporary()
        let written = sandbox.pathForWriting("/data/out/b1")
        #expect(written == sandbox.root + "/data/out/b1")
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/data/out"))
        #expect(sandbox.pathForReading("/data/out/b1") == "/data/out/b1", "nothing written there yet: the real path")
        try "x".write(toFile: written, atomically: false, encoding: .utf8)
        #expect(sandbox.pathForReading("/data/out/b1") == written)
        #expect(sandbox.pathForReading("/data/out/../out/b1") == written)
        #expect(sandbox.shown(written) == "/data/out/b1")
        let mode = (try FileManager.default.attributesOfItem(atPath: sandbox.root)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o700)
        sandbox.remove()
        #expect(!FileManager.default.fileExists(atPath: sandbox.root))
    }
}

/// Every command replays (issue 23, item 3): each command in the table is run by at least one
/// golden transcript, which `GoldenTranscriptTests` replays three times in a row.
@Suite("Replay: every command is covered")
struct ReplayCoverageTests {
    @Test func everyCommandInTheTableIsReplayedByAGoldenTranscript() throws {
        var used = Set<String>()
        for file in GoldenTranscriptTests.files {
            let transcript = try Transcript.read(path: repositoryRoot + "/sessions/" + file)
            for entry in transcript.entries {
                if let statement = try? CommandTable.parse(entry.command) { used.insert(statement.verb) }
            }
        }
        let missing = CommandTable.all.map(\.name).filter { !used.contains($0) }
        #expect(
            missing.isEmpty,
            "commands no golden transcript replays: \(missing.joined(separator: ", ")) — add them to sessions/every-command.wbt"
        )
    }
}
