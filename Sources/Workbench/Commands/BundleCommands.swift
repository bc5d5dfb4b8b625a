import Bundles
import CommandLanguage
import Foundation
import Learning
import Tabular

extension CommandTable {
    /// `export MODEL to "PATH" [format=bundle|triton|kserve] [overwrite=yes] [sign="key.pem"] [sensitive=[cols]]`.
    static let export = CommandSpec(
        "export", topic: "deploy",
        summary: "write a model as a deployable, self-verifying bundle folder (or .zip)",
        discussion: """
            The bundle holds manifest.json (schema, metrics, provenance, SHA-256 of every file), \
            model.json (exact reload), model.onnx where the algorithm has a standard ONNX form (ONNX \
            cannot parse dates: it takes a date column as its derived numbers, named in manifest.json, \
            while model.json, predict and serve take the date text), \
            reference.json (training statistics for drift monitoring), MODEL_CARD.md, openapi.yaml, \
            example.json, and verification rows with the outputs the model gave at export: import, \
            verify, predict and serve re-score them and refuse a bundle that differs. provenance.wbt holds \
            the cells of this session that made the model (its loads with their data fingerprints, splits, \
            derivations, the training command and seed; no other cell), and `workbench replay BUNDLE \
            --data DIR` re-runs them and checks the retrained model is byte-identical. It is built beside \
            PATH and moved into place in one step, so an interrupted export leaves no half bundle. \
            format=triton writes a Triton model repository instead (NAME/config.pbtxt, NAME/1/model.onnx); \
            format=kserve writes KServe InferenceService manifests, one for that repository on KServe's \
            Triton runtime and one for workbench serve as a custom predictor, beside the repository \
            (triton/) and the bundle (bundle/) they serve.
            """,
        positionals: [PositionalSpec(.model, .binding), PositionalSpec(.path, keyword: "to", .path)],
        options: [
            ExportOption.format.spec,
            CommonOption.overwrite.help("replace an existing bundle at PATH").spec,
            OptionSpec("sign", .text, help: "sign the manifest with this Ed25519 private key (workbench keygen)"),
            OptionSpec(
                "sensitive", .columns,
                help:
                    "columns never written in clear to prediction logs, nor their values or ranges to the bundle's documents"
            ),
            ExportOption.onnxPrecision.spec,
        ],
        examples: [
            "export m to \"bundles/penguins\"", "export m to \"penguins.zip\" sign=\"keys/team.pem\" overwrite=yes",
            "export m to \"deploy/fp32\" format=triton onnx_precision=float",
            "export m to \"deploy/triton\" format=triton", "export m to \"deploy/kserve\" format=kserve",
        ],
        reopen: .actsOutside,
        run: { context in
            let (name, model) = try context.model(.model)
            let (written, resolved) = try context.outputPath(.path)
            try checkBundleTarget(resolved, shown: written)
            // Kept only if the export succeeds, as every effect; `resolved` is where it is written
            // (in a sandboxed replay, the sandbox's copy, which is where the bundle is read from).
            context.record(.exported(model: NamedModel(name: name, model: model), path: resolved))
            let format = context.invocation[ExportOption.format]
            if format == .triton {
                return try exportTriton(
                    name: name, model: model, written: written, resolved: resolved, context: &context)
            }
            let sensitive = try model.trainingFrame.map { try context.columns("sensitive", in: $0) } ?? []
            let signing = context.invocation.word("sign").map { context.session.resolve(path: $0) }
            var contents = try bundleContents(
                name: name, model: model, sensitive: sensitive, precision: onnxPrecision(context), context: context)
            // How the model was made: the cells that made it, and nothing else.
            let provenance = ProvenanceSlice.of(
                model: name, in: context.session.provenanceCells, reruns: context.session.cells)
            if case .success(let slice) = provenance {
                contents.provenance = (
                    Data(slice.transcriptText(sessionFile: context.session.transcriptPath).utf8), slice.record
                )
            }
            if format == .kserve {
                return try exportKServe(
                    name: name, contents: contents, signing: signing, provenance: provenance, written: written,
                    resolved: resolved, context: &context)
            }
            let manifest = try BundleWriter.write(
                contents, to: resolved, overwrite: context.invocation[CommonOption.overwrite],
                signingKey: signing)
            recordBundle(manifest, at: written, context: &context)
            context.print(
                "exported \(name) to \(written): \(manifest.files.count + 1 + (signing == nil ? 0 : 1)) files, model id \(manifest.modelID)"
            )
            reportBundle(manifest, provenance: provenance, signed: signing != nil, context: &context)
        })

