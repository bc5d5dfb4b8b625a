import Foundation
import Testing
import ZIPFoundation
@testable import Bundles
@testable import Learning
import Tabular

/// A small mixed-type frame: numbers with a missing value, text, and a class target.
private func sampleFrame() throws -> DataFrame {
    try DataFrame(columns: [
        Column(name: "x", data: .numeric([1, 2, 3, 4, 5, 6, 7, 8, .nan, 10, 11, 12])),
        Column(
            name: "color",
            data: .categorical(codes: [0, 1, 0, 1, 0, 1, 2, 2, 0, 1, -1, 2], levels: ["red", "blue", "green"])),
        Column(name: "label", data: .categorical(codes: [0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0], levels: ["no", "yes"])),
    ])
}

private func contents(algorithm: any Algorithm.Type = Linear.self, frame: DataFrame? = nil) throws -> BundleContents {
    let frame = try frame ?? sampleFrame()
    let pipeline = try PipelineModel.train(
        algorithm: algorithm, parameters: [:], frame: frame, target: "label", features: ["x", "color"],
        context: FitContext(seed: 1))
    return BundleContents(
        producer: "workbench test", name: "t", pipeline: pipeline,
        trainingData: .init(name: "sample", fingerprint: "sha256:00", rows: frame.rowCount, columns: 2),
        metrics: ["training_accuracy": 0.9], validationVerdict: nil, card: "# card\n", reference: Data("{}".utf8),
        onnx: nil,
        onnxInfo: .init(present: false, reason: "test", float32Notes: []), sampleFrame: frame, sensitiveColumns: [])
}

private func folder() throws -> String {
    let path = NSTemporaryDirectory() + "wb-bundle-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Bundles")
struct BundleTests {
    @Test(arguments: ["baseline", "linear", "knn", "bayes", "mlp", "tree", "forest", "boost"])
    func roundTripPredictsIdentically(algorithm name: String) throws {
        let algorithm = try #require(AlgorithmRegistry.named(name))
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let c = try contents(algorithm: algorithm)
        for path in [base + "/b", base + "/b.zip"] {
            try BundleWriter.write(c, to: path, overwrite: false)
            let loaded = try BundleReader.open(path)
            let frame = try sampleFrame()
            #expect(try loaded.pipeline.predict(frame).prediction == c.pipeline.predict(frame).prediction)
            #expect(loaded.manifest.algorithm == name)
        }
    }

