public import Crypto
public import Foundation

/// Ed25519 keys for signing bundle manifests, stored as small PEM-style text files.
public enum BundleSigning {
    static let privateHeader = "-----BEGIN WORKBENCH ED25519 PRIVATE KEY-----"
    static let privateFooter = "-----END WORKBENCH ED25519 PRIVATE KEY-----"
    static let publicHeader = "-----BEGIN WORKBENCH ED25519 PUBLIC KEY-----"
    static let publicFooter = "-----END WORKBENCH ED25519 PUBLIC KEY-----"

    /// Writes a new key pair: the private key readable by its owner only (0600).
    public static func generateKeyPair(privatePath: String, publicPath: String) throws {
        let key = Curve25519.Signing.PrivateKey()
        try writeKeyFile(
            privateHeader + "\n" + key.rawRepresentation.base64EncodedString() + "\n" + privateFooter + "\n",
            to: privatePath, mode: 0o600)
        try writeKeyFile(
            publicHeader + "\n" + key.publicKey.rawRepresentation.base64EncodedString() + "\n" + publicFooter + "\n",
            to: publicPath, mode: 0o644)
    }

    public static func privateKey(at path: String) throws -> Curve25519.Signing.PrivateKey {
        let raw = try keyBytes(path: path, header: privateHeader, footer: privateFooter)
        do { return try Curve25519.Signing.PrivateKey(rawRepresentation: raw) } catch {
            throw BundleError.badKey(path: path, reason: "not an Ed25519 private key")
        }
    }

    public static func publicKey(at path: String) throws -> Curve25519.Signing.PublicKey {
        let raw = try keyBytes(path: path, header: publicHeader, footer: publicFooter)
        do { return try Curve25519.Signing.PublicKey(rawRepresentation: raw) } catch {
            throw BundleError.badKey(path: path, reason: "not an Ed25519 public key")
        }
    }

    public static func sign(_ data: Data, with key: Curve25519.Signing.PrivateKey) throws -> Data {
        try key.signature(for: data)
    }

    public static func verify(_ signature: Data, of data: Data, with key: Curve25519.Signing.PublicKey) -> Bool {
        key.isValidSignature(signature, for: data)
    }

    private static func keyBytes(path: String, header: String, footer: String) throws -> Data {
        // A key file is three short lines; anything large (or a device) is not one.
        guard let data = try? BundleFileAccess.read(path, limit: 1 << 16),
            let text = String(data: data, encoding: .utf8)
        else {
            throw BundleError.badKey(path: path, reason: "cannot read the file")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == header, lines.last == footer, lines.count == 3, let raw = Data(base64Encoded: lines[1]),
            raw.count == 32
        else {
            let other = header.contains("PRIVATE") ? "a public key" : "a private key"
            let hint =
                text.contains(header.contains("PRIVATE") ? publicHeader : privateHeader) ? " (this is \(other))" : ""
            throw BundleError.badKey(
                path: path, reason: "expected a file made by 'workbench keygen' starting '\(header)'\(hint)")
        }
        return raw
    }

    private static func writeKeyFile(_ text: String, to path: String, mode: mode_t) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw BundleError.exists(path: path) }
        // Created with its final permissions, so the key is never readable by others, not even briefly.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw BundleError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw BundleError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