    /// The bundle's stable content: the model and its verification rows, by the digests its
    /// manifest took of the bytes written (its time and signature are not recorded).
    static func recordBundle(_ manifest: Manifest, at written: String, context: inout CommandContext) {
        for file in [BundleFile.model, BundleFile.verification] {
            if let digest = manifest.files[file] {
                context.recordWritten(
                    WrittenFile(path: (written as NSString).appendingPathComponent(file), digest: digest))
            }
        }
    }

    /// What a written bundle holds: its provenance, its ONNX graph, its resource profile, its signature.
    static func reportBundle(
        _ manifest: Manifest, provenance: Result<ProvenanceSlice, ProvenanceSlice.Gap>, signed: Bool,
        context: inout CommandContext
    ) {
        switch provenance {
        case .success(let slice):
            context.print(
                "provenance: cell\(slice.steps.count == 1 ? "" : "s") \(slice.steps.map { String($0.sessionNumber) }.joined(separator: ", ")) of this session, reading "
                    + (slice.dataFiles.isEmpty ? "no data file" : slice.dataFiles.map(\.name).joined(separator: ", "))
                    + ", in \(BundleFile.provenance)")
        case .failure(let gap):
            context.print("no provenance recorded: \(gap.reason)")
        }
        if manifest.onnx.present {
            context.print(
                "model.onnx: the whole pipeline in standard ONNX operators"
                    + (manifest.onnx.float32Notes.isEmpty
                        ? "" : "; float32 where: " + manifest.onnx.float32Notes.joined(separator: "; ")))
            printFloat32Effect(manifest.onnx, context: &context)
            for date in manifest.onnx.dateInputs ?? [] {
                context.print(
                    "model.onnx has no date parsing: it takes \(date.column) (\(date.format)) as the numbers "
                        + date.inputs.map { "'\($0)'" }.joined(separator: ", ")
                        + " (listed in manifest.json); model.json, predict and serve take the date text")
            }
            if let derived = manifest.onnx.derivedInputs, !derived.isEmpty {
                context.print(
                    "model.onnx computes the other derived columns; it takes "
                        + derived.map { "'\($0)'" }.joined(separator: ", ")
                        + (derived.count == 1 ? " as an input of its own" : " as inputs of their own")
                        + " (text functions and dates have no standard operator; listed in manifest.json)")
            } else if !(manifest.derivedColumns ?? []).isEmpty {
                context.print(
                    "model.onnx computes the derived columns "
                        + (manifest.derivedColumns ?? []).map { "'\($0.name)'" }.joined(separator: ", ")
                        + " from the raw inputs")
            }
        } else {
            context.print("no model.onnx: \(manifest.onnx.reason ?? "not available")")
        }
        if let r = manifest.resources {
            context.print(
                "profile: single row \(Output.volatile(formatStatistic(r.singleRowLatencyMicroseconds) + " µs")), batch \(Output.volatile(formatStatistic(r.batchRowsPerSecond) + " rows/s")), model file \(Output.volatile(String(r.modelFileBytes) + " bytes"))"
            )
        }
        if signed { context.print("signed: manifest.sig (Ed25519)") }
    }

    /// `m2 = import "PATH" [trust="pub.pem"]`.
    static let importBundle = CommandSpec(
        "import", topic: "deploy",
        summary: "load a model from a bundle, after checking its checksums and verification rows",
        positionals: [PositionalSpec(.path, .path)],
        options: [OptionSpec("trust", .text, help: "require a valid signature by this Ed25519 public key")],
        maxResults: 1,
        provenance: .external,
        examples: ["m2 = import \"bundles/penguins\"", "m3 = import \"penguins.zip\" trust=\"keys/team.pub.pem\""],
        run: { context in
            let (written, resolved) = try context.path(.path)
            let trust = context.invocation.word("trust").map { context.session.resolve(path: $0) }
            let bundle = try BundleReader.open(resolved, trustedKey: trust)
            let m = bundle.manifest
            var model = TrainedModel(
                pipeline: bundle.pipeline, dataName: m.trainingData.name, dataFingerprint: m.trainingData.fingerprint,
                rowCount: m.trainingData.rows, fitSeconds: 0, trainingScores: emptyScores(for: bundle.pipeline.task))
            model.bundlePath = written
            model.bundleProvenance = ProvenanceSummary.cardLine(m)
            model.bundleEvidence = bundleEvidence(manifest: m, reference: bundle.reference, task: bundle.pipeline.task)
            let name = context.targets.first ?? baseName(of: written)
            context.bind(name, .model(model))
            context.print(
                "imported \(name) from \(written): \(m.algorithm) → \(m.target) (\(m.task)), model id \(m.modelID)")
            context.print(
                "checked: \(m.files.count) file checksums, verification rows re-scored identically"
                    + (trust != nil
                        ? ", signature valid" : (bundle.signed ? " (signed; pass trust= to check the signature)" : "")))
            context.print(ProvenanceSummary.line(m))
        })

