import Foundation
import Testing
import TestSupport
@testable import Workbench

/// kill -9 at seeded random moments of real `workbench` sessions: every cell that finished is in
/// the transcript (and replays), the run registry opens with every committed run, and what a killed
/// process left in temporary files is gone after the next start.
@Suite("Crash safety: kill -9 loses nothing that finished", .serialized)
struct CrashSafetyTests {
    private static let penguins = repositoryRoot + "/examples/penguins.csv"
    /// Cells of a session; trains are recorded in the registry, `save` writes a file atomically.
    private static let script = [
        "load \"\(penguins)\"",
        "describe penguins",
        "split penguins test=0.25 seed=3",
        "m1 = train tree on penguins.train target=species",
        "evaluate m1 on penguins.test",
        "m2 = train linear on penguins.train target=species",
        "save \"saved.wbt\" overwrite=yes",
        "m3 = train bayes on penguins.train target=species",
        "evaluate m2 on penguins.test",
        "m4 = train knn on penguins.train target=species",
        "m5 = train tree on penguins target=species max_depth=3",
        "save \"saved.wbt\" overwrite=yes",
    ]
    private static let trainCells: Set<Int> = [4, 6, 8, 10, 11]

    private static var binary: String { BuiltProducts.workbench }

    /// Starts the REPL on the script in `folder`, recording to `folder/sessions-TAG`.
    private func startSession(in folder: String, tag: String) throws -> Subprocess {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "\(BuiltProducts.missingBinaryHint)")
        return try Subprocess(
            Self.binary, ["--sessions", "sessions-\(tag)"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/home", "PATH": "/usr/bin:/bin"],
            input: Self.script.joined(separator: "\n") + "\n")
    }

    /// The one transcript in `folder`; nil if the process was killed before it created one.
    private func transcript(in folder: String) throws -> (path: String, transcript: Transcript)? {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasSuffix(".wbt")
        }
        guard !files.isEmpty else { return nil }
        let file = try #require(
            files.count == 1 ? files.first : nil, "expected one transcript in \(folder), found \(files)")
        return (folder + "/" + file, try Transcript.read(path: folder + "/" + file))
    }

    @Test func killedSessionsKeepEveryFinishedCell() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }

        // The whole session once, undisturbed: the expected output of every cell, and its duration.
        let started = Date()
        let reference = try startSession(in: folder, tag: "reference")
        #expect(reference.wait(timeout: 120) == 0, "\(reference.errorOutput)")
        let duration = Date().timeIntervalSince(started)
        let expected = try #require(try transcript(in: folder + "/sessions-reference")).transcript
        #expect(expected.entries.map(\.command) == Self.script)
        let registry = try RunRegistry(path: folder + "/home/runs.sqlite")
        var committed = try registry.count()
        #expect(committed == Self.trainCells.count)

        var random = SeededRandom(seed: 2026)
        var longest: (path: String, cells: Int) = ("", -1)
        for attempt in 0..<5 {
            let process = try startSession(in: folder, tag: "\(attempt)")
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...max(0.1, duration * 0.9), using: &random))
            process.send(SIGKILL)
            process.wait(timeout: 30)

            // The transcript holds a prefix of the session, each cell exactly as it ran undisturbed.
            let found = try transcript(in: folder + "/sessions-\(attempt)")
            let path = found?.path ?? ""
            let recorded = found?.transcript ?? Transcript(workdir: ".")
            let cells = recorded.entries.count
            #expect(recorded.entries.map(\.command) == Array(Self.script.prefix(cells)), "attempt \(attempt)")
            for (got, want) in zip(recorded.entries, expected.entries) {
                #expect(
                    got.output.map(Transcript.normalized) == want.output.map(Transcript.normalized),
                    "attempt \(attempt), cell \(got.number)")
            }
            if cells > longest.cells { longest = (path, cells) }

            // The registry opens, and holds a run for every recorded train cell, plus at most the
            // cell that was running when the process was killed.
            let reopened = try RunRegistry(path: folder + "/home/runs.sqlite")
            let total = try reopened.count()
            let runs = try reopened.runs(last: total - committed)
            let runCells = Set(runs.map(\.cell))
            let recordedTrains = Self.trainCells.filter { $0 <= cells }
            #expect(
                runCells.isSuperset(of: recordedTrains),
                "attempt \(attempt): runs for cells \(runCells.sorted()), transcript has \(cells) cells")
            #expect(
                runCells.subtracting(recordedTrains).allSatisfy { $0 == cells + 1 },
                "attempt \(attempt): runs for cells \(runCells.sorted())")
            committed = total
        }

        // The longest killed transcript replays cell for cell.
        if longest.cells > 0 {
            let replay = try Subprocess(
                Self.binary, ["replay", longest.path], in: folder,
                environment: ["WORKBENCH_HOME": folder + "/replay-home"])
            #expect(replay.wait(timeout: 120) == 0, "\(replay.output)\(replay.errorOutput)")
            #expect(
                replay.output.contains("replayed \(longest.cells) cells, \(longest.cells) matched"), "\(replay.output)")
        }
    }

    /// Temporary files of atomic writes and unzipped bundles whose process is gone are removed by
    /// the next start; those of a live process are not touched.
    @Test func nextStartRemovesWhatAKilledProcessLeft() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let home = folder + "/home"
        let sessions = folder + "/sessions/recorded"
        for path in [home + "/tutorials", sessions] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let gone = try deadProcessID()
        let random = "-0123456789abcdef"
        let abandoned = [
            home + "/.history.wb-tmp-\(gone)" + random, home + "/tutorials/.progress.json.wb-tmp-\(gone)" + random,
            folder + "/.saved.wbt.wb-tmp-\(gone)" + random, folder + "/.scored.csv.wb-tmp-\(gone)" + random,
            sessions + "/.x.wbt.wb-tmp-\(gone)" + random,
        ]
        // A live process's temporary, and names a user might choose (the old pattern among them).
        let kept = [
            folder + "/.saved.wbt.wb-tmp-\(getpid())" + random, folder + "/notes.tmp-\(gone)", folder + "/.plain",
            folder + "/.saved.wbt.tmp-\(gone)",
        ]
        for path in abandoned + kept { try Data("x".utf8).write(to: URL(fileURLWithPath: path)) }
        let bundle = NSTemporaryDirectory() + "workbench-bundle-\(gone)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: bundle + "/manifest.json"))
        defer { try? FileManager.default.removeItem(atPath: bundle) }

        let process = try Subprocess(
            Self.binary, [], in: folder, environment: ["WORKBENCH_HOME": home], input: "quit\n")
        #expect(process.wait(timeout: 60) == 0, "\(process.errorOutput)")
        for path in abandoned + [bundle] {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) survived the next start")
        }
        for path in kept { #expect(FileManager.default.fileExists(atPath: path), "\(path) was removed") }
    }

    /// Atomic writes leave no temporary file when they succeed.
    @Test func atomicWriteLeavesOnlyTheFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeFileAtomically("one\n", to: folder + "/a.txt")
        try writeFileAtomically("two\n", to: folder + "/a.txt")
        #expect(try String(contentsOfFile: folder + "/a.txt", encoding: .utf8) == "two\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.txt"])
        #expect(throws: FileWriteError.self) { try writeFileAtomically("x", to: folder + "/missing/a.txt") }
    }
}

/// The id of a process that has exited and been reaped.
func deadProcessID() throws -> pid_t {
    let process = try Subprocess("/bin/true", [])
    process.wait(timeout: 30)
    return process.pid
}
