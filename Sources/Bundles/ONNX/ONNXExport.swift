import Foundation

/// A pipeline written as one ONNX model, with the facts a caller needs to feed and read it.
///
/// Conventions of the graph (see `ONNXExporter` for the operators):
/// - One input per feature column, named as the column: numbers as `tensor(double)` `[N, 1]`
///   (missing = NaN), text as `tensor(string)` `[N, 1]` (missing = the empty string `""`).
/// - Classification outputs `label`, `tensor(string)` `[N]` (the class name, as Workbench
///   prints it), and `probabilities`, `tensor(double)` `[N, classes]` in the class order of
///   `PipelineModel.target.classes`. Regression outputs `value`, `tensor(double)` `[N, 1]`.
public struct ONNXExport: Sendable {
    /// The serialized `onnx.ModelProto`.
    public var data: Data
    /// Every place where the graph computes in float32 instead of double, and why; empty when
    /// the whole graph runs in double.
    public var float32Notes: [String]
    /// Graph input names: the pipeline's feature columns, in order.
    public var inputNames: [String]
    /// Graph output names: `["label", "probabilities"]` or `["value"]`.
    public var outputNames: [String]
}
