public import Foundation
public import Learning

/// Folder layouts for the model servers teams run at scale, built from a pipeline and its ONNX
/// graph: a Triton model repository, and KServe `InferenceService` manifests. Their files as
/// paths relative to the layout's folder, for `BundleWriter.writeFolder`.
public enum ServingLayouts {
    /// Triton's `max_batch_size`: the rows `workbench serve` takes in one request by default
    /// (`--max-rows`), so a client's batches fit both servers.
    public static let tritonMaximumBatchSize = 10_000
    /// The one model version written, as Triton numbers them; `workbench serve`'s /v2 calls its
    /// model version "1" too.
    public static let tritonVersion = "1"

    /// `NAME/config.pbtxt` and `NAME/1/model.onnx`: a Triton model repository of one model.
    public static func triton(
        name: String, modelID: String, pipeline: PipelineModel, onnx: Data, producer: String,
        precision: ONNXExport.Precision = .double
    ) -> [String: Data] {
        [
            "\(name)/config.pbtxt": Data(
                tritonConfig(name: name, modelID: modelID, pipeline: pipeline, producer: producer, precision: precision)
                    .utf8),
            "\(name)/\(tritonVersion)/model.onnx": onnx,
        ]
    }

    /// Triton's model configuration (protobuf text format of `inference.ModelConfig`) for the
    /// ONNX graph `ONNXExporter` writes: its inputs `[N, 1]` (dims `[1]` under batching), label
    /// `[N]` (dims `[1]`, reshaped to the graph's `[]`), probabilities `[N, classes]`, value `[N, 1]`.
    /// - Parameter precision: the graph's numeric inputs (`TYPE_FP32` with `onnx_precision=float`).
    public static func tritonConfig(
        name: String, modelID: String, pipeline: PipelineModel, producer: String,
        precision: ONNXExport.Precision = .double
    ) -> String {
        let number = precision == .float ? "TYPE_FP32" : "TYPE_FP64"
        var lines = [
            "# Triton model configuration for Workbench model \(name) (\(modelID)), written by \(producer).",
            precision == .float
                ? "# The graph takes numbers as float32 and computes in double precision; a date column is its derived numbers (see model.onnx's metadata)."
                : "# The graph computes in double precision; a date column is its derived numbers (see model.onnx's metadata).",
            "name: \(quoted(name))",
            "platform: \"onnxruntime_onnx\"",
            "max_batch_size: \(tritonMaximumBatchSize)",
            "input [",
        ]
        let inputs = ONNXExporter.onnxInputs(pipeline)
        for (i, input) in inputs.enumerated() {
            lines += [
                "  {", "    name: \(quoted(input.name))", "    data_type: \(input.number ? number : "TYPE_STRING")",
                "    dims: [ 1 ]", i == inputs.count - 1 ? "  }" : "  },",
            ]
        }
        lines.append("]")
        lines.append("output [")
        let outputs = ONNXExporter.outputs(pipeline)
        for (i, output) in outputs.enumerated() {
            let type =
                switch output.element {
                case .text: "TYPE_STRING"
                case .number: "TYPE_FP64"
                case .flag: "TYPE_BOOL"
                }
            // The label is [N] in the graph: dims [1] under batching, reshaped to the graph's [].
            lines +=
                ["  {", "    name: \(quoted(output.name))", "    data_type: \(type)", "    dims: [ \(output.width) ]"]
                + (output.name == ONNXExporter.labelOutput ? ["    reshape: { shape: [ ] }"] : [])
                + [i == outputs.count - 1 ? "  }" : "  },"]
        }
        lines.append("]")
        lines += ["version_policy: { latest: { num_versions: 1 } }"]
        for (key, value) in [
            ("workbench.model_id", modelID), ("workbench.classes", jsonArray(pipeline.target.classes)),
        ] where !value.isEmpty {
            lines += ["parameters: {", "  key: \(quoted(key))", "  value: { string_value: \(quoted(value)) }", "}"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The name Kubernetes accepts for an object (RFC 1123 label: lower-case letters, digits and
    /// '-', starting with a letter, at most 63 characters), derived from a model's name.
    public static func kubernetesName(_ name: String, suffix: String) -> String {
        var out = ""
        for c in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(c) || ("0"..."9").contains(c) {
                out.unicodeScalars.append(c)
            } else if !out.hasSuffix("-") {
                out += "-"
            }
        }
        while out.hasPrefix("-") || out.first?.isNumber == true { out.removeFirst() }
        if out.isEmpty { out = "model" }
        let tail = "-" + suffix
        out = String(out.prefix(63 - tail.count))
        while out.hasSuffix("-") { out.removeLast() }
        return out + tail
    }

    /// An `InferenceService` serving the Triton repository (`triton/`) with KServe's Triton runtime,
    /// over the Open Inference Protocol.
    public static func kserveONNX(name: String, modelID: String, producer: String) -> String {
        """
        # KServe InferenceService for Workbench model \(name) (\(modelID)), written by \(producer).
        # Triton (KServe's kserve-tritonserver runtime) runs the ONNX graph in triton/; copy that folder
        # to your model storage and set storageUri to it. Clients speak the Open Inference Protocol (v2),
        # model name \(yamlQuoted(name)), version \(tritonVersion).
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata:
          name: \(kubernetesName(name, suffix: "onnx"))
          labels:
            workbench.model-id: \(yamlQuoted(modelID))
        spec:
          predictor:
            model:
              modelFormat:
                name: onnx
                version: "1"
              runtime: kserve-tritonserver
              protocolVersion: v2
              storageUri: "s3://CHANGE-ME/\(kubernetesName(name, suffix: "models"))/triton"

        """
    }

    /// An `InferenceService` running Workbench's own server (a custom predictor) on the bundle in
    /// `bundle/`: the same /v2 routes, plus /v1, drift monitoring and the bundle's verification.
    public static func kserveWorkbench(name: String, modelID: String, producer: String, port: Int = 8080) -> String {
        """
        # KServe InferenceService for Workbench model \(name) (\(modelID)), written by \(producer).
        # A custom predictor: `workbench serve` on the bundle in bundle/, which KServe's storage
        # initializer copies to /mnt/models from STORAGE_URI. Build an image holding the workbench binary
        # (a static build needs no Swift runtime) and set image. Clients speak the Open Inference
        # Protocol (v2, model name \(yamlQuoted(name)), version \(tritonVersion)) or Workbench's /v1; /metrics and
        # /v1/drift carry Workbench's drift monitoring. Add --token-file with a mounted secret to require a token.
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata:
          name: \(kubernetesName(name, suffix: "workbench"))
          labels:
            workbench.model-id: \(yamlQuoted(modelID))
        spec:
          predictor:
            containers:
              - name: kserve-container
                image: "CHANGE-ME/workbench:latest"
                args: ["serve", "/mnt/models", "--host", "0.0.0.0", "--port", "\(port)"]
                env:
                  - name: STORAGE_URI
                    value: "s3://CHANGE-ME/\(kubernetesName(name, suffix: "models"))/bundle"
                ports:
                  - containerPort: \(port)
                    protocol: TCP
                readinessProbe:
                  httpGet:
                    path: /v2/health/ready
                    port: \(port)
                livenessProbe:
                  httpGet:
                    path: /v2/health/live
                    port: \(port)

        """
    }

    /// A protobuf text-format string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\" + String(byte, radix: 8).leftPadded(to: 3)
            }
        }
        return out + "\""
    }

    /// A YAML double-quoted scalar (JSON's escapes are valid in it).
    static func yamlQuoted(_ s: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        guard let data = try? encoder.encode(s) else { return "\"\"" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func jsonArray(_ values: [String]) -> String {
        guard !values.isEmpty, let data = try? JSONEncoder().encode(values) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
