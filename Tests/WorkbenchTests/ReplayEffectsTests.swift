import Bundles
import Foundation
import Testing
import TestSupport
@testable import Workbench

/// Issue 23, items 1 and 4: a cell Ctrl-C stopped is recorded as such, with what finished, and
/// replay reproduces it or says why not; the files a cell wrote are recorded by the digest of
/// their stable content, and replay compares them.
@Suite("Replay: interrupted cells and the files cells wrote", .serialized)
struct ReplayEffectsTests {
    /// A folder with penguins.csv and a session in it whose cancellation flag the test holds.
    private func penguinSession(in folder: String, flag: CancellationFlag = CancellationFlag()) throws -> Session {
        if !FileManager.default.fileExists(atPath: folder + "/penguins.csv") {
            try FileManager.default.copyItem(atPath: exampleData + "/penguins.csv", toPath: folder + "/penguins.csv")
        }
        return Session(
            environment: SessionEnvironment(workingDirectory: folder, home: folder + "/home", width: 100),
            cancellation: flag)
    }

    /// Ctrl-C, deterministically: the flag is set when the progress line first starts with `prefix`
    /// or contains `fragment` (a compare announces "compare: NAME (i of n)" before candidate i).
    private func pressCtrlC(in session: Session, whenProgress matches: @escaping @Sendable (String) -> Bool) {
        let flag = session.cancellation
        session.progressHandler = { text in if matches(text) { flag.set() } }
    }

    private func save(_ session: Session, to name: String) throws -> String {
        let saved = try #require(session.execute("save \"\(name)\""))
        #expect(saved.succeeded, "\(saved.output.plainText)")
        return session.environment.workingDirectory + "/" + name
    }

    private static let compareLine = "lb = compare [tree, linear, forest, knn] on penguins target=species folds=3"

    /// Records load, a compare stopped after its first 2 of 5 candidates (the baseline comes
    /// first), and a cell that uses the partial leaderboard; returns the transcript's path.
    private func recordInterruptedCompare(in folder: String, then extra: [String] = []) throws -> String {
        let session = try penguinSession(in: folder)
        #expect(try #require(session.execute("load \"penguins.csv\"")).succeeded)
        // Candidate 3 of 5 starts with the flag set: its first fold sees it and it stops.
        pressCtrlC(in: session) { $0.hasSuffix("(3 of 5)") }
        let compare = try #require(session.execute(Self.compareLine))
        session.progressHandler = nil
        #expect(compare.succeeded, "\(compare.output.plainText)")
        guard case .candidates(let ran, let total, let finished)? = compare.interruption else {
            Issue.record("compare was not recorded as interrupted: \(String(describing: compare.interruption))")
            return ""
        }
        #expect(ran == 2 && total == 5)
        #expect(
            finished.hasPrefix("baseline") && finished.contains("tree") && !finished.contains("linear"), "\(finished)")
        #expect(compare.output.plainText.contains("skipped linear: stopped with Ctrl-C"), "\(compare.output.plainText)")
        guard case .leaderboard(let lb)? = session.lookup("lb") else {
            Issue.record("lb is not bound")
            return ""
        }
        #expect(lb.rows.count == 2, "the partial leaderboard the user saw is what is bound")
        #expect(try #require(session.execute("m = train lb.best on penguins target=species")).succeeded)
        for line in extra { #expect(try #require(session.execute(line)).succeeded, "\(line)") }
        return try save(session, to: "s.wbt")
    }

