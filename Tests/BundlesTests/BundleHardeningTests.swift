import Foundation
import Testing
import TestSupport
import ZIPFoundation
@testable import Bundles
@testable import Learning
import Tabular

/// `rows` rows of a number, a text column and a class label (`rare` only at row `rareRow`), or a
/// numeric target with `regression`.
private func frame(rows: Int = 12, rareRow: Int? = nil, regression: Bool = false) throws -> DataFrame {
    var generator = SeededGenerator(seed: 19)
    let x = (0..<rows).map { _ in generator.nextUnit() * 10 }
    return try DataFrame(columns: [
        Column(name: "x", data: .numeric(x)),
        Column(
            name: "color",
            data: .categorical(codes: (0..<rows).map { Int32($0 % 3) }, levels: ["red", "blue", "green"])),
        regression
            ? Column(name: "label", data: .numeric(x.map { 2 * $0 + 1 }))
            : Column(
                name: "label",
                data: .categorical(
                    codes: (0..<rows).map { $0 == rareRow ? 2 : Int32($0 % 2) }, levels: ["no", "yes", "rare"])),
    ])
}

private func contents(_ algorithm: any Algorithm.Type = Linear.self, frame: DataFrame) throws -> BundleContents {
    let pipeline = try PipelineModel.train(
        algorithm: algorithm, parameters: [:], frame: frame, target: "label", features: ["x", "color"],
        context: FitContext(seed: 1))
    return BundleContents(
        producer: "workbench test", name: "t", pipeline: pipeline,
        trainingData: .init(name: "sample", fingerprint: "sha256:00", rows: frame.rowCount, columns: 2),
        metrics: [:], validationVerdict: nil, card: "# card\n", reference: Data("{}".utf8), onnx: nil,
        onnxInfo: .init(present: false, reason: "test", float32Notes: []), sampleFrame: frame, sensitiveColumns: [])
}

private func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "wb-harden-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Replaces `file` in the bundle folder and fixes its checksum in the manifest, as an attacker
/// without the signing key can (the signature is removed).
private func replace(_ file: String, in bundle: String, with data: Data) throws {
    try data.write(to: URL(fileURLWithPath: bundle + "/" + file))
    let manifestURL = URL(fileURLWithPath: bundle + "/manifest.json")
    var manifest = try ModelCoding.decoder().decode(Manifest.self, from: Data(contentsOf: manifestURL))
    manifest.files[file] = Fingerprint.of(bytes: data)
    try manifest.encoded().write(to: manifestURL)
    try? FileManager.default.removeItem(atPath: bundle + "/manifest.sig")
}

private func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

