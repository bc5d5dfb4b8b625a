public import Foundation
public import Learning
public import Tabular

/// A fitted model as the model cache keeps it (see the interpreter's `ModelCache`): one file of a
/// header line and a JSON body holding the model exactly as a bundle's `model.json` encodes it,
/// with a bundle's verification rows.
///
/// ```
/// workbench-model-cache 1 KEY sha256:DIGEST-OF-THE-BODY
/// {"fitSeconds":…,"model":{…},"verification":{…}}
/// ```
/// Reading it applies every check a bundle's model gets — no duplicate JSON keys, the model's own
/// decoding checks, verification rows that cover every class and re-score to the recorded outputs —
/// plus the key (a file copied under another model's name is refused) and the body's digest.
public enum CachedModel {
    /// Bumped when the file's layout or the meaning of its key changes; part of every key.
    public static let formatVersion = 1

    static let magic = "workbench-model-cache"

    /// What a cache file holds besides the key.
    public struct Contents: Sendable {
        public var pipeline: PipelineModel
        /// How long the original fit took, for the model's card.
        public var fitSeconds: Double
    }

    private struct Body: Codable {
        var fitSeconds: Double
        var model: PipelineModel
        var verification: VerificationSet
    }

    /// The file for `pipeline` under `key`; verification rows are taken from `frame` (its
    /// training rows), so it throws when they cannot vouch for the model.
    public static func encode(
        _ pipeline: PipelineModel, fitSeconds: Double, verificationFrame frame: DataFrame, key: String
    ) throws -> Data {
        let verification = try VerificationSet(pipeline: pipeline, frame: frame)
        if let problem = verification.coverageProblem(for: pipeline) { throw CachedModelError.malformed(problem) }
        let body = try ModelCoding.encoder().encode(
            Body(fitSeconds: fitSeconds.isFinite ? fitSeconds : 0, model: pipeline, verification: verification))
        var data = Data("\(magic) \(formatVersion) \(key) \(Fingerprint.of(bytes: body))\n".utf8)
        data.append(body)
        return data
    }

    /// Reads a cache file, refusing anything that is not exactly what `encode` wrote for `key`
    /// or whose model does not re-score its verification rows.
    public static func decode(_ data: Data, key: String) throws(CachedModelError) -> Contents {
        guard let newline = data.firstIndex(of: 0x0A), newline - data.startIndex <= 512 else {
            throw .malformed("no header line")
        }
        let header = String(decoding: data[data.startIndex..<newline], as: UTF8.self).split(separator: " ")
        guard header.count == 4, header[0] == magic else { throw .malformed("not a workbench model cache file") }
        guard header[1] == String(formatVersion) else { throw .otherFormat(String(header[1])) }
        guard header[2] == key else { throw .wrongKey }
        let body = data[(newline + 1)...]
        guard Fingerprint.of(bytes: body) == header[3] else { throw .checksumMismatch }
        if let duplicate = DuplicateKeyScanner.firstDuplicate(in: Data(body)) {
            throw .malformed("duplicate key '\(duplicate.key)' at \(duplicate.path)")
        }
        let decoded: Body
        do { decoded = try ModelCoding.decoder().decode(Body.self, from: Data(body)) } catch {
            throw .malformed(BundleReader.describe(error))
        }
        if let problem = decoded.verification.coverageProblem(for: decoded.model) {
            throw .malformed("verification rows: \(problem)")
        }
        let failure: (row: Int, detail: String)?
        do { failure = try decoded.verification.check(decoded.model) } catch {
            throw .verificationFailed(row: 0, detail: String(describing: error))
        }
        if let failure { throw .verificationFailed(row: failure.row, detail: failure.detail) }
        return Contents(
            pipeline: decoded.model, fitSeconds: decoded.fitSeconds.isFinite ? max(0, decoded.fitSeconds) : 0)
    }
}

/// Why a model cache file was refused; the cache drops it and the model is fitted again.
public enum CachedModelError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case otherFormat(String)
    case wrongKey
    case checksumMismatch
    case verificationFailed(row: Int, detail: String)

    public var description: String {
        switch self {
        case .malformed(let reason): "it is not a valid cache entry (\(reason))"
        case .otherFormat(let version):
            "it was written in cache format \(version); this workbench writes format \(CachedModel.formatVersion)"
        case .wrongKey: "it holds another model's entry (its key does not match its name)"
        case .checksumMismatch: "its content does not match its digest (the file was changed or cut short)"
        case .verificationFailed(let row, let detail):
            "the model does not re-score its verification rows (row \(row): \(detail))"
        }
    }
}
