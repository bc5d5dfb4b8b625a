import Bundles
import Foundation
import Learning
import Tabular
import Testing
import TestSupport
@testable import Workbench

/// Reopening a session fast (issue 23, item 6): `open` restores a transcript's names, its models
/// from the content-addressed model cache under `$WORKBENCH_HOME/models`.
@Suite("Open: sessions reopen from the model cache")
struct ReopenCommandsTests {
    /// A folder with its own copy of penguins.csv (so a test may change it), a home, and a
    /// transcript recorded there; returns the folder and the transcript's path.
    private func recorded(_ lines: [String], home: String? = nil) throws -> (
        folder: String, home: String, transcript: String
    ) {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: exampleData + "/penguins.csv", toPath: folder + "/penguins.csv")
        let home = home ?? folder + "/home"
        let session = Session(environment: SessionEnvironment(workingDirectory: folder, home: home, width: 100))
        for line in lines {
            let cell = try #require(session.execute(line))
            #expect(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        let saved = try #require(session.execute("save \"s.wbt\""))
        #expect(saved.succeeded, "\(saved.output.plainText)")
        return (folder, home, folder + "/s.wbt")
    }

    private func fresh(_ folder: String, home: String) -> Session {
        Session(environment: SessionEnvironment(workingDirectory: folder, home: home, width: 100))
    }

    private func reopen(_ path: String, into session: Session, adopt: Bool = false) throws -> Reopener.Report {
        try Reopener(transcript: try Transcript.read(path: path), shownPath: "s.wbt", path: path).run(
            into: session, adopt: adopt)
    }

    private static let basic = [
        "load \"penguins.csv\"", "split penguins test=0.2 seed=7",
        "m = train boost on penguins.train target=species max_iter=20", "describe penguins",
        "e = evaluate m on penguins.test", "export m to \"b1\"",
    ]