/// Crafted bundles: model files, verification sets, links, duplicate keys and zip bombs
/// (issue 19, items 1, 2, 12 and 17).
@Suite("Bundle hardening")
struct BundleHardeningTests {
    /// A tree whose child index points far past its nodes crashed `verify`; now the reader names
    /// the file, the node and the path.
    @Test func craftedModelFileIsRefusedWithWhereItIsWrong() throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(DecisionTree.self, frame: frame()), to: base + "/b", overwrite: false)
        let model = try text(base + "/b/model.json")
        let crafted = model.replacingOccurrences(of: "\"left\":[1,", with: "\"left\":[100000000,")
        #expect(crafted != model)
        try replace("model.json", in: base + "/b", with: Data(crafted.utf8))
        do {
            _ = try BundleReader.open(base + "/b")
            Issue.record("expected the crafted model to be refused")
        } catch let error as BundleError {
            guard case .malformedFile(_, let file, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(file == "model.json")
            #expect(reason.hasPrefix("node 0's child 100000000 is not a later node of the "), "\(reason)")
            #expect(reason.hasSuffix(" at fitted.model.tree.left"), "\(reason)")
        }
    }

    @Test func emptyVerificationSetIsRefused() throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(frame: frame()), to: base + "/b", overwrite: false)
        try replace("verification.json", in: base + "/b", with: Data(#"{"labels":[],"outputs":[],"rows":[]}"#.utf8))
        #expect(
            throws: BundleError.insufficientVerification(
                bundle: base + "/b", reason: "it holds no rows, so the model was never run before use")
        ) {
            try BundleReader.open(base + "/b")
        }
        // A classifier's set written without labels (before this check) is refused, saying so.
        var set = try ModelCoding.decoder().decode(
            VerificationSet.self,
            from: ModelCoding.encoder().encode(
                VerificationSet(pipeline: contents(frame: frame()).pipeline, frame: frame())))
        set.labels = []
        try replace("verification.json", in: base + "/b", with: ModelCoding.encoder().encode(set))
        #expect(
            throws: BundleError.insufficientVerification(
                bundle: base + "/b",
                reason:
                    "it records no class for its rows (an export before this check?); a classifier's set needs a row of each class"
            )
        ) {
            try BundleReader.open(base + "/b")
        }
    }

    /// The writer adds a row of a class its evenly spread rows miss; a set without a row of some
    /// class is refused.
    @Test func verificationNeedsARowOfEveryClass() throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        // 100 rows: the 32 picked are rows 0, 3, 6, …; the only 'rare' row, 58, is not among them.
        let data = try frame(rows: 100, rareRow: 58)
        try BundleWriter.write(contents(frame: data), to: base + "/b", overwrite: false)
        let path = base + "/b/verification.json"
        var set = try ModelCoding.decoder().decode(
            VerificationSet.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(set.rows.count == 33)
        #expect(set.labels.last == "rare")
        #expect(Set(set.labels.compactMap { $0 }) == ["no", "yes", "rare"])
        _ = try BundleReader.open(base + "/b")
        set.rows.removeLast()
        set.outputs.removeLast()
        set.labels.removeLast()
        try replace("verification.json", in: base + "/b", with: ModelCoding.encoder().encode(set))
        #expect(
            throws: BundleError.insufficientVerification(
                bundle: base + "/b", reason: "no row of class 'rare'; a classifier's set needs a row of each class")
        ) {
            try BundleReader.open(base + "/b")
        }
    }

    /// A regression set needs `minimumRegressionRows`; from a smaller frame the writer repeats rows.
    @Test func regressionVerificationHasAMinimumOfRows() throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(frame: frame(rows: 5, regression: true)), to: base + "/b", overwrite: false)
        let path = base + "/b/verification.json"
        var set = try ModelCoding.decoder().decode(
            VerificationSet.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(set.rows.count == VerificationSet.minimumRegressionRows)
        #expect(set.labels.isEmpty)
        _ = try BundleReader.open(base + "/b")
        set.rows = Array(set.rows.prefix(3))
        set.outputs = Array(set.outputs.prefix(3))
        try replace("verification.json", in: base + "/b", with: ModelCoding.encoder().encode(set))
        #expect(
            throws: BundleError.insufficientVerification(
                bundle: base + "/b", reason: "3 rows; a regression model's set needs at least 8")
        ) {
            try BundleReader.open(base + "/b")
        }
    }

    /// `signed` says a manifest.sig is there; `signatureChecked` (what /readyz reports) only that
    /// it was verified against a trusted key.
    @Test func signatureCheckedOnlyWithATrustedKey() throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/k.pub.pem")
        try BundleWriter.write(contents(frame: frame()), to: base + "/b", overwrite: false, signingKey: base + "/k.pem")
        let unchecked = try BundleReader.open(base + "/b")
        #expect(unchecked.signed && !unchecked.signatureChecked)
        let checked = try BundleReader.open(base + "/b", trustedKey: base + "/k.pub.pem")
        #expect(checked.signed && checked.signatureChecked)
    }

    @Test(arguments: ["manifest.json", "manifest.sig", "model.json"])
    func linkedEntriesAreRefused(file: String) throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/k.pub.pem")
        try BundleWriter.write(contents(frame: frame()), to: base + "/b", overwrite: false, signingKey: base + "/k.pem")
        try FileManager.default.moveItem(atPath: base + "/b/" + file, toPath: base + "/elsewhere")
        try FileManager.default.createSymbolicLink(
            atPath: base + "/b/" + file, withDestinationPath: base + "/elsewhere")
        #expect(
            throws: BundleError.unsafeArchiveEntry(
                bundle: base + "/b", entry: file, reason: "symbolic links are not allowed in bundles")
        ) {
            try BundleReader.open(base + "/b")
        }
    }

    @Test func duplicateKeysAreRefused() throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try BundleWriter.write(contents(DecisionTree.self, frame: frame()), to: base + "/b", overwrite: false)
        let original = try text(base + "/b/model.json")
        // A second "algorithm" the decoder would ignore; first-wins before.
        try replace(
            "model.json", in: base + "/b",
            with: Data(
                original.replacingOccurrences(
                    of: "\"fitted\":{\"algorithm\":\"tree\",",
                    with: "\"fitted\":{\"algorithm\":\"tree\",\"algorithm\":\"tree\","
                ).utf8))
        #expect(
            throws: BundleError.duplicateKey(bundle: base + "/b", file: "model.json", key: "algorithm", path: "fitted")
        ) {
            try BundleReader.open(base + "/b")
        }
        try replace("model.json", in: base + "/b", with: Data(original.utf8))
        let verification = try text(base + "/b/verification.json")
        try replace(
            "verification.json", in: base + "/b",
            with: Data(
                verification.replacingOccurrences(of: "{\"color\":", with: "{\"color\":\"red\",\"c\\u006flor\":").utf8))
        #expect(
            throws: BundleError.duplicateKey(
                bundle: base + "/b", file: "verification.json", key: "color", path: "rows[0]")
        ) {
            try BundleReader.open(base + "/b")
        }
        try replace("verification.json", in: base + "/b", with: Data(verification.utf8))
        let manifest = try text(base + "/b/manifest.json")
        #expect(manifest.hasPrefix("{"))
        try Data(("{\"name\":\"decoy\"," + manifest.dropFirst()).utf8).write(
            to: URL(fileURLWithPath: base + "/b/manifest.json"))
        #expect(throws: BundleError.duplicateKey(bundle: base + "/b", file: "manifest.json", key: "name", path: "")) {
            try BundleReader.open(base + "/b")
        }
    }

    /// Hand-checked scans: escapes, nesting, strings that look like JSON, and the same key in
    /// different objects (not a duplicate).
    @Test func duplicateKeyScanner() {
        func scan(_ json: String) -> String? {
            DuplicateKeyScanner.firstDuplicate(in: Data(json.utf8)).map { "\($0.path):\($0.key)" }
        }
        #expect(scan(#"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#) == nil)
        #expect(scan(#"{"a":1,"a":2}"#) == ":a")
        #expect(scan(#"{"a":1,"\u0061":2}"#) == ":a")
        #expect(scan(#"{"x":[{"k":1},{"k":1,"k":2}]}"#) == "x[1]:k")
        #expect(scan(#"{"s":"{\"q\":1,\"q\":2}","t":"a,b"}"#) == nil)
        #expect(scan(#"{"\ud83d\ude00":1,"😀":2}"#) == ":😀")
        #expect(scan(#"{"a":{"b":{"c":1,"c":1}}}"#) == "a.b:c")
        #expect(scan(#"{"a":"unterminated"#) == nil)
    }

    /// A small zip whose entry inflates more than `BundleArchive.maximumRatio`× is refused from
    /// its directory alone: quickly, and with nothing unpacked.
    @Test func highlyCompressibleEntryIsRefusedBeforeInflating() throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let zip = base + "/bomb.zip"
        try BundleWriter.write(contents(frame: frame()), to: zip, overwrite: false)
        let archive = try Archive(url: URL(fileURLWithPath: zip), accessMode: .update)
        // 16 MiB of zeros deflates to about 16 KiB (about 1,000×), well within the 1 GiB limit.
        let size = 16 << 20
        try archive.addEntry(with: "zeros.bin", type: .file, uncompressedSize: Int64(size), compressionMethod: .deflate)
        { _, chunk in
            Data(count: chunk)
        }
        let zipSize = try #require(try FileManager.default.attributesOfItem(atPath: zip)[.size] as? Int)
        #expect(zipSize < 100_000)
        let unpacked = base + "/unpacked"
        let start = Date()
        do {
            try BundleReader.unzip(zip, into: unpacked, limit: BundleReader.maximumUnpackedBytes)
            Issue.record("expected the zip bomb to be refused")
        } catch let BundleError.compressionBomb(_, entry, bytes, compressed, limit) {
            #expect(entry == "zeros.bin" && bytes == size && compressed < size / 500 && limit == 100)
        }
        #expect(Date().timeIntervalSince(start) < 1)
        #expect(!FileManager.default.fileExists(atPath: unpacked), "nothing is written for a refused archive")
        #expect(throws: BundleError.self) { try BundleReader.open(zip) }
    }

    /// Real bundles compress far below the ratio (whatever their size), so they open from a zip.
    @Test(arguments: ["knn", "forest", "mlp", "boost"])
    func realBundlesPassTheRatioCheck(algorithm: String) throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let type = try #require(AlgorithmRegistry.named(algorithm))
        try BundleWriter.write(contents(type, frame: frame(rows: 300)), to: base + "/b.zip", overwrite: false)
        let archive = try BundleArchive(path: base + "/b.zip", limit: 1 << 30, maximumEntries: 64)
        for entry in archive.entries where entry.method == 8 {
            #expect(
                entry.uncompressedSize < BundleArchive.maximumRatio / 4 * max(1, entry.compressedSize), "\(entry.name)")
        }
        _ = try BundleReader.open(base + "/b.zip")
    }
}
