import CWorkbenchSystem
import Crypto
public import Foundation
public import Learning
public import Tabular
import ZIPFoundation
import ColumnExpressions

/// Everything that goes into a bundle, assembled by the caller (the interpreter knows the
/// session's metrics, card and reference statistics; this library knows the format).
public struct BundleContents: Sendable {
    public var name: String
    public var pipeline: PipelineModel
    public var trainingData: Manifest.TrainingData
    public var metrics: [String: Double]
    public var validationVerdict: String?
    public var card: String
    public var reference: Data
    public var onnx: Data?
    public var onnxInfo: Manifest.ONNXInfo
    /// Rows for the verification set and the resource profile (typically the training data).
    public var sampleFrame: DataFrame
    public var sensitiveColumns: [String]
    /// The software that wrote the bundle, e.g. "workbench 0.1.0".
    public var producer: String
    /// The cells that made the model (`provenance.wbt`) and what they are about; nil writes none.
    public var provenance: (text: Data, record: Manifest.Provenance)? = nil

    public init(
        producer: String, name: String, pipeline: PipelineModel, trainingData: Manifest.TrainingData,
        metrics: [String: Double], validationVerdict: String?,
        card: String, reference: Data, onnx: Data?, onnxInfo: Manifest.ONNXInfo, sampleFrame: DataFrame,
        sensitiveColumns: [String]
    ) {
        self.producer = producer
        self.name = name
        self.pipeline = pipeline
        self.trainingData = trainingData
        self.metrics = metrics
        self.validationVerdict = validationVerdict
        self.card = card
        self.reference = reference
        self.onnx = onnx
        self.onnxInfo = onnxInfo
        self.sampleFrame = sampleFrame
        self.sensitiveColumns = sensitiveColumns
    }
}

/// Writes bundles: a folder, or a zip when the path ends in `.zip`, always built beside the
/// target and moved into place in one step, so an interrupted export leaves no half bundle.
public enum BundleWriter {
    /// Writes `contents` to `path`; returns the manifest written.
    @discardableResult
    public static func write(_ contents: BundleContents, to path: String, overwrite: Bool, signingKey: String? = nil)
        throws -> Manifest
    {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) && !overwrite { throw BundleError.exists(path: path) }
        let key = try signingKey.map(BundleSigning.privateKey(at:))
        let staging = try makeStagingFolder(for: path)
        defer { try? fm.removeItem(atPath: staging) }

        let encoder = ModelCoding.encoder()
        var files: [String: Data] = [:]
        files[BundleFile.model] = try encoder.encode(contents.pipeline)
        let verification = try VerificationSet(pipeline: contents.pipeline, frame: contents.sampleFrame)
        files[BundleFile.verification] = try encoder.encode(verification)
        files[BundleFile.reference] = contents.reference
        files[BundleFile.card] = Data(contents.card.utf8)
        files[BundleFile.openAPI] = Data(
            OpenAPIDocument.yaml(for: contents.pipeline, name: contents.name, redacted: Set(contents.sensitiveColumns))
                .utf8)
        let pretty = ModelCoding.encoder(pretty: true)
        // The example is a real training row: its sensitive values are left out (null is read as
        // missing), as they are everywhere but the model and its verification rows.
        var example = verification.rows.first ?? [:]
        for column in contents.sensitiveColumns where example[column] != nil { example[column] = .null }
        files[BundleFile.example] = try pretty.encode(example)
        if let onnx = contents.onnx { files[BundleFile.onnx] = onnx }
        if let provenance = contents.provenance { files[BundleFile.provenance] = provenance.text }

        var manifest = Manifest(
            formatVersion: Manifest.currentFormatVersion,
            modelID: modelID(modelJSON: files[BundleFile.model] ?? Data()),
            name: contents.name, algorithm: contents.pipeline.algorithm,
            parameters: contents.pipeline.parameters.values.mapValues(\.description),
            task: contents.pipeline.task.rawValue, target: contents.pipeline.target.name,
            classes: contents.pipeline.target.classes,
            inputs: contents.pipeline.inputs.map { f -> Manifest.InputColumn in
                // A sensitive column's categories and range are left out of the manifest too.
                let sensitive = contents.sensitiveColumns.contains(f.name)
                return Manifest.InputColumn(
                    name: f.name, type: f.kind.rawValue, categories: f.kind == .text && !sensitive ? f.levels : nil,
                    minimum: f.kind == .number && f.minimum.isFinite && !sensitive ? f.minimum : nil,
                    maximum: f.kind == .number && f.maximum.isFinite && !sensitive ? f.maximum : nil,
                    missingRate: f.missingRate, sensitive: sensitive)
            },
            metrics: contents.metrics.filter { $0.value.isFinite }, validationVerdict: contents.validationVerdict,
            trainingData: contents.trainingData, seed: contents.pipeline.seed, workbenchVersion: contents.producer,
            createdAt: ISO8601DateFormatter().string(from: Date()), onnx: contents.onnxInfo, resources: nil, files: [:],
            provenance: contents.provenance?.record)
        if !contents.pipeline.derivations.isEmpty {
            manifest.derivedColumns = contents.pipeline.derivations.map {
                Manifest.DerivedColumn(name: $0.name, expression: $0.source, reads: $0.inputs)
            }
        }
        manifest.resources = ResourceProfiler.measure(
            contents.pipeline, sample: contents.sampleFrame, modelBytes: files[BundleFile.model]?.count ?? 0,
            bundleBytes: files.values.reduce(0) { $0 + $1.count })

