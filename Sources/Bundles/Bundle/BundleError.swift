public import Diagnostics
/// Why a bundle could not be written, opened or trusted; each names the file involved.
public enum BundleError: Error, Sendable, Equatable, UserFacingError {
    case exists(path: String)
    case notFound(path: String)
    case missingFile(bundle: String, file: String)
    case checksumMismatch(bundle: String, file: String)
    case unlistedFile(bundle: String, file: String)
    case unknownFormatVersion(bundle: String, found: Int, supported: Int)
    case malformedManifest(bundle: String, reason: String)
    case malformedFile(bundle: String, file: String, reason: String)
    case unsafeArchiveEntry(bundle: String, entry: String, reason: String)
    case archiveTooLarge(bundle: String, limit: Int)
    case compressionBomb(bundle: String, entry: String, bytes: Int, compressedBytes: Int, limit: Int)
    case duplicateKey(bundle: String, file: String, key: String, path: String)
    case insufficientVerification(bundle: String, reason: String)
    case unsigned(bundle: String)
    case badSignature(bundle: String)
    case badKey(path: String, reason: String)
    case verificationFailed(bundle: String, row: Int, detail: String)
    case writeFailed(path: String, reason: String)
    /// A device, FIFO or socket where a bundle or one of its files was expected.
    case notRegularFile(path: String, kind: String)
    /// The archive itself cannot be read as a zip (`bundle` is its path, named once).
    case malformedArchive(bundle: String, reason: String)

    public var diagnostic: Diagnostic {
        switch self {
        case .exists(let p):
            Diagnostic("\(p) already exists", remedy: "add \(setting: "overwrite", "yes") to replace it")
        case .notFound(let p): "no bundle at \(p)"
        case .missingFile(let b, let f):
            Diagnostic("bundle \(b) is missing \(f)", remedy: "the bundle is incomplete; export it again")
        case .checksumMismatch(let b, let f):
            Diagnostic(
                "\(b)/\(f) does not match its checksum in manifest.json: the file was changed after export",
                remedy: "do not edit bundle files; export the model again")
        case .unlistedFile(let b, let f):
            Diagnostic(
                "\(b)/\(f) is not listed in manifest.json",
                remedy: "a bundle holds only the files its manifest lists; remove it or export again")
        case .unknownFormatVersion(let b, let found, let supported):
            Diagnostic(
                "\(b)/manifest.json has format version \(found); this workbench reads version \(supported)",
                remedy: "use a matching workbench version")
        case .malformedManifest(let b, let reason): "\(b)/manifest.json is malformed: \(reason)"
        case .malformedFile(let b, let f, let reason): "\(b)/\(f) is malformed: \(reason)"
        case .unsafeArchiveEntry(let b, let entry, let reason): "\(b): refusing archive entry '\(entry)': \(reason)"
        case .archiveTooLarge(let b, let limit):
            "\(b) unpacks to more than \(limit / 1_048_576) MiB; refusing it (a zip bomb?)"
        case .compressionBomb(let b, let entry, let bytes, let compressed, let limit):
            Diagnostic(
                "\(b): refusing archive entry '\(entry)': it inflates to \(bytes) bytes from \(compressed), more than \(limit)× (a zip bomb?)",
                remedy:
                    "bundle files compress far less; if this is a real bundle, unzip it yourself and open the folder")
        case .duplicateKey(let b, let f, let key, let path):
            Diagnostic(
                "\(b)/\(f) is malformed: key '\(key)' appears twice in \(path.isEmpty ? "the top object" : path) (which one counts is ambiguous)",
                remedy: "do not edit bundle files; export the model again")
        case .insufficientVerification(let b, let reason):
            Diagnostic(
                "\(b)/verification.json cannot vouch for the model: \(reason)",
                remedy: "export the bundle again from the session that trained the model")
        case .unsigned(let b):
            Diagnostic(
                "\(b) is not signed, but a trusted key was given",
                remedy: "export with \(setting: "sign", "\"key.pem\"")")
        case .badSignature(let b):
            "\(b)/manifest.sig does not verify with the trusted key: the bundle was changed or signed by someone else"
        case .badKey(let p, let reason): "cannot use key \(p): \(reason)"
        case .verificationFailed(let b, let row, let detail):
            Diagnostic(
                "\(b): verification row \(row) gives a different output than at export (\(detail))",
                remedy: "the model, its code or the platform changed; do not serve this bundle")
        case .writeFailed(let p, let reason): "cannot write \(p): \(reason)"
        case .notRegularFile(let p, let kind):
            Diagnostic(
                "\(p) is \(kind), not a bundle; refusing to read it (it may never end)",
                remedy: "give a bundle folder or .zip file made by export")
        case .malformedArchive(let b, let reason):
            Diagnostic(
                "\(b) is not a readable bundle archive: \(reason)",
                remedy: "export the model again, or give the bundle folder")
        }
    }
}
