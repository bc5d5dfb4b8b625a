/// Why a pipeline could not be written as ONNX.
public enum ONNXExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The algorithm has no standard ONNX operator form in this exporter.
    case unsupported(algorithm: String, reason: String)
    /// A feature column has the name of a graph output (`label`, `probabilities`, `value`).
    case nameClash(column: String)
    /// A date's derived input (`DATE (year)`, …) has the name of another input column.
    case derivedNameClash(input: String, date: String)
    /// The fitted model does not match what its pipeline says (a bug, not bad input).
    case inconsistent(String)

    public var description: String {
        switch self {
        case .unsupported(let algorithm, let reason):
            "'\(algorithm)' models cannot be exported to ONNX: \(reason)"
        case .nameClash(let column):
            "the feature column '\(column)' has the name of an ONNX output; rename it before exporting"
        case .derivedNameClash(let input, let date):
            "the ONNX graph takes the date '\(date)' as '\(input)', which is also the name of another input column; rename one before exporting"
        case .inconsistent(let detail):
            "internal error: \(detail)"
        }
    }
}