        for (name, data) in files.sorted(by: { $0.key < $1.key }) {
            try writeFile(data, to: staging + "/" + name)
            manifest.files[name] = Fingerprint.of(bytes: data)
        }
        let manifestData = try manifest.encoded()
        try writeFile(manifestData, to: staging + "/" + BundleFile.manifest)
        if let key {
            try writeFile(
                Data(try BundleSigning.sign(manifestData, with: key).base64EncodedString().utf8),
                to: staging + "/" + BundleFile.signature)
        }

        if path.hasSuffix(".zip") {
            let zipStaging = staging + ".zip"
            defer { try? fm.removeItem(atPath: zipStaging) }
            do {
                let archive = try Archive(url: URL(fileURLWithPath: zipStaging), accessMode: .create)
                for name in try fm.contentsOfDirectory(atPath: staging).sorted() {
                    try archive.addEntry(
                        with: name, relativeTo: URL(fileURLWithPath: staging), compressionMethod: .deflate)
                }
            } catch {
                throw BundleError.writeFailed(path: path, reason: "zip: \(error)")
            }
            try moveIntoPlace(zipStaging, path, isDirectory: false)
        } else {
            try moveIntoPlace(staging, path, isDirectory: true)
        }
        return manifest
    }

    /// A model's ID: from the bytes of its `model.json`, so the same model has the same ID in
    /// every bundle and layout written of it.
    public static func modelID(modelJSON: Data) -> String {
        "m-" + String(Fingerprint.of(bytes: modelJSON).dropFirst(7).prefix(16))
    }

    /// The ID of `pipeline`, as a bundle of it records.
    public static func modelID(of pipeline: PipelineModel) throws -> String {
        modelID(modelJSON: try ModelCoding.encoder().encode(pipeline))
    }

    /// A fresh staging folder beside `path` (named after it, this process and a random suffix),
    /// after removing ones that crashed writers left there; the caller renames it into place.
    private static func makeStagingFolder(for path: String) throws -> String {
        let parent = (path as NSString).deletingLastPathComponent
        removeAbandonedStaging(in: parent.isEmpty ? "." : parent)
        let staging =
            (parent.isEmpty ? "." : parent)
            + "/.\((path as NSString).lastPathComponent).partial-\(getpid())-\(UUID().uuidString.prefix(8))"
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw BundleError.writeFailed(
                path: path, reason: "cannot create a staging folder beside it: \(error.localizedDescription)")
        }
        return staging
    }

    /// Writes a folder of files (paths relative to it, subfolders created) the way bundles are
    /// written: refused when `path` exists unless `overwrite`, built in a staging folder beside
    /// it, then moved into place in one step. `more` may add files to the staging folder first
    /// (a bundle inside the layout).
    public static func writeFolder(
        _ files: [String: Data], to path: String, overwrite: Bool, more: (String) throws -> Void = { _ in }
    ) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) && !overwrite { throw BundleError.exists(path: path) }
        let staging = try makeStagingFolder(for: path)
        defer { try? fm.removeItem(atPath: staging) }
        for (name, data) in files.sorted(by: { $0.key < $1.key }) {
            let folder = (name as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                do { try fm.createDirectory(atPath: staging + "/" + folder, withIntermediateDirectories: true) } catch {
                    throw BundleError.writeFailed(
                        path: path, reason: "cannot create \(folder): \(error.localizedDescription)")
                }
            }
            try writeFile(data, to: staging + "/" + name)
        }
        try more(staging)
        try moveIntoPlace(staging, path, isDirectory: true)
    }

    /// Removes staging folders left by exports that were killed (their process is gone) — only
    /// what `TemporaryFiles` can prove is ours, one file at a time, never recursively.
    static func removeAbandonedStaging(in folder: String) {
        TemporaryFiles.sweep([folder])
    }

    private static func writeFile(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw BundleError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }

    /// Puts `source` at `target`. A new target is one rename; an existing one is swapped
    /// atomically (renameat2 RENAME_EXCHANGE) and the old copy removed afterwards, so at every
    /// instant `target` is the complete old bundle or the complete new one.
    private static func moveIntoPlace(_ source: String, _ target: String, isDirectory: Bool) throws {
        if !FileManager.default.fileExists(atPath: target) {
            guard rename(source, target) == 0 else {
                throw BundleError.writeFailed(path: target, reason: String(cString: strerror(errno)))
            }
            return
        }
        if wb_rename_exchange(source, target) == 0 {
            // `source` now holds the old bundle; the caller's cleanup removes it.
            return
        }
        if !isDirectory {
            guard rename(source, target) == 0 else {
                throw BundleError.writeFailed(path: target, reason: String(cString: strerror(errno)))
            }
            return
        }
        let old = source + ".old"
        guard rename(target, old) == 0 else {
            throw BundleError.writeFailed(path: target, reason: String(cString: strerror(errno)))
        }
        guard rename(source, target) == 0 else {
            _ = rename(old, target)
            throw BundleError.writeFailed(path: target, reason: String(cString: strerror(errno)))
        }
        try? FileManager.default.removeItem(atPath: old)
    }
}