    @Test func openRestoresEveryNameAndTheNumberingContinues() throws {
        let (folder, home, path) = try recorded(Self.basic)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.removeItem(atPath: folder + "/b1")
        let session = fresh(folder, home: home)
        var observed: [Int] = []
        session.cellObserver = { observed.append($0.number) }
        let report = try reopen(path, into: session, adopt: true)
        #expect(report.bindings.map(\.name) == ["penguins", "penguins.train", "penguins.test", "m", "e"])
        #expect(report.bindings.map(\.kind) == ["dataset", "dataset", "dataset", "model", "evaluation"])
        #expect(report.rerunCount == 4)
        #expect(
            report.skipped == [
                .init(cell: 4, verb: "describe", role: .shows), .init(cell: 6, verb: "export", role: .actsOutside),
            ])
        #expect(report.failures.isEmpty && report.changedData.isEmpty)
        guard case .model(let m)? = session.lookup("m") else {
            Issue.record("m is not a model")
            return
        }
        #expect(m.heldOut?.data == "penguins.test", "evaluate's held-out score came back with the model")
        // Export is never redone, not even into the real folder.
        #expect(!FileManager.default.fileExists(atPath: folder + "/b1"))
        // The recorded cells are the session's cells 1…6, passed to the recorder; the next is 7.
        #expect(observed == [1, 2, 3, 4, 5, 6])
        #expect(session.nextCellNumber == 7)
        let next = try #require(session.execute("ls"))
        #expect(next.number == 7)
        // save writes a transcript whose cells 1…6 are the reopened ones, digests and all.
        #expect(try #require(session.execute("save \"again.wbt\"")).succeeded)
        let original = try Transcript.read(path: path), again = try Transcript.read(path: folder + "/again.wbt")
        #expect(again.integrityProblem == nil)
        #expect(again.entries.count == 7)
        #expect(Array(again.entries.prefix(6)).map(\.chain) == original.entries.map(\.chain))
        #expect(Array(again.entries.prefix(6)).map(\.output) == original.entries.map(\.output))
        // And it replays.
        let replayed = Replayer(transcript: again, transcriptPath: folder + "/again.wbt", home: folder + "/replay-home")
            .run()
        #expect(replayed.allMatched, "\(replayed.firstDifference ?? "")")
    }

    /// Timing-free proof that open does not fit a cached model: the cache entry is replaced by a
    /// different (valid) model under the same key, and that is the model open brings back.
    @Test func aSecondOpenTakesTheModelFromTheCacheWithoutFitting() throws {
        let (folder, home, path) = try recorded([
            "load \"penguins.csv\"", "m = train linear on penguins target=species",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = ModelCache(home: home)
        #expect(try cache.status().entries == 1)
        let first = try reopen(path, into: fresh(folder, home: home))
        #expect(first.modelsFromCache == ["m"])
        #expect(
            first.lines.map(Output.markersAsBraces).contains(
                "restored 2 names: penguins (dataset), m (model{{, from the model cache}})"))

        // Swap in a tree fitted on the same rows, under linear's key.
        let digest = try #require(try FileManager.default.contentsOfDirectory(atPath: cache.folder).first)
            .replacingOccurrences(of: ".model", with: "")
        let probe = fresh(folder, home: folder + "/other-home")
        run(probe, "load \"penguins.csv\"", "t = train tree on penguins target=species")
        guard case .model(let tree)? = probe.lookup("t") else {
            Issue.record("no tree")
            return
        }
        try cache.store(
            key: digest, pipeline: tree.pipeline, fitSeconds: 1, trainingFrame: try #require(tree.trainingFrame))

        let session = fresh(folder, home: home)
        let second = try reopen(path, into: session)
        #expect(second.modelsFromCache == ["m"] && second.modelsRefit.isEmpty)
        guard case .model(let m)? = session.lookup("m") else {
            Issue.record("m is not a model")
            return
        }
        #expect(m.pipeline.algorithm == "tree", "m was fitted again instead of coming from the cache")
        #expect(m.runID == nil, "open records no run: the run was recorded when the session ran")

        // With the cache emptied, open fits again and says why.
        let cleared = try cache.clear()
        #expect(cleared.entries == 1)
        let third = try reopen(path, into: fresh(folder, home: home))
        #expect(third.modelsRefit == ["m"])
        #expect(third.bindings.first { $0.name == "m" }?.refitReason == "not in the model cache")
        #expect(try cache.status().entries == 1, "the model fitted again is cached again")
    }

    @Test func aChangedDataFileIsNamedWithItsDependentsAndItsModelsAreFittedAgain() throws {
        let (folder, home, path) = try recorded([
            "load \"penguins.csv\"", "m = train tree on penguins target=species",
            "iris = load \"examples/iris.csv\"", "k = train knn on iris target=species",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // One byte of one measurement changes.
        var text = try String(contentsOfFile: folder + "/penguins.csv", encoding: .utf8)
        text = text.replacingOccurrences(of: "39.1,18.7", with: "39.2,18.7")
        try text.write(toFile: folder + "/penguins.csv", atomically: true, encoding: .utf8)
        let session = fresh(folder, home: home)
        let report = try reopen(path, into: session)
        #expect(report.changedData.count == 1)
        let change = try #require(report.changedData.first)
        #expect(change.path == "penguins.csv" && change.cell == 1)
        #expect(change.dependents == ["penguins", "m"])
        #expect(report.modelsRefit == ["m"] && report.modelsFromCache == ["k"])
        #expect(report.bindings.first { $0.name == "m" }?.refitReason == "the data it was trained on changed")
        #expect(
            report.lines.contains {
                $0.hasPrefix("warning: data file penguins.csv changed since recording (read in cell [1])")
                    && $0.hasSuffix("depending on it: penguins, m")
            })
        guard case .model(let m)? = session.lookup("m"), case .dataset(let d)? = session.lookup("penguins") else {
            Issue.record("not restored")
            return
        }
        #expect(m.dataFingerprint == d.fingerprint, "m was fitted on the data as it is now")
    }

    /// Entries that are garbage, another model's, cut short or edited with a fresh digest are
    /// refused (typed), removed, and the model is fitted again with a note.
    @Test(arguments: [
        "garbage", "wrong key", "truncated", "edited body", "edited with digest", "fifo", "symlink", "empty",
    ])
    func aCraftedCacheEntryIsRefusedAndTheModelFittedAgain(kind: String) throws {
        let (folder, home, path) = try recorded([
            "load \"penguins.csv\"", "m = train linear on penguins target=species",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = ModelCache(home: home)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: cache.folder).first)
        let entry = cache.folder + "/" + name
        let original = try Data(contentsOf: URL(fileURLWithPath: entry))
        let newline = try #require(original.firstIndex(of: 0x0A))
        let header = String(decoding: original[..<newline], as: UTF8.self)
        var body = String(decoding: original[(newline + 1)...], as: UTF8.self)
        try FileManager.default.removeItem(atPath: entry)
        switch kind {
        case "garbage": try Data("\u{0}\u{FF}not a model at all\n{]".utf8).write(to: URL(fileURLWithPath: entry))
        case "wrong key":
            try Data(original).write(to: URL(fileURLWithPath: cache.folder + "/other.model"))
            try Data(
                header.replacingOccurrences(
                    of: name.replacingOccurrences(of: ".model", with: ""), with: String(repeating: "0", count: 64)
                ).utf8 + Data("\n".utf8) + Data(body.utf8)
            ).write(to: URL(fileURLWithPath: entry))
        case "truncated": try Data(original.prefix(original.count / 2)).write(to: URL(fileURLWithPath: entry))
        case "edited body", "edited with digest":
            // Every coefficient's leading digit 0 becomes 9: still JSON, a different model.
            body = body.replacingOccurrences(of: "0.", with: "9.")
            let parts = header.split(separator: " ")
            let digest = kind == "edited body" ? String(parts[3]) : Fingerprint.of(bytes: Array(body.utf8))
            try Data("\(parts[0]) \(parts[1]) \(parts[2]) \(digest)\n\(body)".utf8).write(
                to: URL(fileURLWithPath: entry))
        case "fifo": #expect(mkfifo(entry, 0o600) == 0)
        case "symlink": try FileManager.default.createSymbolicLink(atPath: entry, withDestinationPath: "/dev/zero")
        default: try Data().write(to: URL(fileURLWithPath: entry))
        }
        let session = fresh(folder, home: home)
        let report = try reopen(path, into: session)
        #expect(report.modelsRefit == ["m"], "\(kind)")
        #expect(report.bindings.first { $0.name == "m" }?.refitReason == "its cache entry was refused")
        #expect(report.notes.count == 1 && report.notes[0].contains("was refused and removed"), "\(report.notes)")
        guard case .model(let m)? = session.lookup("m") else {
            Issue.record("m is not a model")
            return
        }
        #expect(m.pipeline.algorithm == "linear")
        // The refused entry was replaced by the model fitted again, which a later open takes.
        #expect(try reopen(path, into: fresh(folder, home: home)).modelsFromCache == ["m"])
    }

    @Test func decodingRefusesEachKindOfDamageWithItsOwnError() throws {
        let session = makeSession()
        run(session, "load \"examples/iris.csv\"", "m = train tree on iris target=species")
        guard case .model(let m)? = session.lookup("m") else {
            Issue.record("no model")
            return
        }
        let key = String(repeating: "a", count: 64)
        let data = try CachedModel.encode(
            m.pipeline, fitSeconds: 0.5, verificationFrame: try #require(m.trainingFrame), key: key)
        #expect(try CachedModel.decode(data, key: key).fitSeconds == 0.5)
        #expect(throws: CachedModelError.wrongKey) {
            try CachedModel.decode(data, key: String(repeating: "b", count: 64))
        }
        var flipped = data
        flipped[flipped.count - 3] ^= 0x01
        #expect(throws: CachedModelError.checksumMismatch) { try CachedModel.decode(flipped, key: key) }
        #expect(throws: CachedModelError.malformed("no header line")) {
            try CachedModel.decode(Data("x".utf8), key: key)
        }
        let future = Data(
            String(decoding: data, as: UTF8.self).replacingOccurrences(
                of: "workbench-model-cache 1 ", with: "workbench-model-cache 9 "
            ).utf8)
        #expect(throws: CachedModelError.otherFormat("9")) { try CachedModel.decode(future, key: key) }
        // A duplicate key in the body, with a digest that matches it.
        let newline = try #require(data.firstIndex(of: 0x0A))
        let body =
            "{\"fitSeconds\":1,\"fitSeconds\":2"
            + String(decoding: data[(newline + 1)...], as: UTF8.self).dropFirst(1).drop { $0 != "," }
        let crafted = "workbench-model-cache 1 \(key) \(Fingerprint.of(bytes: Array(body.utf8)))\n\(body)"
        #expect { try CachedModel.decode(Data(crafted.utf8), key: key) } throws: { error in
            guard case CachedModelError.malformed(let reason) = error else { return false }
            return reason.contains("duplicate key 'fitSeconds'")
        }
    }

    @Test func theCapEvictsTheLeastRecentlyUsed() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        run(session, "load \"examples/iris.csv\"", "m = train tree on iris target=species")
        guard case .model(let m)? = session.lookup("m") else {
            Issue.record("no model")
            return
        }
        let frame = try #require(m.trainingFrame)
        let size = try CachedModel.encode(
            m.pipeline, fitSeconds: 1, verificationFrame: frame, key: String(repeating: "0", count: 64)
        ).count
        let cache = ModelCache(folder: folder + "/models", limit: size * 5 / 2)
        let keys = (1...3).map { String(repeating: String($0), count: 64) }
        #expect(try cache.store(key: keys[0], pipeline: m.pipeline, fitSeconds: 1, trainingFrame: frame) == 0)
        #expect(try cache.store(key: keys[1], pipeline: m.pipeline, fitSeconds: 1, trainingFrame: frame) == 0)
        // keys[0] is used after keys[1] was stored (times set apart, so the order does not rest on the clock's resolution).
        setModificationTime(cache.entryPath(keys[0]), secondsAgo: 100)
        setModificationTime(cache.entryPath(keys[1]), secondsAgo: 200)
        #expect(try cache.load(key: keys[0]) != nil)
        #expect(try cache.store(key: keys[2], pipeline: m.pipeline, fitSeconds: 1, trainingFrame: frame) == 1)
        #expect(try cache.load(key: keys[1]) == nil, "the least recently used entry was evicted")
        #expect(try cache.load(key: keys[0]) != nil && cache.load(key: keys[2]) != nil)
        #expect(try cache.status().entries == 2)
        // A model bigger than the whole cap is not stored.
        let tiny = ModelCache(folder: folder + "/tiny", limit: 100)
        #expect(throws: ModelCacheError.tooLarge(bytes: size, limit: 100)) {
            try tiny.store(key: keys[0], pipeline: m.pipeline, fitSeconds: 1, trainingFrame: frame)
        }
        // Permissions: 0700 folder, 0600 entries.
        var info = stat()
        #expect(stat(cache.folder, &info) == 0 && info.st_mode & 0o777 == 0o700)
        #expect(stat(cache.entryPath(keys[2]), &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    private func setModificationTime(_ path: String, secondsAgo: Int) {
        var times = [
            timespec(tv_sec: time(nil) - secondsAgo, tv_nsec: 0), timespec(tv_sec: time(nil) - secondsAgo, tv_nsec: 0),
        ]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    @Test func theCapComesFromOneVariable() {
        #expect(ModelCache.parseSize("500M") == 500 << 20)
        #expect(ModelCache.parseSize("2G") == 2 << 30)
        #expect(ModelCache.parseSize("2GiB") == 2 << 30)
        #expect(ModelCache.parseSize("123") == 123)
        #expect(
            ModelCache.parseSize("lots") == nil && ModelCache.parseSize("-1") == nil
                && ModelCache.parseSize("99999999999T") == nil)
        #expect(ModelCache(home: "/h", environment: [:]).limit == ModelCache.defaultLimit)
        #expect(ModelCache(home: "/h", environment: [ModelCache.limitVariable: "0"]).isEnabled == false)
        let bad = ModelCache(home: "/h", environment: [ModelCache.limitVariable: "lots"])
        #expect(bad.limit == ModelCache.defaultLimit && bad.limitProblem != nil)
    }

    @Test func cacheShowsAndClears() throws {
        let session = makeSession()
        defer { try? FileManager.default.removeItem(atPath: session.environment.home) }
        let empty = try #require(run(session, "cache"))
        #expect(
            empty.output.transcriptLines == [
                "model cache: {{0 models, 0 bytes}} of a {{1 GiB}} cap, in {{\(session.environment.home)/models}}"
            ])
        run(
            session, "load \"examples/iris.csv\"", "m = train tree on iris target=species",
            "k = train knn on iris target=species")
        #expect(try #require(run(session, "cache")).output.plainText.hasPrefix("model cache: 2 models, "))
        let cleared = try #require(run(session, "cache clear"))
        #expect(cleared.output.plainText.hasPrefix("removed 2 cached models ("))
        #expect(try #require(run(session, "cache")).output.plainText.hasPrefix("model cache: 0 models, 0 bytes"))
        let wrong = try #require(run(session, "cache empty"))
        #expect(!wrong.succeeded)
    }

    /// The cache folder a link, a FIFO or a file, or a home that cannot hold it: train says so in a
    /// note and goes on; open fits again with a note; cache reports a typed error. Nothing hangs.
    @Test(arguments: ["symlink", "fifo", "file", "home is a file"])
    func anUnusableCacheFolderGivesNotesNeverAFailure(kind: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let home = folder + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let models = home + "/models"
        switch kind {
        case "symlink": try FileManager.default.createSymbolicLink(atPath: models, withDestinationPath: folder)
        case "fifo": #expect(mkfifo(models, 0o600) == 0)
        case "file": try Data("x".utf8).write(to: URL(fileURLWithPath: models))
        default:
            try FileManager.default.removeItem(atPath: home)
            try Data("x".utf8).write(to: URL(fileURLWithPath: home))
        }
        let session = Session(environment: SessionEnvironment(workingDirectory: repositoryRoot, home: home, width: 100))
        let trained = try #require(run(session, "load \"examples/iris.csv\"", "m = train tree on iris target=species"))
        #expect(trained.succeeded)
        #expect(
            trained.output.plainText.contains("note: m is not kept in the model cache, so open will fit it again: "),
            "\(trained.output.plainText)")
        let cacheCell = try #require(run(session, "cache"))
        if kind != "home is a file" {
            #expect(!cacheCell.succeeded && cacheCell.output.plainText.contains("cannot be used"))
        }
        // open of a saved copy: fitted again, with the cache's note.
        let path = folder + "/s.wbt"
        #expect(try #require(run(session, "save \"\(path)\"")).succeeded)
        let reopened = fresh(repositoryRoot, home: home)
        let report = try reopen(path, into: reopened)
        #expect(report.modelsRefit == ["m"] && !report.notes.isEmpty)
        #expect(reopened.lookup("m") != nil)
    }

    @Test func aTranscriptThatOpensItselfIsRefusedNotRunForever() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/loop.wbt"
        var transcript = Transcript(workdir: ".")
        transcript.entries = [
            .init(number: 1, command: "load \"examples/iris.csv\"", output: [], dataFiles: [], line: 0),
            .init(number: 2, command: "open \"loop.wbt\"", output: [], dataFiles: [], line: 0),
        ]
        try transcript.text.write(toFile: path, atomically: true, encoding: .utf8)
        let session = makeSession(in: folder)
        let cell = try #require(run(session, "open \"loop.wbt\""))
        #expect(cell.succeeded)
        #expect(
            cell.output.plainText.contains(
                "warning: cell [2] open \"loop.wbt\" did not run again: replay of loop.wbt is already running"),
            "\(cell.output.plainText)")
        #expect(session.lookup("iris") != nil)
        // Directly, through `workbench open`'s entry: refused as a cycle only when nested, so it runs once.
        let direct = try Reopener(transcript: transcript, shownPath: "loop.wbt", path: path).run(
            into: makeSession(in: folder), adopt: true)
        #expect(direct.failures.count == 1)
    }

    @Test func aHugeOrChangedTranscriptIsATypedError() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Sparse: 65 MiB of size without writing them.
        let huge = folder + "/huge.wbt"
        #expect(FileManager.default.createFile(atPath: huge, contents: Data("# workbench transcript 1\n".utf8)))
        #expect(truncate(huge, off_t(Transcript.maximumBytes + 1)) == 0)
        let session = makeSession(in: folder)
        let cell = try #require(run(session, "open \"huge.wbt\""))
        #expect(!cell.succeeded && cell.output.plainText.contains("over the 64 MiB limit for transcripts"))
        // A FIFO is refused without waiting for a writer.
        #expect(mkfifo(folder + "/pipe.wbt", 0o600) == 0)
        let pipe = try #require(run(session, "open \"pipe.wbt\""))
        #expect(!pipe.succeeded && pipe.output.plainText.contains("FIFO"))
        // A transcript edited after recording is refused, as replay refuses it.
        let (recordedFolder, _, path) = try recorded(["load \"penguins.csv\""])
        defer { try? FileManager.default.removeItem(atPath: recordedFolder) }
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
            of: "344 rows", with: "345 rows")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let changed = try #require(run(makeSession(in: recordedFolder), "open \"s.wbt\""))
        #expect(!changed.succeeded && changed.output.plainText.contains("was changed after it was recorded"))
    }

    @Test func rerunCellsRunTheCommandOfTheTranscriptsCell() throws {
        let (folder, home, path) = try recorded([
            "load \"penguins.csv\"", "m = train tree on penguins target=species max_depth=2", "rerun 2",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Opened inside a session that already has cells: rerun 2 is the transcript's cell 2, not the session's.
        let session = fresh(folder, home: home)
        run(session, "x = load \"examples/iris.csv\"", "ls")
        let report = try reopen(path, into: session)
        #expect(report.failures.isEmpty)
        #expect(report.modelsFromCache == ["m"])
    }

    /// `workbench open FILE` in the shell: the summary, then the REPL continues at cell N+1 with the names.
    @Test func workbenchOpenContinuesTheSessionInTheREPL() throws {
        let (folder, home, _) = try recorded(["load \"penguins.csv\"", "m = train linear on penguins target=species"])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = try Subprocess(
            BuiltProducts.workbench, ["open", "s.wbt", "--sessions", folder + "/rec"], in: folder,
            environment: ["WORKBENCH_HOME": home], input: "ls\n")
        #expect(process.wait(timeout: 120) == 0, "\(process.errorOutput)")
        let out = process.output
        #expect(out.contains("restored 2 names: penguins (dataset), m (model, from the model cache)"), "\(out)")
        #expect(out.contains("[3]> ls"), "the transcript holds 2 cells, so ls is cell 3: \(out)")
        #expect(out.contains("linear → species (classification), trained on penguins"), "\(out)")
        // The new recording continues the transcript and passes its integrity check.
        let recordings = try FileManager.default.contentsOfDirectory(atPath: folder + "/rec")
        let recording = try Transcript.read(path: folder + "/rec/" + (try #require(recordings.first)))
        #expect(recording.entries.map(\.number) == [1, 2, 3] && recording.integrityProblem == nil)
    }
}
