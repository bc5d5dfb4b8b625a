import Crypto
public import Foundation
public import Learning
import Tabular

/// A bundle that passed every check: checksums, format, signature (if asked) and verification rows.
public struct LoadedBundle: Sendable {
    public var path: String
    public var manifest: Manifest
    public var pipeline: PipelineModel
    /// A `manifest.sig` is present (whether or not it was checked).
    public var signed: Bool
    /// The signature was checked against a trusted key and verified.
    public var signatureChecked: Bool
    /// Raw files for serving and monitoring.
    public var reference: Data
    public var card: String
    public var openAPI: String
    /// example.json: one real row of inputs, as a client would send it.
    public var example: Data = Data()
    /// model.json exactly as stored, for byte comparisons.
    public var modelData: Data = Data()
    /// provenance.wbt when the manifest records a provenance (nil: none recorded).
    public var provenance: Data? = nil
}

/// Opens and checks bundles.
public enum BundleReader {
    /// Limits that keep a hostile archive from exhausting memory or disk.
    public static let maximumUnpackedBytes = 1 << 30
    public static let maximumEntries = 64
    public static let maximumManifestBytes = 4 << 20
    /// The largest provenance.wbt accepted: cells and what they printed, never data.
    public static let maximumProvenanceBytes = 8 << 20