    /// A bundle replaces only a bundle folder or file: a device, FIFO or socket at PATH is refused
    /// even with overwrite=yes (the swap would destroy it), and so is a symbolic link, which the
    /// swap would replace rather than follow.
    static func checkBundleTarget(_ path: String, shown: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFDIR, S_IFREG: return
        case S_IFLNK:
            throw CommandError(
                "\(shown) is a symbolic link; refusing to replace it with a bundle",
                hint: "export to the path it points to")
        default: throw FileWriteError.notRegular(path: shown, kind: FileTarget.kind(of: info.st_mode))
        }
    }

    /// The bundle of a session model. A model that was never cross-validated is cross-validated
    /// now on its training data (as `validate` would), so the bundle carries the same evidence —
    /// cross-validation figures and out-of-fold predictions — that validates a session model.
    static func bundleContents(
        name: String, model: TrainedModel, sensitive: [String], precision: ONNXExport.Precision, context: CommandContext
    ) throws
        -> BundleContents
    {
        let session = context.session
        let pipeline = model.pipeline
        guard let frame = model.trainingFrame else {
            // An imported model's bundle already is its export, with the provenance recorded then.
            if let bundle = model.bundlePath {
                throw CommandError(
                    "\(name) was imported from \(bundle) and has no training data in this session to take verification rows from",
                    hint: "copy the bundle itself: it carries the model, its checks and its provenance as exported")
            }
            throw CommandError(
                "\(name) has no training data in this session to take verification rows from",
                hint: "export the model from the session that trained it")
        }
        let crossValidation = try crossValidation(of: model, context: context)
        var metrics: [String: Double] = [:]
        for m in MetricCatalog.metrics(for: pipeline.task) {
            metrics["training_" + m.name] = m.value(model.trainingScores)
            if let cv = crossValidation {
                metrics["cv_" + m.name] = cv.mean(of: m)
                metrics["cv_" + m.name + "_std"] = cv.standardDeviation(of: m)
            }
        }
        if let v = model.validation, let fresh = v.freshScores {
            for m in MetricCatalog.metrics(for: pipeline.task) { metrics["validation_" + m.name] = m.value(fresh) }
        }
        let reference = try ReferenceStatistics.json(
            for: pipeline, frame: frame, outOfFold: crossValidation?.outOfFold,
            isCancelled: { [flag = context.session.cancellation] in flag.isSet })
        let onnx = ONNXSupport.export(pipeline, precision: precision, frame: frame)
        return BundleContents(
            producer: "workbench \(workbenchVersion)", name: name, pipeline: pipeline,
            trainingData: Manifest.TrainingData(
                name: model.dataName, fingerprint: model.dataFingerprint, rows: model.rowCount,
                columns: pipeline.inputs.count),
            metrics: metrics, validationVerdict: model.validation.map { $0.verdict.rawValue + " on " + $0.data },
            card: ModelCard.markdown(
                name: name, model: model, sessionFile: session.transcriptPath, cell: session.nextCellNumber,
                sensitive: Set(sensitive)),
            reference: reference, onnx: onnx.data, onnxInfo: onnx.info, sampleFrame: frame, sensitiveColumns: sensitive)
    }

    /// Cross-validation figures and drift profiles from an imported bundle, for validate; an
    /// unreadable reference leaves the profiles out (validate then says it cannot check drift).
    static func bundleEvidence(manifest: Manifest, reference: Data, task: Task) -> BundleEvidence {
        var cv: [String: [Double]] = [:]
        for m in MetricCatalog.metrics(for: task) {
            if let mean = manifest.metrics["cv_" + m.name] {
                cv[m.name] = [mean, manifest.metrics["cv_" + m.name + "_std"] ?? 0]
            }
        }
        let decoded = try? ModelCoding.decoder().decode(ReferenceStatistics.Reference.self, from: reference)
        return BundleEvidence(crossValidation: cv, inputs: decoded?.inputs, outOfFold: decoded?.outOfFold)
    }

    static func emptyScores(for task: Task) -> Scores {
        task == .classification
            ? .classification(ClassificationReport(truth: [], probabilities: Matrix(rows: 0, columns: 1)))
            : .regression(RegressionReport(truth: [], predicted: []))
    }
}

