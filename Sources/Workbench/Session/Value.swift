import Tabular

/// A dataset bound in the session, with where it came from.
public struct Dataset: Sendable {
    public var frame: DataFrame
    /// How the user referred to its origin (a path as typed, a query, "split of iris").
    public var source: String
    /// `sha256:` content fingerprint: of the file's bytes when loaded from a file, else of the table.
    public var fingerprint: String
}

/// Anything a name can be bound to in a session.
public enum Value: Sendable {
    case dataset(Dataset)

    /// The kind as users read it in messages and `ls`.
    public var kindName: String {
        switch self {
        case .dataset: "dataset"
        }
    }

    /// One line for `ls`.
    public var summary: String {
        switch self {
        case .dataset(let d):
            "\(d.frame.rowCount) rows × \(d.frame.columnCount) columns  from \(d.source)"
        }
    }

    /// A named part of the value (`lb.best`), if it has one.
    public func part(_ name: String) -> Value? {
        nil
    }
}
