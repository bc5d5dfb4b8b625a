public import Diagnostics
/// Why a feature result could not be computed from the given data.
public enum DriftError: Error, Sendable, Equatable, UserFacingError {
    case missingColumns([String])
    /// The reference has numbers where the current sample has text, or the other way round.
    case kindMismatch(column: String, reference: String, current: String)
    case emptyReference

    public var diagnostic: Diagnostic {
        switch self {
        case .missingColumns(let names):
            "the data lacks column\(names.count == 1 ? "" : "s") the drift reference has: \(names.joined(separator: ", "))"
        case .kindMismatch(let column, let reference, let current):
            Diagnostic(
                "column '\(column)' holds \(current) now but held \(reference) in the reference",
                remedy: "load it with the same type as the reference data")
        case .emptyReference:
            "the reference data has no rows"
        }
    }
}