    /// Opens the bundle at `path` (folder or .zip) and checks it; with `trustedKey`, also requires
    /// a valid signature by that key.
    public static func open(_ path: String, trustedKey: String? = nil, unpackLimit: Int = maximumUnpackedBytes) throws
        -> LoadedBundle
    {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw BundleError.notFound(path: path) }
        try BundleFileAccess.requireFolderOrRegularFile(path)
        let publicKey = try trustedKey.map(BundleSigning.publicKey(at:))
        if isDirectory.boolValue {
            return try openFolder(path, shownAs: path, publicKey: publicKey)
        }
        // Named with the process id, so a later start can remove it if this process is killed.
        let unpacked = NSTemporaryDirectory() + "workbench-bundle-\(getpid())-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: unpacked) }
        try unzip(path, into: unpacked, limit: unpackLimit)
        var bundle = try openFolder(unpacked, shownAs: path, publicKey: publicKey)
        bundle.path = path
        return bundle
    }

    static func openFolder(_ folder: String, shownAs name: String, publicKey: Curve25519.Signing.PublicKey?) throws
        -> LoadedBundle
    {
        let fm = FileManager.default
        try refuseLinks(in: folder, shownAs: name)
        let manifestPath = folder + "/" + BundleFile.manifest
        guard let attributes = try? fm.attributesOfItem(atPath: manifestPath) else {
            throw BundleError.missingFile(bundle: name, file: BundleFile.manifest)
        }
        if let size = attributes[.size] as? Int, size > maximumManifestBytes {
            throw BundleError.malformedManifest(
                bundle: name, reason: "it is \(size) bytes, over the \(maximumManifestBytes) limit")
        }
        let manifestData = try readFile(
            manifestPath, bundle: name, file: BundleFile.manifest, limit: maximumManifestBytes)
        try refuseDuplicateKeys(manifestData, bundle: name, file: BundleFile.manifest)
        // The version is checked before the rest, so a future format gets the right message.
        struct VersionOnly: Decodable { var formatVersion: Int }
        guard let version = try? JSONDecoder().decode(VersionOnly.self, from: manifestData) else {
            throw BundleError.malformedManifest(bundle: name, reason: "not JSON with a formatVersion")
        }
        guard version.formatVersion == Manifest.currentFormatVersion else {
            throw BundleError.unknownFormatVersion(
                bundle: name, found: version.formatVersion, supported: Manifest.currentFormatVersion)
        }
        let manifest: Manifest
        do { manifest = try ModelCoding.decoder().decode(Manifest.self, from: manifestData) } catch {
            throw BundleError.malformedManifest(bundle: name, reason: describe(error))
        }

        // Signature first: a wrongly signed manifest's checksums prove nothing.
        let signaturePath = folder + "/" + BundleFile.signature
        let signed = fm.fileExists(atPath: signaturePath)
        if let publicKey {
            guard signed else { throw BundleError.unsigned(bundle: name) }
            guard
                let text = try? readFile(
                    signaturePath, bundle: name, file: BundleFile.signature, limit: maximumManifestBytes),
                let signature = Data(
                    base64Encoded: String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                ),
                BundleSigning.verify(signature, of: manifestData, with: publicKey)
            else {
                throw BundleError.badSignature(bundle: name)
            }
        }

        let present = Set((try? fm.contentsOfDirectory(atPath: folder)) ?? [])
        for file in present
        where file != BundleFile.manifest && file != BundleFile.signature && manifest.files[file] == nil {
            throw BundleError.unlistedFile(bundle: name, file: file)
        }
        var contents: [String: Data] = [:]
        for (file, digest) in manifest.files.sorted(by: { $0.key < $1.key }) {
            guard !file.contains("/"), file != "..", file != "." else {
                throw BundleError.malformedManifest(
                    bundle: name, reason: "file name '\(file)' leaves the bundle folder")
            }
            let filePath = folder + "/" + file
            var isLink = false
            if let type = (try? fm.attributesOfItem(atPath: filePath))?[.type] as? FileAttributeType {
                isLink = type == .typeSymbolicLink
            }
            guard !isLink else {
                throw BundleError.unsafeArchiveEntry(
                    bundle: name, entry: file, reason: "symbolic links are not allowed in bundles")
            }
            let data = try readFile(filePath, bundle: name, file: file, limit: maximumUnpackedBytes)
            guard Fingerprint.of(bytes: data) == digest else {
                throw BundleError.checksumMismatch(bundle: name, file: file)
            }
            contents[file] = data
        }
        for required in [
            BundleFile.model, BundleFile.verification, BundleFile.reference, BundleFile.card, BundleFile.openAPI,
            BundleFile.example,
        ] where contents[required] == nil {
            throw BundleError.missingFile(bundle: name, file: required)
        }
        if let provenance = manifest.provenance {
            if let problem = provenance.problem { throw BundleError.malformedManifest(bundle: name, reason: problem) }
            guard let text = contents[BundleFile.provenance] else {
                throw BundleError.missingFile(bundle: name, file: BundleFile.provenance)
            }
            guard text.count <= maximumProvenanceBytes else {
                throw BundleError.malformedFile(
                    bundle: name, file: BundleFile.provenance,
                    reason: "it is over the \(maximumProvenanceBytes >> 20) MiB limit")
            }
        }
        for file in [BundleFile.model, BundleFile.verification] {
            try refuseDuplicateKeys(contents[file] ?? Data(), bundle: name, file: file)
        }
        let pipeline: PipelineModel
        do {
            pipeline = try ModelCoding.decoder().decode(PipelineModel.self, from: contents[BundleFile.model] ?? Data())
        } catch {
            throw BundleError.malformedFile(bundle: name, file: BundleFile.model, reason: describe(error))
        }
        let verification: VerificationSet
        do {
            verification = try ModelCoding.decoder().decode(
                VerificationSet.self, from: contents[BundleFile.verification] ?? Data())
        } catch {
            throw BundleError.malformedFile(bundle: name, file: BundleFile.verification, reason: describe(error))
        }
        // Without rows the model would first run on a client's request.
        if let problem = verification.coverageProblem(for: pipeline) {
            throw BundleError.insufficientVerification(bundle: name, reason: problem)
        }
        if let failure = try verification.check(pipeline) {
            throw BundleError.verificationFailed(bundle: name, row: failure.row, detail: failure.detail)
        }
        return LoadedBundle(
            path: folder, manifest: manifest, pipeline: pipeline, signed: signed, signatureChecked: publicKey != nil,
            reference: contents[BundleFile.reference] ?? Data(),
            card: String(decoding: contents[BundleFile.card] ?? Data(), as: UTF8.self),
            openAPI: String(decoding: contents[BundleFile.openAPI] ?? Data(), as: UTF8.self),
            example: contents[BundleFile.example] ?? Data(), modelData: contents[BundleFile.model] ?? Data(),
            provenance: manifest.provenance == nil ? nil : contents[BundleFile.provenance])
    }

    /// Refuses a folder holding anything but regular files: a symbolic link could make
    /// `manifest.json` or `manifest.sig` (which no checksum covers) point anywhere.
    static func refuseLinks(in folder: String, shownAs name: String) throws {
        for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            var info = stat()
            guard lstat(folder + "/" + file, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFREG: continue
            case S_IFLNK:
                throw BundleError.unsafeArchiveEntry(
                    bundle: name, entry: file, reason: "symbolic links are not allowed in bundles")
            default:
                throw BundleError.unsafeArchiveEntry(
                    bundle: name, entry: file,
                    reason: "\(file) is \(BundleFileAccess.kind(info.st_mode)); a bundle holds only regular files")
            }
        }
    }

    static func refuseDuplicateKeys(_ data: Data, bundle: String, file: String) throws {
        if let duplicate = DuplicateKeyScanner.firstDuplicate(in: data) {
            throw BundleError.duplicateKey(bundle: bundle, file: file, key: duplicate.key, path: duplicate.path)
        }
    }

    /// Extracts a bundle archive, refusing entries that would escape the folder, links, folders,
    /// duplicates, too many entries, and more than `limit` bytes of content (each entry inflates at
    /// most to its stated size, so a lying header cannot get past the sum of stated sizes).
    static func unzip(_ path: String, into folder: String, limit: Int) throws {
        let archive: BundleArchive
        // Errors about the archive as a whole name it once (they used to read "b.zip/b.zip").
        do { archive = try BundleArchive(path: path, limit: limit, maximumEntries: maximumEntries) } catch BundleArchive
            .Failure.tooLarge
        {
            throw BundleError.archiveTooLarge(bundle: path, limit: limit)
        } catch {
            throw BundleError.malformedArchive(bundle: path, reason: String(describing: error))
        }
        // Every entry's name, kind, stated size and ratio is checked before anything is inflated or
        // written, so a refused archive costs a read of its directory.
        var total = 0
        for entry in archive.entries {
            let name = entry.name
            guard !entry.isSymbolicLink else {
                throw BundleError.unsafeArchiveEntry(
                    bundle: path, entry: name, reason: "symbolic links are not allowed")
            }
            guard !entry.isFolder else {
                throw BundleError.unsafeArchiveEntry(bundle: path, entry: name, reason: "folders are not allowed")
            }
            guard !name.hasPrefix("/"), !name.contains(".."), !name.contains("/"), !name.contains("\\"), !name.isEmpty,
                !name.contains("\0")
            else {
                throw BundleError.unsafeArchiveEntry(
                    bundle: path, entry: name, reason: "its path leaves the bundle folder")
            }
            total += entry.uncompressedSize
            guard total <= limit else { throw BundleError.archiveTooLarge(bundle: path, limit: limit) }
            if entry.method == 8 && BundleArchive.exceedsRatio(entry.uncompressedSize, from: entry.compressedSize) {
                throw BundleError.compressionBomb(
                    bundle: path, entry: name, bytes: entry.uncompressedSize,
                    compressedBytes: entry.compressedSize, limit: BundleArchive.maximumRatio)
            }
        }
        guard Set(archive.entries.map(\.name)).count == archive.entries.count else {
            let twice =
                Dictionary(grouping: archive.entries.map(\.name), by: { $0 }).first { $0.value.count > 1 }?.key ?? ""
            throw BundleError.unsafeArchiveEntry(bundle: path, entry: twice, reason: "it appears twice in the archive")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written = 0
        for entry in archive.entries {
            let name = entry.name
            let data: Data
            do { data = try archive.contents(of: entry, limit: limit) } catch BundleArchive.Failure.tooLarge {
                throw BundleError.archiveTooLarge(bundle: path, limit: limit)
            } catch BundleArchive.Failure.compressionBomb(_, let bytes, let compressed) {
                throw BundleError.compressionBomb(
                    bundle: path, entry: name, bytes: bytes, compressedBytes: compressed,
                    limit: BundleArchive.maximumRatio)
            } catch {
                throw BundleError.malformedFile(bundle: path, file: name, reason: "cannot extract: \(error)")
            }
            written += data.count
            guard written <= limit else { throw BundleError.archiveTooLarge(bundle: path, limit: limit) }
            let target = folder + "/" + name
            guard !FileManager.default.fileExists(atPath: target) else {
                throw BundleError.unsafeArchiveEntry(
                    bundle: path, entry: name, reason: "it appears twice in the archive")
            }
            do { try data.write(to: URL(fileURLWithPath: target)) } catch {
                throw BundleError.writeFailed(path: target, reason: error.localizedDescription)
            }
        }
    }

    /// One file of a bundle folder through `BundleFileAccess`: regular files only, at most `limit` bytes.
    private static func readFile(_ path: String, bundle: String, file: String, limit: Int) throws -> Data {
        do { return try BundleFileAccess.read(path, limit: limit) } catch {
            switch error {
            case .missing: throw BundleError.missingFile(bundle: bundle, file: file)
            case .notRegular(let kind): throw BundleError.notRegularFile(path: bundle + "/" + file, kind: kind)
            case .tooLarge:
                throw BundleError.malformedFile(
                    bundle: bundle, file: file, reason: "it is over the \(limit >> 20) MiB limit")
            case .unreadable(let reason):
                throw BundleError.malformedFile(bundle: bundle, file: file, reason: "cannot be read: \(reason)")
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing '\(key.stringValue)'"
                + (context.codingPath.isEmpty
                    ? "" : " in " + context.codingPath.map(\.stringValue).joined(separator: "."))
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            context.debugDescription
                + (context.codingPath.isEmpty
                    ? "" : " at " + context.codingPath.map(\.stringValue).joined(separator: "."))
        default:
            String(describing: error)
        }
    }
}
