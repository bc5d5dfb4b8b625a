public import Bundles
import Foundation
public import Learning
import Tabular
import Diagnostics

/// A prediction log as `monitor` and a server's realised-performance figures read it, whatever
/// keeps it: an SQLite file (`PredictionLogReader`) or a database replicas share
/// (`PostgresPredictionLogReader`). Windows are the newest rows, given oldest first.
public protocol PredictionLogSource: Sendable {
    /// The file, or the connection masked: for messages.
    var location: String { get }
    var modelID: String { get }
    /// The bundle the log was written for, as an absolute path (on the machine that wrote it).
    var bundlePath: String { get }
    var features: [String] { get }
    var redacted: Set<String> { get }
    /// The model last scored in the champion's shadow (`serve --shadow`), when one was.
    var shadowModelID: String? { get }

    /// The last `rows` scored rows and the last `rows` prediction requests; with `since`, only
    /// those logged at that time (seconds since 1970) or later.
    func window(rows limit: Int, features specs: [FeatureSpec], since: Double?) throws -> LogWindow
    /// The last `limit` predictions, each with its outcome: from `labels` (prediction id → truth)
    /// when given, else from the log; for a classifier, the probability of the predicted class.
    func labelledWindow(rows limit: Int, labels: [Int64: JSONScalar]?, since: Double?) throws -> [LabelledPrediction]
    /// The last `limit` predictions with the challenger's prediction for the same row and the
    /// outcome; nil when the log has no challenger at all.
    func pairedWindow(rows limit: Int, labels: [Int64: JSONScalar]?, since: Double?) throws -> [PairedPrediction]?
    /// The two models being compared: the newest challenger prediction's model and the model that
    /// answered that row, or the log's model and the challenger it was served with.
    func latestPair() throws -> (answeredBy: String, shadow: String)?
    /// A number that changes whenever anything is committed to the log.
    func dataVersion() throws -> Int
    /// The rows each replica answered within the retention, for a log replicas share (empty for a file).
    func replicas() throws -> [ReplicaCount]
}

extension PredictionLogSource {
    public func labelledWindow(rows limit: Int) throws -> [LabelledPrediction] {
        try labelledWindow(rows: limit, labels: nil, since: nil)
    }
    public func pairedWindow(rows limit: Int) throws -> [PairedPrediction]? {
        try pairedWindow(rows: limit, labels: nil, since: nil)
    }
}

/// The last rows of a log: inputs (feature order), outputs, and the requests over the same span.
public struct LogWindow: Sendable {
    public var inputs: [[JSONScalar]]
    public var outputs: [JSONScalar]
    public var requests: [RequestRecord]
    public var rowsScored: Int
}

/// One replica's share of a shared log.
public struct ReplicaCount: Sendable, Equatable {
    public var replica: String
    public var rowsScored: Int
    /// When it last wrote (seconds since 1970), if ever.
    public var lastWrite: Double?
}

/// Opens a prediction log for reading.
public enum PredictionLogs {
    /// `postgresql://…` reads the shared log of model `model` (the served name, or the only one
    /// the database logs); anything else is an SQLite file, and `model` must be nil.
    public static func open(_ location: String, model: String? = nil) throws -> any PredictionLogSource {
        if PredictionLogLocation.isShared(location) {
            return try PostgresPredictionLogReader(url: location, model: model)
        }
        if let model {
            throw ServingError.badOption(
                "a model name (\(model)) picks one of the models a PostgreSQL log shares; \(location) is a file and logs one model"
            )
        }
        return try PredictionLogReader(path: location)
    }

    /// The largest monitoring window: a window holds its rows in memory.
    public static let maximumWindow = 100_000

    static func checkWindow(_ limit: Int) throws {
        guard (1...maximumWindow).contains(limit) else {
            throw ServingError.badOption("the monitoring window must be 1 to \(maximumWindow) rows, not \(limit)")
        }
    }

    /// A JSON array of strings, or none.
    static func strings(_ json: String?) -> [String] {
        guard let json, let items = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { return [] }
        return items
    }

    /// A logged output: the label, else the value when finite, else null.
    static func output(_ label: String?, _ value: Double?) -> JSONScalar {
        if let label { return .text(label) }
        if let value, value.isFinite { return .number(value) }
        return .null
    }

    /// A logged outcome (nil when none).
    static func truth(_ label: String?, _ value: Double?) -> JSONScalar? {
        if let label { return .text(label) }
        if let value, value.isFinite { return .number(value) }
        return nil
    }

    /// A logged inputs object, in the order of `specs` (null for what it lacks or cannot be read).
    static func inputs(_ text: String?, _ specs: [FeatureSpec], decoder: JSONDecoder) -> [JSONScalar] {
        let object = (try? decoder.decode([String: JSONScalar].self, from: Data((text ?? "").utf8))) ?? [:]
        return specs.map { object[$0.name] ?? .null }
    }

    /// The probability a classifier gave its predicted label, from the logged probabilities.
    static func confidence(_ probabilities: String?, label: String, decoder: JSONDecoder) -> Double? {
        guard let probabilities, let p = try? decoder.decode([String: Double].self, from: Data(probabilities.utf8))
        else { return nil }
        return p[label]
    }
}
