public import Learning

/// What a command did that leaves no binding behind, recorded by its handler as it ran — so a
/// lesson's checks read the cell's effects instead of parsing its command line again or looking
/// for "warning: " in what it printed.
public enum CellEffect: Sendable {
    /// A command ran on these datasets (bound names, or a quoted file as the command read it).
    /// Recorded by the session for every command while a lesson runs; `command` is the verb, or
    /// the verb and its first word for commands that pick what they do with it (`plot roc`).
    case ran(command: String, datasets: [NamedDataset])
    /// A model scored on rows with known outcomes (`evaluate`); `data` is what it was scored on.
    case evaluated(model: NamedModel, scores: Scores, data: Dataset?)
    /// A model predicted `rows` rows; `values` holds the inputs of a row given as a record;
    /// `warned` when it said an input is unlike its training data.
    case predicted(model: NamedModel, rows: Int, values: [String: String], warned: Bool)
    /// A model written as a bundle (or a serving layout) to `path`, resolved as the user's path.
    case exported(model: NamedModel, path: String)
}

/// A bound dataset and the name it was bound to.
public struct NamedDataset: Sendable {
    public var name: String
    public var dataset: Dataset
}

/// A bound model and the name it was bound to.
public struct NamedModel: Sendable {
    public var name: String
    public var model: TrainedModel
}
