import Bundles
import Foundation
import Learning
import Tabular
import CommandLanguage

/// What `export … format=` writes.
enum ExportFormat: String, CaseIterable, Sendable {
    /// Workbench's bundle (the default).
    case bundle
    /// A Triton model repository of the ONNX graph.
    case triton
    /// KServe InferenceService manifests, with the Triton repository and the bundle they serve.
    case kserve
}

extension CommandTable {
    /// `export m to "DIR" format=triton`: `NAME/config.pbtxt` and `NAME/1/model.onnx`, written
    /// as bundles are (refused over an existing PATH without overwrite=yes, built beside it and
    /// moved into place, into the replay sandbox when replaying).
    static func exportTriton(
        name: String, model: TrainedModel, written: String, resolved: String, context: inout CommandContext
    ) throws {
        if context.invocation.word("sign") != nil {
            throw CommandError(
                "sign= signs a bundle's manifest, and a Triton model repository has none",
                hint: "leave out sign=, or export format=kserve, whose bundle is signed")
        }
        if context.invocation.has("sensitive") {
            throw CommandError(
                "sensitive= hides columns in a bundle's documents and logs; a Triton repository holds only the ONNX graph, which keeps every category it one-hot encodes",
                hint: "leave out sensitive=, or export format=kserve to serve the bundle with workbench serve")
        }
        let pipeline = model.pipeline
        let precision = onnxPrecision(context)
        let onnx = ONNXSupport.export(pipeline, precision: precision, frame: model.trainingFrame)
        guard let graph = onnx.data else {
            throw CommandError(
                "\(name) has no ONNX graph for Triton to run: \(onnx.info.reason ?? "not available")",
                hint:
                    "export format=kserve (its Workbench manifest serves the bundle, no ONNX needed), or serve the bundle with workbench serve"
            )
        }
        let modelID = try BundleWriter.modelID(of: pipeline)
        let files = ServingLayouts.triton(
            name: name, modelID: modelID, pipeline: pipeline, onnx: graph, producer: "workbench \(workbenchVersion)",
            precision: precision)
        try BundleWriter.writeFolder(
            files, to: resolved, overwrite: context.invocation[CommonOption.overwrite])
        for (file, data) in files.sorted(by: { $0.key < $1.key }) {
            context.recordWritten(
                WrittenFile(
                    path: (written as NSString).appendingPathComponent(file), digest: Fingerprint.of(bytes: data)))
        }
        let inputs = ONNXExporter.onnxInputs(pipeline).count
        context.print(
            "exported \(name) to \(written) as a Triton model repository: \(name)/config.pbtxt (\(inputs) input\(inputs == 1 ? "" : "s"), max_batch_size \(ServingLayouts.tritonMaximumBatchSize)) and \(name)/\(ServingLayouts.tritonVersion)/model.onnx, model id \(modelID)"
        )
        printDateInputs(onnx.info, context: &context)
        printFloat32Effect(onnx.info, context: &context)
        context.print(
            "tritonserver --model-repository \(written) serves it over the Open Inference Protocol as model '\(name)', version \(ServingLayouts.tritonVersion); drift monitoring and verification rows stay with workbench serve"
        )
    }

    /// `export m to "DIR" format=kserve`: `inferenceservice-onnx.yaml` over `triton/` (when the
    /// model has an ONNX graph) and `inferenceservice-workbench.yaml` over `bundle/`.
    static func exportKServe(
        name: String, contents: BundleContents, signing: String?,
        provenance: Result<ProvenanceSlice, ProvenanceSlice.Gap>,
        written: String, resolved: String, context: inout CommandContext
    ) throws {
        let modelID = try BundleWriter.modelID(of: contents.pipeline)
        let producer = "workbench \(workbenchVersion)"
        var files: [String: Data] = [
            KServeFile.workbench: Data(
                ServingLayouts.kserveWorkbench(name: name, modelID: modelID, producer: producer).utf8)
        ]
        if let graph = contents.onnx {
            files[KServeFile.onnx] = Data(
                ServingLayouts.kserveONNX(name: name, modelID: modelID, producer: producer).utf8)
            for (file, data) in ServingLayouts.triton(
                name: name, modelID: modelID, pipeline: contents.pipeline, onnx: graph, producer: producer,
                precision: contents.onnxInfo.precision ?? .double)
            {
                files["triton/" + file] = data
            }
        }
        var manifest: Manifest?
        try BundleWriter.writeFolder(
            files, to: resolved, overwrite: context.invocation[CommonOption.overwrite]
        ) { staging in
            manifest = try BundleWriter.write(contents, to: staging + "/bundle", overwrite: false, signingKey: signing)
        }
        for (file, data) in files.sorted(by: { $0.key < $1.key }) {
            context.recordWritten(
                WrittenFile(
                    path: (written as NSString).appendingPathComponent(file), digest: Fingerprint.of(bytes: data)))
        }
        if let manifest {
            recordBundle(manifest, at: (written as NSString).appendingPathComponent("bundle"), context: &context)
        }
        if contents.onnx != nil {
            context.print(
                "exported \(name) to \(written) for KServe: \(KServeFile.onnx) (Triton runtime, Open Inference Protocol) over triton/, \(KServeFile.workbench) (workbench serve as a custom predictor) over bundle/, model id \(modelID)"
            )
        } else {
            context.print(
                "exported \(name) to \(written) for KServe: \(KServeFile.workbench) (workbench serve as a custom predictor) over bundle/, model id \(modelID)"
            )
            context.print("no \(KServeFile.onnx): \(contents.onnxInfo.reason ?? "the model has no ONNX graph")")
        }
        context.print(
            "before applying: copy triton/ and bundle/ to your model storage and set each storageUri / STORAGE_URI, and the image of \(KServeFile.workbench) (every CHANGE-ME)"
        )
        if let manifest { reportBundle(manifest, provenance: provenance, signed: signing != nil, context: &context) }
    }

    private static func printDateInputs(_ info: Manifest.ONNXInfo, context: inout CommandContext) {
        for date in info.dateInputs ?? [] {
            context.print(
                "model.onnx has no date parsing: it takes \(date.column) (\(date.format)) as the numbers "
                    + date.inputs.map { "'\($0)'" }.joined(separator: ", ")
                    + "; workbench serve takes the date text")
        }
    }
}

/// The manifests `format=kserve` writes.
enum KServeFile {
    static let onnx = "inferenceservice-onnx.yaml"
    static let workbench = "inferenceservice-workbench.yaml"
}
