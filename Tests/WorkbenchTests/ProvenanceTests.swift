import Bundles
import Foundation
import Learning
import Tabular
import Testing
import TestSupport
@testable import Workbench

/// Provenance travels with the model (issue 23, item 7): `export` writes the cells that made the
/// model into the bundle, and `workbench replay BUNDLE --data DIR` re-runs them and compares bytes.
@Suite("Provenance: the cells that made a model, in its bundle", .serialized)
struct ProvenanceTests {
    /// A folder holding copies of the example files (a data folder for replays), removed by the caller.
    private func dataFolder(_ names: [String] = ["penguins.csv", "iris.csv"]) throws -> String {
        let folder = try temporaryFolder()
        for name in names {
            try FileManager.default.copyItem(atPath: exampleData + "/" + name, toPath: folder + "/" + name)
        }
        return folder
    }

    /// Runs `lines` in a fresh session working in the repository; every cell must succeed.
    private func session(_ lines: [String]) throws -> Session {
        let session = makeSession()
        for line in lines {
            let cell = try #require(session.execute(line))
            #expect(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        return session
    }

    private func slice(_ model: String, _ session: Session) throws -> ProvenanceSlice {
        switch ProvenanceSlice.of(model: model, in: session.cells) {
        case .success(let slice): return slice
        case .failure(let gap):
            Issue.record("no provenance: \(gap)")
            throw gap
        }
    }

    private func gap(_ model: String, _ session: Session) -> String? {
        if case .failure(let gap) = ProvenanceSlice.of(model: model, in: session.cells) { return gap.reason }
        return nil
    }

    // MARK: the slice

    @Test func theSliceHoldsTheCellsThatMadeTheModelAndNoOthers() throws {
        let s = try session([
            #"load "examples/iris.csv""#,  // 1 unrelated data
            #"load "examples/penguins.csv""#,  // 2
            "describe penguins",  // 3 observation
            "split penguins test=0.25 seed=7 stratify=species",  // 4
            "small = select iris sepal_length, species",  // 5 unrelated derivation
            "lb = compare [linear, tree] on penguins.train target=species folds=3",  // 6
            "other = train tree on iris target=species",  // 7 unrelated model
            "m = train lb.best on penguins.train target=species seed=3",  // 8
            "evaluate m on penguins.test",  // 9 annotation
            #"note m "for the test""#,  // 10 annotation
            "show penguins",  // 11
        ])
        let slice = try slice("m", s)
        #expect(slice.steps.map(\.sessionNumber) == [2, 4, 6, 8])
        #expect(
            slice.steps.map(\.command) == [
                #"load "examples/penguins.csv""#, "split penguins test=0.25 seed=7 stratify=species",
                "lb = compare [linear, tree] on penguins.train target=species folds=3",
                "m = train lb.best on penguins.train target=species seed=3",
            ])
        #expect(slice.dataFiles.map(\.name) == ["penguins.csv"])
        #expect(slice.dataFiles.first?.fingerprint == (try Fingerprint.ofFile(atPath: exampleData + "/penguins.csv")))
        #expect(slice.record == Manifest.Provenance(model: "m", cells: 4, data: slice.dataFiles))
        // The other model's slice is its own.
        #expect(try self.slice("other", s).steps.map(\.sessionNumber) == [1, 7])

        // provenance.wbt is a transcript: intact, renumbered 1…4, the unrelated cells absent.
        let text = slice.transcriptText(sessionFile: "sessions/x.wbt")
        let transcript = try Transcript.parse(text, path: "provenance.wbt")
        #expect(transcript.integrityProblem == nil)
        #expect(transcript.entries.map(\.number) == [1, 2, 3, 4])
        #expect(transcript.entries.map(\.command) == slice.steps.map(\.command))
        for unrelated in ["iris", "describe", "note", "evaluate", "show"] {
            #expect(!text.contains("]> " + unrelated), "\(unrelated)")
        }
        #expect(
            text.contains("# Provenance of model m: the cells of session x.wbt that made it (its cells 2, 4, 6, 8)"))
    }

    @Test func aRebindingIsFollowedToTheValueTheCommandSaw() throws {
        let s = try session([
            #"d = load "examples/iris.csv""#,
            #"d = load "examples/penguins.csv""#,
            "m = train tree on d target=species",
            #"d = load "examples/iris.csv""#,
            "rerun 3",
        ])
        // `rerun 3` ran the train again on the iris rebinding of d: that is the m bound now.
        let now = try slice("m", s)
        #expect(now.steps.map(\.sessionNumber) == [4, 5])
        #expect(now.steps.last?.command == "m = train tree on d target=species")
        #expect(now.steps.last?.output.first?.hasPrefix("m: tree on d") == true)
        #expect(now.dataFiles.map(\.name) == ["iris.csv"])
        // Before the rerun, m was made from the penguins rebinding of d.
        let before = try #require(try? ProvenanceSlice.of(model: "m", in: Array(s.cells.prefix(4))).get())
        #expect(before.steps.map(\.sessionNumber) == [2, 3])
    }

    @Test func modelsMadeOutsideTheSessionsDataHaveNone() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let s = try session([
            #"load "examples/penguins.csv""#, "m = train linear on penguins target=species",
            "export m to \"\(folder)/b\"", "b = import \"\(folder)/b\"", "m2 = train b on penguins target=species",
        ])
        #expect(gap("b", s)?.contains("cell [4] (b = import") == true, "\(gap("b", s) ?? "")")
        #expect(gap("m2", s)?.contains("come from outside this session's data") == true)
        #expect(gap("nothing", s) == "no cell of this session bound nothing")
        // Exported anyway, saying why there is no provenance.
        let cell = try #require(run(s, "export m2 to \"\(folder)/b2\""))
        #expect(cell.succeeded)
        #expect(cell.output.plainText.contains("no provenance recorded: m2 depends on cell [4] (b = import"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/b2/provenance.wbt"))
        // An imported model is not exported again: its bundle already carries its provenance.
        let again = try #require(run(s, "export b to \"\(folder)/b3\""))
        #expect(!again.succeeded)
        #expect(
            again.output.plainText.contains(
                "copy the bundle itself: it carries the model, its checks and its provenance"))
    }

    // MARK: export and replay

    /// Exports `m` trained by `lines` to `folder/name`; returns the bundle's path.
    private func export(_ lines: [String], to folder: String, name: String = "b", extra: String = "") throws -> String {
        let s = try session(lines + ["export m to \"\(folder)/\(name)\" \(extra)"])
        let out = s.cells.last?.output.plainText ?? ""
        #expect(out.contains("provenance: cells"), "\(out)")
        return folder + "/" + name
    }

    private let boosted = [
        #"load "examples/iris.csv""#, #"load "examples/penguins.csv""#, "split penguins seed=11",
        "m = train boost on penguins.train target=species max_iter=30 seed=5", "evaluate m on penguins.test",
    ]

    @Test func aBundleReplaysToTheSameBytes() throws {
        let folder = try temporaryFolder()
        let data = try dataFolder()
        defer { for f in [folder, data] { try? FileManager.default.removeItem(atPath: f) } }
        let path = try export(boosted, to: folder)
        let bundle = try BundleReader.open(path)
        #expect(bundle.manifest.provenance?.cells == 3)
        #expect(bundle.manifest.files[BundleFile.provenance] == Fingerprint.of(bytes: try #require(bundle.provenance)))
        #expect(ProvenanceSummary.line(bundle.manifest).hasPrefix("provenance: 3 cells made m from penguins.csv ("))
        let before = try filesUnder(data)
        var echoed: [Int] = []
        let report = try ProvenanceReplay(bundle: bundle, shownAs: "b").run(dataFolder: data) { n, _ in echoed.append(n)
        }
        #expect(report.identical, "\(report.firstDifference ?? "")")
        #expect(report.cellsRun == 3 && echoed == [1, 2, 3])
        #expect(report.data.map(\.name) == ["penguins.csv"] && report.data.map(\.cell) == [1])
        #expect(report.bytes == bundle.modelData.count)
        #expect(try filesUnder(data) == before, "the replay wrote into the data folder")

        // Imported, the model's card says how it was made.
        let s = makeSession()
        let imported = try #require(run(s, "b = import \"\(path)\"", "card b"))
        #expect(
            imported.output.plainText.contains(
                "- Made by the 3 cells in the bundle's `provenance.wbt`, from `penguins.csv` (\(bundle.manifest.provenance?.data.first?.fingerprint ?? "?"))"
            ), "\(imported.output.plainText)")

        // The same from a zip.
        let zipped = try export(boosted, to: folder, name: "b.zip")
        #expect(
            try ProvenanceReplay(bundle: BundleReader.open(zipped), shownAs: "b.zip").run(dataFolder: data).identical)
    }

    @Test func aDifferentModelIsReportedAtItsFirstDifferentByte() {
        #expect(ProvenanceReplay.firstDifference(recorded: Data("abc".utf8), retrained: Data("abc".utf8)) == nil)
        let text = ProvenanceReplay.firstDifference(
            recorded: Data(#"{"a":0.5,"b":1}"#.utf8), retrained: Data(#"{"a":0.25,"b":1}"#.utf8))
        #expect(
            text?.hasPrefix("model.json differs from byte 7 on (the bundle's is 15 bytes, the retrained model's 16)")
                == true, "\(text ?? "")")
    }

    @Test func aChangedOrMissingDataFileIsNamedWithItsCell() throws {
        let folder = try temporaryFolder()
        let data = try dataFolder()
        defer { for f in [folder, data] { try? FileManager.default.removeItem(atPath: f) } }
        let bundle = try BundleReader.open(try export(boosted, to: folder))
        let replay = ProvenanceReplay(bundle: bundle, shownAs: "b")
        // One byte changed.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: data + "/penguins.csv"))
        bytes[bytes.count - 2] = bytes[bytes.count - 2] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try bytes.write(to: URL(fileURLWithPath: data + "/penguins.csv"))
        #expect {
            try replay.run(dataFolder: data)
        } throws: { error in
            guard case ProvenanceError.dataChanged(let name, let cell, let recorded, _) = error else { return false }
            return name == "penguins.csv" && cell == 1
                && recorded == bundle.manifest.provenance?.data.first?.fingerprint
                && (error as? ProvenanceError)?.isMismatch == true
                && "\(error)".contains("data file penguins.csv (read in cell [1]) is not the data")
        }
        try FileManager.default.removeItem(atPath: data + "/penguins.csv")
        #expect(throws: ProvenanceError.missingData(name: "penguins.csv", cell: 1, folder: data, reason: "is not")) {
            try replay.run(dataFolder: data)
        }
        #expect(throws: ProvenanceError.dataFolder(path: data + "/iris.csv", reason: "not a folder")) {
            try replay.run(dataFolder: data + "/iris.csv")
        }
    }

    @Test func aLinkOutOfTheDataFolderIsNotFollowed() throws {
        let folder = try temporaryFolder()
        let data = try dataFolder([])
        defer { for f in [folder, data] { try? FileManager.default.removeItem(atPath: f) } }
        let bundle = try BundleReader.open(try export(boosted, to: folder))
        try FileManager.default.createSymbolicLink(
            atPath: data + "/penguins.csv", withDestinationPath: exampleData + "/penguins.csv")
        #expect(
            throws: ProvenanceError.missingData(
                name: "penguins.csv", cell: 1, folder: data,
                reason: "is a link to a file outside the folder, which is not read,")
        ) {
            try ProvenanceReplay(bundle: bundle, shownAs: "b").run(dataFolder: data)
        }
    }

    @Test func aSignedBundleSignsItsProvenance() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try KeyPairFiles.generate(prefix: folder + "/key", overwrite: false)
        let path = try export(boosted, to: folder, extra: "sign=\"\(folder)/key.pem\"")
        _ = try BundleReader.open(path, trustedKey: folder + "/key.pub.pem")
        // A provenance rewritten with fresh checksums no longer matches the signed manifest.
        try craft(path, text: Data("# workbench transcript 1\n".utf8), cells: 1)
        #expect(throws: BundleError.badSignature(bundle: path)) {
            try BundleReader.open(path, trustedKey: folder + "/key.pub.pem")
        }
    }

    // MARK: crafted and old bundles

    /// Replaces `provenance.wbt` (nil: removes it and the manifest's record) and rewrites the
    /// manifest's checksums, as a forger would.
    private func craft(_ bundle: String, text: Data?, cells: Int? = nil, data: [Manifest.Provenance.DataFile]? = nil)
        throws
    {
        let manifestPath = bundle + "/" + BundleFile.manifest
        var manifest = try ModelCoding.decoder().decode(
            Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
        if let text {
            try text.write(to: URL(fileURLWithPath: bundle + "/" + BundleFile.provenance))
            manifest.files[BundleFile.provenance] = Fingerprint.of(bytes: text)
            let count = cells ?? manifest.provenance?.cells ?? 1
            manifest.provenance?.cells = count
            if let data { manifest.provenance?.data = data }
        } else {
            try? FileManager.default.removeItem(atPath: bundle + "/" + BundleFile.provenance)
            manifest.files[BundleFile.provenance] = nil
            manifest.provenance = nil
        }
        try manifest.encoded().write(to: URL(fileURLWithPath: manifestPath))
    }

    /// A provenance transcript of `commands`, intact (numbered, with digests).
    private func transcript(_ cells: [(String, [DataFileRecord])]) -> Data {
        var t = Transcript(workdir: ".")
        for (i, cell) in cells.enumerated() {
            t.entries.append(Transcript.Entry(number: i + 1, command: cell.0, output: [], dataFiles: cell.1, line: 0))
        }
        return Data(t.text.utf8)
    }

    @Test func craftedProvenanceIsRefusedWithoutReadingOrWritingOutside() throws {
        let folder = try temporaryFolder()
        let data = try dataFolder()
        defer { for f in [folder, data] { try? FileManager.default.removeItem(atPath: f) } }
        let path = try export(boosted, to: folder)
        let penguins = try Fingerprint.ofFile(atPath: data + "/penguins.csv")
        let load = (
            #"load "examples/penguins.csv""#, [DataFileRecord(path: "examples/penguins.csv", fingerprint: penguins)]
        )
        let plain = [Manifest.Provenance.DataFile(name: "penguins.csv", fingerprint: penguins)]
        // A secret beside the data folder, which no crafted path may reach.
        let secret = (folder as NSString).appendingPathComponent("secret.csv")
        try "a,b\n1,2\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let secretPrint = try Fingerprint.ofFile(atPath: secret)
        let before = try filesUnder(folder)

        func refused(
            _ text: Data, cells: Int? = nil, data files: [Manifest.Provenance.DataFile]? = nil,
            where check: (ProvenanceError) -> Bool
        ) throws {
            try craft(path, text: text, cells: cells, data: files)
            let bundle = try BundleReader.open(path)
            do {
                _ = try ProvenanceReplay(bundle: bundle, shownAs: "b").run(dataFolder: data)
                Issue.record("accepted: \(String(decoding: text.prefix(300), as: UTF8.self))")
            } catch {
                #expect(check(error), "\(error)")
                #expect(!error.isMismatch || { if case .missingData = error { true } else { false } }())
            }
        }
        func refusedCell(_ n: Int) -> (ProvenanceError) -> Bool {
            { if case .refusedCell(_, let cell, _, _) = $0 { cell == n } else { false } }
        }
        func malformed(_ e: ProvenanceError) -> Bool { if case .malformed = e { true } else { false } }

        // Garbage: not UTF-8, not a transcript, cells cut or reordered, counts that disagree.
        try refused(Data([0xFF, 0xFE, 0x00, 0x41]), where: malformed)
        try refused(Data("hello\n".utf8), where: malformed)
        try refused(Data("# workbench transcript 1\n".utf8), cells: 1, where: malformed)
        try refused(transcript([load, ("m = train tree on penguins target=species", [])]), cells: 3, where: malformed)
        var swapped = String(
            decoding: transcript([load, ("m = train tree on penguins target=species", [])]), as: UTF8.self)
        swapped = swapped.replacingOccurrences(of: "train tree", with: "train boost")
        try refused(Data(swapped.utf8), cells: 2, where: malformed)
        // The manifest's list and the cells must agree.
        try refused(
            transcript([load, ("m = train tree on penguins target=species", [])]), cells: 2,
            data: [.init(name: "iris.csv", fingerprint: penguins)], where: malformed)
        // Commands a provenance never runs: a replay of a bundle or transcript inside it, an import,
        // writes, a rerun, SQLite.
        for (command, n) in [
            (#"replay "b/provenance.wbt""#, 2), (#"m = import "b""#, 2), (#"export m to "/tmp/x""#, 2),
            (#"save "/tmp/s.wbt""#, 2), ("rerun 1", 2), (#"report "/tmp/r.md""#, 2), ("serve m port=0", 2),
        ] {
            try refused(transcript([load, (command, [])]), cells: 2, data: plain, where: refusedCell(n))
        }
        try refused(
            transcript([(#"load "sqlite:/etc/shop.db" table=t"#, [])]), cells: 1, data: [], where: refusedCell(1))
        // A load that records no fingerprint, or a derivation that claims a data file.
        try refused(transcript([(#"load "examples/penguins.csv""#, [])]), cells: 1, data: [], where: refusedCell(1))
        try refused(
            transcript([
                load,
                ("m = train tree on penguins target=species", [DataFileRecord(path: "x.csv", fingerprint: penguins)]),
            ]), cells: 2, data: plain, where: refusedCell(2))
        // Paths that escape the data folder are looked up by their file name in it, never followed:
        // the secret beside it, and /etc/passwd, are not read.
        try refused(
            transcript([(#"load "../secret.csv""#, [DataFileRecord(path: "../secret.csv", fingerprint: secretPrint)])]),
            cells: 1,
            data: [.init(name: "secret.csv", fingerprint: secretPrint)]
        ) { e in
            if case .missingData("secret.csv", 1, _, "is not") = e { true } else { false }
        }
        try refused(
            transcript([
                (#"load "../../etc/passwd""#, [DataFileRecord(path: "../../etc/passwd", fingerprint: penguins)])
            ]), cells: 1,
            data: [.init(name: "passwd", fingerprint: penguins)]
        ) { e in
            if case .missingData("passwd", 1, _, _) = e { true } else { false }
        }
        try refused(
            transcript([(#"load "..""#, [DataFileRecord(path: "..", fingerprint: penguins)])]), cells: 1, data: plain,
            where: refusedCell(1))
        // A manifest naming a data file by a path is refused when the bundle is opened.
        try craft(
            path, text: transcript([load]), cells: 1, data: [.init(name: "../../etc/passwd", fingerprint: penguins)])
        #expect(
            throws: BundleError.malformedManifest(
                bundle: path, reason: "provenance data file '../../etc/passwd' is not a plain file name")
        ) { try BundleReader.open(path) }
        // Huge.
        try craft(
            path, text: Data(repeating: UInt8(ascii: "#"), count: BundleReader.maximumProvenanceBytes + 1), cells: 1,
            data: plain)
        #expect(
            throws: BundleError.malformedFile(
                bundle: path, file: BundleFile.provenance, reason: "it is over the 8 MiB limit")
        ) { try BundleReader.open(path) }
        // Missing, though the manifest records it.
        try FileManager.default.removeItem(atPath: path + "/" + BundleFile.provenance)
        #expect(throws: BundleError.missingFile(bundle: path, file: BundleFile.provenance)) {
            try BundleReader.open(path)
        }

        // Nothing was written beside the bundle or in the data folder (the bundle's own files aside).
        #expect(
            try filesUnder(folder).filter { !$0.hasPrefix("b/") && !$0.hasPrefix("b ") }
                == before.filter { !$0.hasPrefix("b/") && !$0.hasPrefix("b ") })
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == "a,b\n1,2\n")
    }

    @Test func aBundleWithoutProvenanceStillVerifiesAndImports() throws {
        let folder = try temporaryFolder()
        let data = try dataFolder()
        defer { for f in [folder, data] { try? FileManager.default.removeItem(atPath: f) } }
        let path = try export(boosted, to: folder)
        // As bundles were before provenance: no file, no "provenance" key in the manifest.
        try craft(path, text: nil)
        let manifestText = try String(contentsOfFile: path + "/" + BundleFile.manifest, encoding: .utf8)
        #expect(!manifestText.contains("provenance"))
        let bundle = try BundleReader.open(path)
        #expect(bundle.provenance == nil)
        #expect(ProvenanceSummary.line(bundle.manifest) == "no provenance recorded")
        #expect(throws: ProvenanceError.notRecorded(bundle: "b")) {
            try ProvenanceReplay(bundle: bundle, shownAs: "b").run(dataFolder: data)
        }
        let s = makeSession()
        let cell = try #require(run(s, "b = import \"\(path)\""))
        #expect(cell.succeeded)
        #expect(cell.output.plainText.contains("no provenance recorded"))
        #expect(
            run(s, "card b")?.output.plainText.contains(
                "- The bundle records no provenance (the cells that made the model)") == true)
    }

    @Test func theShellSaysByteIdenticalOrWhyNotWithReplaysExitCodes() throws {
        let folder = try temporaryFolder()
        let data = try dataFolder()
        defer { for f in [folder, data] { try? FileManager.default.removeItem(atPath: f) } }
        let path = try export(boosted, to: folder)
        let ok = try runBinary(["replay", path, "--data", data])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(
            ok.out.contains(
                "byte-identical: ran 3 cells on penguins.csv (fingerprints match); the retrained m is model.json exactly"
            ), "\(ok.out)")
        let verify = try runBinary(["verify", path])
        #expect(
            verify.status == 0 && verify.out.contains("provenance: 3 cells made m from penguins.csv"),
            "\(verify.out)\(verify.err)")
        // Usage: a bundle without --data, --update with --data.
        #expect(try runBinary(["replay", path]).status == 64)
        #expect(try runBinary(["replay", path, "--data", data, "--update"]).status == 64)
        #expect(try runBinary(["replay", path, "--data", data + "/nope"]).status == 64)
        #expect(try runBinary(["replay", data + "/iris.csv", "--data", data]).status == 64)
        // Not reproduced: the data changed.
        try "species,x\nAdelie,1\n".write(toFile: data + "/penguins.csv", atomically: true, encoding: .utf8)
        let changed = try runBinary(["replay", path, "--data", data])
        #expect(
            changed.status == 1
                && changed.err.contains(
                    "data file penguins.csv (read in cell [1]) is not the data the model was trained on"),
            "\(changed.err)")
        // Cannot be replayed: no provenance.
        try craft(path, text: nil)
        let old = try runBinary(["replay", path, "--data", data])
        #expect(old.status == 2 && old.err.contains("has no provenance recorded"), "\(old.err)")
        #expect(try runBinary(["verify", path]).out.contains("no provenance recorded"))
    }
}
