public import Diagnostics
/// Why an explanation could not be produced.
public enum ExplainError: Error, Sendable, Equatable, UserFacingError {
    case rowOutOfRange(row: Int, rowCount: Int)
    case unknownClass(String, known: [String])
    case unknownMetric(String, known: [String])
    case metricTaskMismatch(metric: String, task: Task)
    case noLabelledRows(target: String)
    case invalidRepeats(Int)

    public var diagnostic: Diagnostic {
        switch self {
        case .rowOutOfRange(let row, let count):
            "row \(row + 1) does not exist; the data has \(count) row\(count == 1 ? "" : "s")"
        case .unknownClass(let name, let known):
            Diagnostic("the model has no class '\(name)'", remedy: "classes: \(known.joined(separator: ", "))")
        case .unknownMetric(let name, let known):
            Diagnostic("unknown metric '\(name)'", remedy: "metrics: \(known.joined(separator: ", "))")
        case .metricTaskMismatch(let metric, let task): "the metric '\(metric)' does not apply to \(task.rawValue)"
        case .noLabelledRows(let target): "no row has a usable value of the target '\(target)'"
        case .invalidRepeats(let n): "repeats=\(n) is not allowed; it must be at least 1"
        }
    }
}