    @Test func anInterruptedCompareReplaysTheSamePartialLeaderboard() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try recordInterruptedCompare(in: folder)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\n@interrupted after 2 of 5 candidates; finished: baseline"), "\(text)")
        let transcript = try Transcript.read(path: path)
        #expect(transcript.integrityProblem == nil)
        // Replayed into a session of our own, so the bound leaderboard can be looked at.
        let replaySession = try penguinSession(in: folder)
        let report = Replayer(transcript: transcript, transcriptPath: path).run(into: replaySession)
        #expect(report.allMatched, "\(report.firstDifference ?? "")")
        #expect(report.cellsRun == 3 && report.notReproduced.isEmpty)
        guard case .leaderboard(let lb)? = replaySession.lookup("lb") else {
            Issue.record("lb is not bound on replay")
            return
        }
        #expect(lb.rows.count == 2)
        #expect(replaySession.cells[1].interruption == transcript.entries[1].interruption)
        // The command line does the same, and so does the REPL's replay.
        #expect(Replayer(transcript: transcript, transcriptPath: path).run().allMatched)
        let repl = try penguinSession(in: folder)
        let replayed = try #require(repl.execute("replay \"s.wbt\""))
        #expect(replayed.output.plainText.contains("replayed 3 cells, 3 matched"), "\(replayed.output.plainText)")
        // open binds the same partial leaderboard.
        let opened = try penguinSession(in: folder)
        _ = try Reopener(transcript: transcript, shownPath: "s.wbt", path: path).run(into: opened, adopt: true)
        guard case .leaderboard(let reopened)? = opened.lookup("lb") else {
            Issue.record("lb is not bound by open")
            return
        }
        #expect(reopened.rows.map(\.candidate.description) == lb.rows.map(\.candidate.description))
        #expect(
            opened.cells[1].interruption == transcript.entries[1].interruption,
            "open keeps the marker for the session's own transcript")
    }

    @Test func aBundleWhoseModelCameFromAnInterruptedCompareRetrainsIdentically() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try recordInterruptedCompare(in: folder, then: ["export m to \"b1\""])
        let bundle = try BundleReader.open(folder + "/b1")
        let provenance = try String(contentsOfFile: folder + "/b1/provenance.wbt", encoding: .utf8)
        #expect(provenance.contains("@interrupted after 2 of 5 candidates"), "\(provenance)")
        let report = try ProvenanceReplay(bundle: bundle, shownAs: "b1").run(dataFolder: folder)
        #expect(
            report.firstDifference == nil,
            "lb.best is the partial leaderboard's best (tree, not linear or forest), as when recorded")
        #expect(bundle.manifest.algorithm.contains("tree"), "\(bundle.manifest.algorithm)")
    }

    @Test func anInterruptedTrainIsSkippedWithAReasonAndReplayGoesOn() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = try penguinSession(in: folder)
        #expect(try #require(session.execute("load \"penguins.csv\"")).succeeded)
        pressCtrlC(in: session) { $0.hasPrefix("training boost") }
        let train = try #require(session.execute("m = train boost on penguins target=species max_iter=200"))
        session.progressHandler = nil
        #expect(!train.succeeded && train.interruption == .nothingBound, "\(train.output.plainText)")
        // A later cell that needed m failed then, and must fail the same way on replay.
        let evaluate = try #require(session.execute("evaluate m on penguins"))
        #expect(!evaluate.succeeded)
        #expect(try #require(session.execute("m2 = train linear on penguins target=species")).succeeded)
        let path = try save(session, to: "s.wbt")
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\n@interrupted nothing bound\n"))

        let transcript = try Transcript.read(path: path)
        let replaySession = try penguinSession(in: folder)
        let report = Replayer(transcript: transcript, transcriptPath: path).run(into: replaySession)
        #expect(report.allMatched, "\(report.firstDifference ?? "")")
        #expect(
            report.notReproduced == ["cell [2] was interrupted while training; nothing was bound, so replay skips it"])
        #expect(report.cellsRun == 3 && report.cellsMatched == 3)
        #expect(report.summary == "replayed 3 cells, 3 matched; 1 interrupted cell not reproduced")
        #expect(replaySession.lookup("m") == nil && replaySession.lookup("m2") != nil)
        #expect(replaySession.cells.count == 4, "the skipped cell keeps its place, so numbering and history match")

        // The REPL's replay, a report of the transcript and open all say why and go on.
        let repl = try penguinSession(in: folder)
        let replayed = try #require(repl.execute("replay \"s.wbt\""))
        #expect(
            replayed.output.plainText.contains(
                "cell [2] was interrupted while training; nothing was bound, so replay skips it"))
        #expect(
            replayed.output.plainText.contains("replayed 3 cells, 3 matched; 1 interrupted cell not reproduced"),
            "\(replayed.output.plainText)")
        #expect(repl.lookup("m") == nil)
        let sessionReport = try SessionReport.replaying(transcriptAt: path)
        #expect(sessionReport.notes.contains { $0.contains("cell [2] was interrupted while training") })
        #expect(sessionReport.cells.count == 4)
        let opened = try penguinSession(in: folder)
        let reopened = try Reopener(transcript: transcript, shownPath: "s.wbt", path: path).run(
            into: opened, adopt: true)
        #expect(opened.lookup("m") == nil, "open does not bind what the recorded session never had")
        #expect(reopened.bindings.map(\.name) == ["penguins", "m2"])
        #expect(
            reopened.lines.contains(
                "note: cell [2] was interrupted while training; nothing was bound, so open skips it"),
            "\(reopened.lines)")
        #expect(reopened.failures.isEmpty)
    }

    @Test func aTamperedInterruptionMarkerIsDetected() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try recordInterruptedCompare(in: folder)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // More candidates than ran, or no marker at all: the cell is not what was recorded.
        for forged in [
            text.replacingOccurrences(of: "@interrupted after 2 of 5", with: "@interrupted after 3 of 5"),
            text.replacingOccurrences(
                of: "@interrupted after 2 of 5 candidates", with: "@interrupted after 2 of 4 candidates"),
            text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("@interrupted") }
                .joined(separator: "\n"),
        ] {
            #expect(forged != text)
            let problem = try #require(try Transcript.parse(forged, path: "s.wbt").integrityProblem)
            #expect(problem.contains("cell [2]"), "\(problem)")
        }
        // A marker added to a cell that ran to the end is found too.
        let added = text.replacingOccurrences(
            of: "\n@chain ", with: "\n@interrupted nothing bound\n@chain ", options: [],
            range: text.range(of: "\n@chain "))
        #expect(try Transcript.parse(added, path: "s.wbt").integrityProblem?.contains("cell [1]") == true)
    }

    @Test(arguments: [
        "@interrupted",
        "@interrupted everything",
        "@interrupted after 3 of 2 candidates; finished: a",
        "@interrupted after -1 of 2 candidates; finished: a",
        "@interrupted after 99999999999999999999 of 99999999999999999999 candidates; finished: a",
        "@interrupted after 2 of 2000000 candidates; finished: a",
        "@interrupted after 2 of 5 candidates; finished: ",
        "@interrupted after ２ of 5 candidates; finished: a",
        "@interrupted nothing bound\n@interrupted nothing bound",
        "@wrote b1/model.json",
        "@wrote b1/model.json sha256:abc",
        "@wrote sha256:" + String(repeating: "0", count: 64),
        "@wrote b1 sha256:" + String(repeating: "g", count: 64),
    ])
    func aMalformedMarkerIsRefusedCleanly(line: String) {
        let text = "# workbench transcript 1\n# workdir: .\n[1]> ls\n| nothing is bound yet\n\(line)\n"
        #expect(throws: TranscriptError.self) { try Transcript.parse(text, path: "t.wbt") }
    }

    @Test func aTranscriptOfThePreviousVersionStillReplays() throws {
        // Written by the version before these markers (no @wrote, no @interrupted), export included.
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/sessions", withIntermediateDirectories: true)
        let path = root + "/sessions/old.wbt"
        try FileManager.default.copyItem(
            atPath: repositoryRoot + "/Tests/WorkbenchTests/Fixtures/previous-version/readme-short-session.wbt",
            toPath: path)
        try FileManager.default.createSymbolicLink(atPath: root + "/examples", withDestinationPath: exampleData)
        let transcript = try Transcript.read(path: path)
        #expect(transcript.entries.allSatisfy { $0.written.isEmpty && $0.interruption == nil && $0.chain != nil })
        #expect(transcript.integrityProblem == nil, "the digests of old cells are unchanged")
        let report = Replayer(transcript: transcript, transcriptPath: path).run()
        #expect(report.allMatched, "\(report.firstDifference ?? "")")
        // Updating it adds what the export wrote.
        let updated = try #require(Replayer(transcript: transcript, transcriptPath: path).run(update: true).updated)
        #expect(
            updated.entries.last?.written.map(\.path) == [
                "bundles/penguins/model.json", "bundles/penguins/verification.json",
            ])
    }

    // MARK: what cells wrote

    /// Records load, train, export, card, predict to, report and save; returns the transcript's path.
    private func recordWriting(in folder: String, seed: Int = 42) throws -> String {
        let session = try penguinSession(in: folder)
        for line in [
            "load \"penguins.csv\"", "m = train forest on penguins target=species n_estimators=10 seed=\(seed)",
            "export m to \"b1\"",
            "card m to \"card.md\"", "predict m on penguins to \"p.csv\"", "report \"r.html\"",
        ] {
            let cell = try #require(session.execute(line))
            #expect(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        return try save(session, to: "s.wbt")
    }

    @Test func theFilesACellWroteAreRecordedAndReplayMatchesThem() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try recordWriting(in: folder)
        let transcript = try Transcript.read(path: path)
        try #require(transcript.entries.count == 6 && transcript.entries[2].written.count == 2)
        #expect(
            transcript.entries.map { $0.written.map(\.path) } == [
                [], [], ["b1/model.json", "b1/verification.json"], ["card.md"], ["p.csv"], ["r.html"],
            ])
        // The bundle's records are the digests of its files' bytes.
        let model = try Data(contentsOf: URL(fileURLWithPath: folder + "/b1/model.json"))
        #expect(transcript.entries[2].written[0].digest == WrittenFile(path: "", bytes: model).digest)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\n@wrote b1/model.json sha256:"))
        for run in 1...2 {
            let report = Replayer(transcript: transcript, transcriptPath: path).run()
            #expect(report.allMatched, "run \(run): \(report.firstDifference ?? "")")
        }
        // A save in the session records the transcript it wrote, and that replays too.
        let again = try penguinSession(in: folder)
        let replayed = try #require(again.execute("replay \"s.wbt\""))
        #expect(
            replayed.output.plainText.contains("replayed 6 cells, 5 matched"),
            "the report cell reports the replaying session: \(replayed.output.plainText)")
    }

    @Test func aChangedModelIsReportedNamingTheFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try recordWriting(in: folder)
        var transcript = try Transcript.read(path: path)
        try #require(transcript.entries.count == 6 && transcript.entries[2].written.count == 2)
        // A forger who recomputes the chain: the digest of model.json no longer matches the model.
        transcript.entries[2].written[0].digest = "sha256:" + String(repeating: "0", count: 64)
        let forged = try Transcript.parse(transcript.text, path: path)
        #expect(forged.integrityProblem == nil)
        let report = Replayer(transcript: forged, transcriptPath: path).run()
        #expect(!report.allMatched)
        let difference = try #require(report.firstDifference)
        #expect(
            difference.contains("cell [3] wrote b1/model.json with different content (recorded 000000000000, now "),
            "\(difference)")
        #expect(report.cellsMatched == 2)
        // Without recomputing the chain, the edit is found before anything runs.
        let edited = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
            of: transcript.entries[2].written[1].digest, with: "sha256:" + String(repeating: "1", count: 64))
        #expect(try Transcript.parse(edited, path: path).integrityProblem?.contains("cell [3]") == true)
    }

    @Test func aDifferentSeedWritesADifferentModel() throws {
        let a = try temporaryFolder(), b = try temporaryFolder()
        defer { for f in [a, b] { try? FileManager.default.removeItem(atPath: f) } }
        let first = try Transcript.read(path: try recordWriting(in: a, seed: 1))
        let second = try Transcript.read(path: try recordWriting(in: b, seed: 2))
        try #require(
            first.entries.count == 6 && second.entries.count == 6 && first.entries[2].written.count == 2
                && second.entries[2].written.count == 2)
        #expect(first.entries[2].written[0].digest != second.entries[2].written[0].digest)
        // A recording whose export claims the other seed's model is caught at that file.
        var forged = first
        forged.entries[2].written = second.entries[2].written
        let report = Replayer(
            transcript: try Transcript.parse(forged.text, path: a + "/s.wbt"), transcriptPath: a + "/s.wbt"
        ).run()
        #expect(
            report.firstDifference?.contains("cell [3] wrote b1/model.json with different content") == true,
            "\(report.firstDifference ?? "")")
    }

    @Test func aReportsDigestIgnoresVolatileValues() throws {
        let one = WrittenFile(
            path: "r.html",
            stableText: "fit \(Output.volatile("3 ms")) score 0.9\ncard `\(Output.volatile("/tmp/a.wbt"))`  ")
        let two = WrittenFile(
            path: "r.html",
            stableText: "fit \(Output.volatile("120 ms")) score 0.9\ncard `\(Output.volatile("/home/x/s.wbt"))`")
        let braces = WrittenFile(path: "r.html", stableText: "fit {{7 ms}} score 0.9\ncard `{{elsewhere}}`")
        #expect(one == two && two == braces)
        #expect(one != WrittenFile(path: "r.html", stableText: "fit \(Output.volatile("3 ms")) score 0.8\ncard `x`"))
        // Two sessions doing the same write the same report digest, though their times differ.
        let a = try temporaryFolder(), b = try temporaryFolder()
        defer { for f in [a, b] { try? FileManager.default.removeItem(atPath: f) } }
        let first = try Transcript.read(path: try recordWriting(in: a)),
            second = try Transcript.read(path: try recordWriting(in: b))
        try #require(first.entries.count == 6 && second.entries.count == 6)
        #expect(first.entries[5].written == second.entries[5].written)
        #expect(first.entries[3].written == second.entries[3].written, "the card names its transcript (volatile)")
    }

    // MARK: servers in a replay

    /// A loopback socket listening on `port` (0: any free one), and the port it got.
    private static func listen(port: UInt16) throws -> (socket: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && Glibc.listen(fd, 1) == 0, "cannot listen on \(port)")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// A session that served a model on a fixed port replays while something else holds that
    /// port: the replayed server listens on a free one (its address is volatile), and the
    /// replay stops it at the end.
    @Test func aRecordedServerReplaysWhileItsPortIsTaken() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let probe = try Self.listen(port: 0)
        close(probe.socket)
        let session = try penguinSession(in: folder)
        for line in [
            "load \"penguins.csv\"", "m = train linear on penguins target=species", "serve m port=\(probe.port)",
            "servers", "stop 1",
        ] {
            let cell = try #require(session.execute(line))
            #expect(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        let path = try save(session, to: "served.wbt")
        let taken = try Self.listen(port: probe.port)
        defer { close(taken.socket) }
        let transcript = try Transcript.read(path: path)
        let replaying = try penguinSession(in: folder)
        let report = Replayer(transcript: transcript, transcriptPath: path).run(into: replaying)
        #expect(report.allMatched, "\(report.firstDifference ?? "")")
        // Outside a replay, the port given is the port used, and a taken one is an error.
        let direct = try #require(replaying.execute("serve m port=\(probe.port)"))
        #expect(!direct.succeeded && direct.output.plainText.contains("\(probe.port)"), "\(direct.output.plainText)")
        replaying.servers.stopAll()
    }
}