/// Training reference statistics for drift monitoring (`reference.json`): a drift profile of every
/// model input (decile edges and bin counts, level counts, a capped seeded sample for KS and
/// Wasserstein) and of the model's predictions on its training rows.
enum ReferenceStatistics {
    struct Reference: Codable {
        var rows: Int
        var inputs: ReferenceProfile
        var predictions: ReferenceProfile
        /// The cross-validation's out-of-fold predictions: validate's reference for prediction drift.
        var outOfFold: ReferenceProfile?
    }

    static func json(
        for pipeline: PipelineModel, frame: DataFrame, outOfFold: OutOfFoldPredictions? = nil,
        isCancelled: () -> Bool = { false }
    ) throws -> Data {
        let inputs = try ReferenceProfile(
            frame: pipeline.driftView(frame), columns: pipeline.inputs.map(\.name), seed: pipeline.seed)
        let output = try pipeline.predict(frame, isCancelled: isCancelled)
        let predictions = ReferenceProfile(
            column: DriftDetector.predictionColumn(
                output.prediction, classes: pipeline.target.classes, decision: pipeline.decision), seed: pipeline.seed)
        return try ModelCoding.encoder().encode(
            Reference(
                rows: frame.rowCount, inputs: inputs, predictions: predictions,
                outOfFold: outOfFold.map { ReferenceProfile(column: $0.column(for: pipeline), seed: pipeline.seed) }))
    }
}

extension CommandTable {
    /// `onnx_precision=`: double unless float is asked for.
    static func onnxPrecision(_ context: CommandContext) -> ONNXExport.Precision {
        context.invocation[ExportOption.onnxPrecision]
    }

    /// With float32 inputs, what they cost, as measured at export.
    static func printFloat32Effect(_ info: Manifest.ONNXInfo, context: inout CommandContext) {
        guard info.precision == .float, let difference = info.float32Difference, let rows = info.float32DifferenceRows
        else { return }
        let size =
            difference.isFinite
            ? "at most " + formatStatistic(difference)
            : "without bound (a number beyond float32's ±3.4e38 becomes infinite)"
        context.print(
            "model.onnx takes numbers as float32 (onnx_precision=float): on \(rows) training row\(rows == 1 ? "" : "s") its outputs move \(size) from the double inputs'"
        )
    }
}

/// ONNX rendering of a pipeline; an algorithm without a standard form exports without one.
enum ONNXSupport {
    /// - Parameters:
    ///   - precision: the graph's numeric inputs; with float32, their effect is measured on `frame`.
    static func export(_ pipeline: PipelineModel, precision: ONNXExport.Precision = .double, frame: DataFrame? = nil)
        -> (data: Data?, info: Manifest.ONNXInfo)
    {
        do {
            let onnx = try ONNXExporter.export(pipeline, precision: precision)
            var info = Manifest.ONNXInfo(
                present: true, reason: nil, float32Notes: onnx.float32Notes,
                dateInputs: onnx.dateInputs.isEmpty ? nil : onnx.dateInputs,
                derivedInputs: onnx.derivedInputs.isEmpty ? nil : onnx.derivedInputs)
            if precision == .float {
                info.precision = .float
                if let frame, let effect = try? ONNXExporter.float32InputEffect(of: pipeline, on: frame) {
                    info.float32Difference = effect.maximumDifference
                    info.float32DifferenceRows = effect.rows
                }
            }
            return (onnx.data, info)
        } catch {
            return (nil, Manifest.ONNXInfo(present: false, reason: String(describing: error), float32Notes: []))
        }
    }
}

enum ExportOption {
    static let format: Option<ExportFormat> = .choice(
        "format", default: .bundle,
        help:
            "bundle; triton (a Triton model repository); kserve (InferenceService manifests, a Triton repository and a bundle)"
    )
    static let onnxPrecision: Option<ONNXExport.Precision> = .choice(
        "onnx_precision", default: .double,
        help:
            "model.onnx's numeric inputs: double (exact), or float for stacks that feed FP32 (the graph casts them to double; the largest difference it causes is measured and reported)"
    )
}