    @Test func manifestListsEveryFileWithItsChecksum() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let manifest = try BundleWriter.write(contents(), to: base + "/b", overwrite: false)
        #expect(
            Set(manifest.files.keys) == [
                "model.json", "verification.json", "reference.json", "MODEL_CARD.md", "openapi.yaml", "example.json",
            ])
        #expect(manifest.inputs.map(\.name) == ["x", "color"])
        #expect(manifest.inputs[1].categories == ["red", "blue", "green"])
        #expect(manifest.resources != nil)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: base).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty)
    }

    /// An export tidies the staging folders of killed exports beside it, but only those it can
    /// prove are its own: a folder with the staging name holding a user's file survives whole
    /// (the sweep was recursive before issue 19).
    @Test func exportRemovesOnlyAbandonedStagingItCanProveIsItsOwn() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let gone = finished.processIdentifier
        let fm = FileManager.default
        let abandoned = base + "/.b.partial-\(gone)-1A2B3C4D"
        try fm.createDirectory(atPath: abandoned, withIntermediateDirectories: false)
        try "{}".write(toFile: abandoned + "/model.json", atomically: false, encoding: .utf8)
        let lookalike = base + "/.b.partial-\(gone)-5E6F7A8B"
        try fm.createDirectory(atPath: lookalike + "/album", withIntermediateDirectories: true)
        try "jpeg".write(toFile: lookalike + "/album/1.jpg", atomically: false, encoding: .utf8)
        try BundleWriter.write(contents(), to: base + "/b", overwrite: false)
        #expect(!fm.fileExists(atPath: abandoned))
        #expect(fm.fileExists(atPath: lookalike + "/album/1.jpg"))
    }

    @Test func existingPathNeedsOverwrite() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let c = try contents()
        try BundleWriter.write(c, to: base + "/b", overwrite: false)
        #expect(throws: BundleError.exists(path: base + "/b")) {
            try BundleWriter.write(c, to: base + "/b", overwrite: false)
        }
        try BundleWriter.write(c, to: base + "/b", overwrite: true)
        _ = try BundleReader.open(base + "/b")
    }

    @Test func tamperedFileIsRefused() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(), to: base + "/b", overwrite: false)
        let card = base + "/b/MODEL_CARD.md"
        try Data("# edited\n".utf8).write(to: URL(fileURLWithPath: card))
        #expect(throws: BundleError.checksumMismatch(bundle: base + "/b", file: "MODEL_CARD.md")) {
            try BundleReader.open(base + "/b")
        }
    }

    @Test func missingExtraAndMalformedFilesAreRefused() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let c = try contents()
        try BundleWriter.write(c, to: base + "/a", overwrite: false)
        try FileManager.default.removeItem(atPath: base + "/a/reference.json")
        #expect(throws: BundleError.missingFile(bundle: base + "/a", file: "reference.json")) {
            try BundleReader.open(base + "/a")
        }

        try BundleWriter.write(c, to: base + "/b", overwrite: false)
        try Data("x".utf8).write(to: URL(fileURLWithPath: base + "/b/extra.txt"))
        #expect(throws: BundleError.unlistedFile(bundle: base + "/b", file: "extra.txt")) {
            try BundleReader.open(base + "/b")
        }

        try BundleWriter.write(c, to: base + "/c", overwrite: false)
        try Data("{\"formatVersion\": 99}".utf8).write(to: URL(fileURLWithPath: base + "/c/manifest.json"))
        #expect(throws: BundleError.unknownFormatVersion(bundle: base + "/c", found: 99, supported: 1)) {
            try BundleReader.open(base + "/c")
        }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: base + "/c/manifest.json"))
        #expect(throws: BundleError.malformedManifest(bundle: base + "/c", reason: "not JSON with a formatVersion")) {
            try BundleReader.open(base + "/c")
        }
        try Data("{\"formatVersion\": 1}".utf8).write(to: URL(fileURLWithPath: base + "/c/manifest.json"))
        do {
            _ = try BundleReader.open(base + "/c")
            Issue.record("expected a malformed manifest")
        } catch let BundleError.malformedManifest(_, reason) {
            #expect(reason.hasPrefix("missing '"))
        }
    }

    @Test func changedVerificationOutputsAreRefused() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let c = try contents()
        try BundleWriter.write(c, to: base + "/b", overwrite: false)
        // Rewrite verification.json with a changed output and fix its checksum, as a buggy
        // re-implementation of the model would effectively do.
        let path = base + "/b/verification.json"
        var set = try ModelCoding.decoder().decode(
            VerificationSet.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        set.outputs[0][0] += 0.01
        let data = try ModelCoding.encoder().encode(set)
        try data.write(to: URL(fileURLWithPath: path))
        var manifest = try ModelCoding.decoder().decode(
            Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: base + "/b/manifest.json")))
        manifest.files["verification.json"] = Fingerprint.of(bytes: data)
        try manifest.encoded().write(to: URL(fileURLWithPath: base + "/b/manifest.json"))
        do {
            _ = try BundleReader.open(base + "/b")
            Issue.record("expected verification to fail")
        } catch let BundleError.verificationFailed(_, row, _) {
            #expect(row == 1)
        }
    }

    @Test func signatures() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/k.pub.pem")
        try BundleSigning.generateKeyPair(privatePath: base + "/other.pem", publicPath: base + "/other.pub.pem")
        let attributes = try FileManager.default.attributesOfItem(atPath: base + "/k.pem")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let c = try contents()
        try BundleWriter.write(c, to: base + "/signed", overwrite: false, signingKey: base + "/k.pem")
        try BundleWriter.write(c, to: base + "/unsigned", overwrite: false)
        #expect(try BundleReader.open(base + "/signed", trustedKey: base + "/k.pub.pem").signed)
        #expect(throws: BundleError.badSignature(bundle: base + "/signed")) {
            try BundleReader.open(base + "/signed", trustedKey: base + "/other.pub.pem")
        }
        #expect(throws: BundleError.unsigned(bundle: base + "/unsigned")) {
            try BundleReader.open(base + "/unsigned", trustedKey: base + "/k.pub.pem")
        }
        // A stripped signature is the same as none.
        try FileManager.default.removeItem(atPath: base + "/signed/manifest.sig")
        #expect(throws: BundleError.unsigned(bundle: base + "/signed")) {
            try BundleReader.open(base + "/signed", trustedKey: base + "/k.pub.pem")
        }
        // Keys of the wrong kind are named.
        #expect(throws: BundleError.self) { try BundleReader.open(base + "/unsigned", trustedKey: base + "/k.pem") }
        #expect(throws: BundleError.exists(path: base + "/k.pem")) {
            try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/x.pub.pem")
        }
    }

    @Test(arguments: ["../escape.json", "/etc/evil", "sub/dir.json"])
    func zipEntriesThatEscapeAreRefused(entry: String) throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(), to: base + "/b.zip", overwrite: false)
        let archive = try Archive(url: URL(fileURLWithPath: base + "/b.zip"), accessMode: .update)
        let payload = Data("{}".utf8)
        try archive.addEntry(with: entry, type: .file, uncompressedSize: Int64(payload.count)) { position, size in
            payload.subdata(in: Int(position)..<Int(position) + size)
        }
        do {
            _ = try BundleReader.open(base + "/b.zip")
            Issue.record("expected \(entry) to be refused")
        } catch let BundleError.unsafeArchiveEntry(_, name, reason) {
            #expect(name == entry)
            #expect(reason == "its path leaves the bundle folder")
        }
        #expect(!FileManager.default.fileExists(atPath: base + "/escape.json"))
    }

    @Test func symlinkEntriesAreRefused() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(), to: base + "/b.zip", overwrite: false)
        let archive = try Archive(url: URL(fileURLWithPath: base + "/b.zip"), accessMode: .update)
        let target = Data("/etc/passwd".utf8)
        try archive.addEntry(with: "link", type: .symlink, uncompressedSize: Int64(target.count)) { position, size in
            target.subdata(in: Int(position)..<Int(position) + size)
        }
        #expect(
            throws: BundleError.unsafeArchiveEntry(
                bundle: base + "/b.zip", entry: "link", reason: "symbolic links are not allowed")
        ) {
            try BundleReader.open(base + "/b.zip")
        }
    }

    @Test func zipBombIsRefused() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(), to: base + "/b.zip", overwrite: false)
        let archive = try Archive(url: URL(fileURLWithPath: base + "/b.zip"), accessMode: .update)
        // 4 MiB of zeros deflates to a few KiB; the reader's limit is lowered to 1 MiB here.
        let size = 4 << 20
        try archive.addEntry(with: "zeros.bin", type: .file, uncompressedSize: Int64(size), compressionMethod: .deflate)
        { _, chunk in
            Data(count: chunk)
        }
        #expect(throws: BundleError.archiveTooLarge(bundle: base + "/b.zip", limit: 1 << 20)) {
            try BundleReader.open(base + "/b.zip", unpackLimit: 1 << 20)
        }
    }

    /// The reader inflates each entry within its own bytes and to its stated size, and checks its
    /// CRC-32: damaged data, an understated size and a stream cut short are each refused, naming
    /// the entry, and never hang.
    @Test(arguments: ["flip a data byte", "understate the size", "cut the stream short"])
    func damagedArchiveEntriesAreRefused(damage: String) throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(), to: base + "/b.zip", overwrite: false)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: base + "/b.zip")))
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func put32(_ value: Int, at: Int) { for k in 0..<4 { bytes[at + k] = UInt8((value >> (8 * k)) & 0xFF) } }
        // The first central-directory record and the entry it describes.
        let end = try #require((0...(bytes.count - 22)).reversed().first { u32($0) == 0x0605_4b50 })
        let record = u32(end + 16)
        let local = u32(record + 42)
        let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
        let compressed = u32(record + 20)
        let name = String(decoding: bytes[(record + 46)..<(record + 46 + u16(record + 28))], as: UTF8.self)
        switch damage {
        case "flip a data byte": bytes[dataStart + compressed / 2] ^= 0x55
        case "understate the size": put32(max(1, u32(record + 24) / 2), at: record + 24)
        default:
            // Stated compressed size shortened: the stream must end within fewer bytes than it needs.
            put32(compressed / 2, at: record + 20)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: base + "/b.zip"))
        let started = ContinuousClock.now
        do {
            _ = try BundleReader.open(base + "/b.zip")
            Issue.record("expected the damaged entry \(name) to be refused")
        } catch let BundleError.malformedFile(_, file, reason) {
            #expect(file == name)
            #expect(reason.hasPrefix("cannot extract: entry '\(name)'"), "\(reason)")
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func openAPIDescribesTheSchema() throws {
        let yaml = OpenAPIDocument.yaml(for: try contents().pipeline, name: "t")
        #expect(yaml.contains("openapi: 3.1.0"))
        #expect(yaml.contains("        \"color\":\n          type: [string, \"null\"]"))
        #expect(yaml.contains("enum: [\"no\", \"yes\"]"))
    }
}

