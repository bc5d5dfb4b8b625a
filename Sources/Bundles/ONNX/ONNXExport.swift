public import Foundation

/// A pipeline written as one ONNX model, with the facts a caller needs to feed and read it.
///
/// Conventions of the graph (see `ONNXExporter` for the operators):
/// - One input per feature column, named as the column: numbers as `tensor(double)` `[N, 1]`
///   (missing = NaN), text as `tensor(string)` `[N, 1]` (missing = the empty string `""`).
///   A date column, which ONNX cannot parse, is instead one `tensor(double)` input per derived
///   number (`DATE (year)`, …; see `dateInputs`).
/// - Classification outputs `label`, `tensor(string)` `[N]` (the class name, as Workbench
///   prints it), and `probabilities`, `tensor(double)` `[N, classes]` in the class order of
///   `PipelineModel.target.classes`. Regression outputs `value`, `tensor(double)` `[N, 1]`.
public struct ONNXExport: Sendable {
    /// The graph's numeric inputs: double (the default, exact), or float32 for stacks that feed
    /// FP32 (`onnx_precision=float`), cast to double by the graph's first nodes — so the graph
    /// computes what the model computes on the inputs rounded to float32.
    public enum Precision: String, Codable, Sendable, CaseIterable {
        case double
        case float
    }

    public var precision: Precision = .double
    /// The serialized `onnx.ModelProto`.
    public var data: Data
    /// Every place where the graph computes in float32 instead of double, and why; empty when
    /// the whole graph runs in double.
    public var float32Notes: [String]
    /// Graph input names: the pipeline's feature columns, in order, a date column replaced by
    /// its derived numbers (`dateInputs`).
    public var inputNames: [String]
    /// Graph output names: `["label", "probabilities"]` or `["value"]`.
    public var outputNames: [String]
    /// The date columns the graph takes as derived numbers, since ONNX has no date parsing.
    public var dateInputs: [DateInput]
    /// Derived columns the graph takes as inputs because standard operators cannot compute them
    /// (text functions, dates); the others it computes from the raw columns.
    public var derivedInputs: [String] = []

    /// A date column the native bundle and the server take as text, and the numeric inputs the
    /// ONNX graph takes for it instead: year, month, day of week (1 = Monday … 7 = Sunday), day
    /// of year (1 … 366) and, for times, hour (0 … 23), each double with NaN for a missing date.
    public struct DateInput: Codable, Sendable, Equatable {
        /// The column as the data and the server name it.
        public var column: String
        /// How its values are written, e.g. `MM/dd/yy` (another format is a missing date).
        public var format: String
        /// The graph inputs, in order.
        public var inputs: [String]

        public init(column: String, format: String, inputs: [String]) {
            self.column = column
            self.format = format
            self.inputs = inputs
        }
    }
}