@Suite("Bundle security: signatures, keys, paths and archive limits")
struct BundleSecurityTests {
    /// Any change to a signed manifest, a garbage signature, or another bundle's signature fails.
    @Test func signatureCoversTheManifestExactly() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/k.pub.pem")
        let c = try contents()
        for name in ["a", "b", "c", "d"] {
            try BundleWriter.write(c, to: base + "/" + name, overwrite: false, signingKey: base + "/k.pem")
            #expect(try BundleReader.open(base + "/" + name, trustedKey: base + "/k.pub.pem").signed)
        }
        // One byte of the manifest changed (a space added at the end is still valid JSON).
        let manifest = base + "/a/manifest.json"
        try (Data(contentsOf: URL(fileURLWithPath: manifest)) + Data(" ".utf8)).write(
            to: URL(fileURLWithPath: manifest))
        #expect(throws: BundleError.badSignature(bundle: base + "/a")) {
            try BundleReader.open(base + "/a", trustedKey: base + "/k.pub.pem")
        }
        // A signature that is not base64, and an empty one.
        try Data("not a signature\n".utf8).write(to: URL(fileURLWithPath: base + "/b/manifest.sig"))
        #expect(throws: BundleError.badSignature(bundle: base + "/b")) {
            try BundleReader.open(base + "/b", trustedKey: base + "/k.pub.pem")
        }
        try Data().write(to: URL(fileURLWithPath: base + "/b/manifest.sig"))
        #expect(throws: BundleError.badSignature(bundle: base + "/b")) {
            try BundleReader.open(base + "/b", trustedKey: base + "/k.pub.pem")
        }
        // A valid signature of a different manifest (another export of the same model: its
        // resource profile differs, so its manifest differs).
        try BundleWriter.write(c, to: base + "/other", overwrite: false, signingKey: base + "/k.pem")
        let otherManifest = try Data(contentsOf: URL(fileURLWithPath: base + "/other/manifest.json"))
        let cManifest = try Data(contentsOf: URL(fileURLWithPath: base + "/c/manifest.json"))
        if otherManifest != cManifest {
            try FileManager.default.removeItem(atPath: base + "/c/manifest.sig")
            try FileManager.default.copyItem(atPath: base + "/other/manifest.sig", toPath: base + "/c/manifest.sig")
            #expect(throws: BundleError.badSignature(bundle: base + "/c")) {
                try BundleReader.open(base + "/c", trustedKey: base + "/k.pub.pem")
            }
        }
        // A signed file changed and its checksum fixed in the manifest: the signature catches it.
        let card = base + "/d/MODEL_CARD.md"
        let edited = Data("# edited card\n".utf8)
        try edited.write(to: URL(fileURLWithPath: card))
        var m = try ModelCoding.decoder().decode(
            Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: base + "/d/manifest.json")))
        m.files["MODEL_CARD.md"] = Fingerprint.of(bytes: edited)
        try m.encoded().write(to: URL(fileURLWithPath: base + "/d/manifest.json"))
        #expect(throws: BundleError.badSignature(bundle: base + "/d")) {
            try BundleReader.open(base + "/d", trustedKey: base + "/k.pub.pem")
        }
        // Without a trusted key the same bundle opens (checksums match): trust is opt-in.
        #expect(try !BundleReader.open(base + "/d").manifest.files.isEmpty)
    }

    /// keygen writes the private key 0600 and the public key 0644, whatever the umask, and never
    /// overwrites a key.
    @Test func keyFilesHaveOwnerOnlyPermissions() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let previous = umask(0)
        defer { umask(previous) }
        try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/k.pub.pem")
        let mode = { (path: String) in
            (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        }
        #expect(mode(base + "/k.pem") == 0o600)
        #expect(mode(base + "/k.pub.pem") == 0o644)
        let before = try Data(contentsOf: URL(fileURLWithPath: base + "/k.pem"))
        #expect(throws: BundleError.exists(path: base + "/k.pem")) {
            try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/k2.pub.pem")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: base + "/k.pem")) == before)
        // A public key given where the private key is expected, and the reverse, are named.
        #expect(throws: BundleError.self) { try BundleSigning.privateKey(at: base + "/k.pub.pem") }
        #expect(throws: BundleError.self) { try BundleSigning.publicKey(at: base + "/k.pem") }
    }

    /// A manifest that lists a file outside the folder, or a listed file that is a link, is refused
    /// before anything is read through it.
    @Test(arguments: ["../outside.json", "/etc/passwd", "sub/x.json", ".."])
    func manifestPathsCannotLeaveTheBundle(file: String) throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(), to: base + "/b", overwrite: false)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: base + "/outside.json"))
        let path = base + "/b/manifest.json"
        var m = try ModelCoding.decoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        m.files[file] = Fingerprint.of(bytes: Data("{}".utf8))
        try m.encoded().write(to: URL(fileURLWithPath: path))
        #expect(
            throws: BundleError.malformedManifest(
                bundle: base + "/b", reason: "file name '\(file)' leaves the bundle folder")
        ) {
            try BundleReader.open(base + "/b")
        }
    }

    @Test func linkedFileInABundleFolderIsRefused() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(), to: base + "/b", overwrite: false)
        let card = base + "/b/MODEL_CARD.md"
        try FileManager.default.moveItem(atPath: card, toPath: base + "/card.md")
        try FileManager.default.createSymbolicLink(atPath: card, withDestinationPath: base + "/card.md")
        #expect(
            throws: BundleError.unsafeArchiveEntry(
                bundle: base + "/b", entry: "MODEL_CARD.md", reason: "symbolic links are not allowed in bundles")
        ) {
            try BundleReader.open(base + "/b")
        }
    }

    /// More entries than a bundle can have are refused, and so is an archive that inflates past
    /// the limit.
    @Test func archiveEntryLimits() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(), to: base + "/many.zip", overwrite: false)
        let archive = try Archive(url: URL(fileURLWithPath: base + "/many.zip"), accessMode: .update)
        for i in 0..<BundleReader.maximumEntries {
            let payload = Data("x".utf8)
            try archive.addEntry(with: "extra\(i).txt", type: .file, uncompressedSize: Int64(payload.count)) {
                position, size in
                payload.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        do {
            _ = try BundleReader.open(base + "/many.zip")
            Issue.record("expected too many entries to be refused")
        } catch let BundleError.malformedArchive(_, reason) {
            // Named once as the archive (it read "many.zip: refusing archive entry 'many.zip'").
            #expect(reason == "more than \(BundleReader.maximumEntries) entries")
        }
        // The default limit is 1 GiB, and an entry declaring more is refused before inflating.
        #expect(BundleReader.maximumUnpackedBytes == 1 << 30)
        try BundleWriter.write(contents(), to: base + "/big.zip", overwrite: false)
        let big = try Archive(url: URL(fileURLWithPath: base + "/big.zip"), accessMode: .update)
        let size = 3 << 20
        try big.addEntry(with: "zeros.bin", type: .file, uncompressedSize: Int64(size), compressionMethod: .deflate) {
            _, chunk in Data(count: chunk)
        }
        #expect(throws: BundleError.archiveTooLarge(bundle: base + "/big.zip", limit: 2 << 20)) {
            try BundleReader.open(base + "/big.zip", unpackLimit: 2 << 20)
        }
    }
}
