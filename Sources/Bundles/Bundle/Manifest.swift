import Foundation
import Learning

/// `manifest.json`: what a bundle holds and the checksum of every other file in it.
public struct Manifest: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1

    /// The ONNX rendering of the pipeline, or why there is none.
    public struct ONNXInfo: Codable, Sendable, Equatable {
        public var present: Bool
        public var reason: String?
        /// Places where ONNX operators force float32.
        public var float32Notes: [String]
        /// Date columns the graph takes as derived numbers instead of text (ONNX cannot parse
        /// dates); absent when there are none. `model.json`, `predict` and `serve` take the text.
        public var dateInputs: [ONNXExport.DateInput]?

        public init(present: Bool, reason: String?, float32Notes: [String], dateInputs: [ONNXExport.DateInput]? = nil) {
            self.present = present
            self.reason = reason
            self.float32Notes = float32Notes
            self.dateInputs = dateInputs
        }
    }

    /// Figures measured at export so whoever deploys the bundle can size the environment.
    public struct ResourceProfile: Codable, Sendable, Equatable {
        public var modelFileBytes: Int
        public var bundleBytes: Int
        /// Rough in-memory size of the loaded model.
        public var modelMemoryBytes: Int
        public var singleRowLatencyMicroseconds: Double
        public var batchRowsPerSecond: Double
        public var batchSize: Int
        public var peakResidentBytes: Int
        public var machine: String
    }

    /// A column of the input schema.
    public struct InputColumn: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
        public var categories: [String]?
        public var minimum: Double?
        public var maximum: Double?
        public var missingRate: Double
        /// Never written to prediction logs in clear.
        public var sensitive: Bool
    }

    public var formatVersion: Int
    public var modelID: String
    public var name: String
    public var algorithm: String
    public var parameters: [String: String]
    public var task: String
    public var target: String
    public var classes: [String]
    public var inputs: [InputColumn]
    /// Metric name → value (cross-validation means and spreads, test and validation scores).
    public var metrics: [String: Double]
    public var validationVerdict: String?
    public var trainingData: TrainingData
    public var seed: UInt64
    public var workbenchVersion: String
    public var createdAt: String
    public var onnx: ONNXInfo
    public var resources: ResourceProfile?
    /// File name → `sha256:` hex digest, for every file but the manifest and its signature.
    public var files: [String: String]

    public struct TrainingData: Codable, Sendable, Equatable {
        public var name: String
        public var fingerprint: String
        public var rows: Int
        public var columns: Int

        public init(name: String, fingerprint: String, rows: Int, columns: Int) {
            self.name = name
            self.fingerprint = fingerprint
            self.rows = rows
            self.columns = columns
        }
    }

    /// Stable JSON (sorted keys, pretty) so the signed bytes are reproducible.
    public func encoded() throws -> Data {
        try ModelCoding.encoder(pretty: true).encode(self)
    }
}

/// File names inside a bundle.
public enum BundleFile {
    public static let manifest = "manifest.json"
    public static let signature = "manifest.sig"
    public static let model = "model.json"
    public static let onnx = "model.onnx"
    public static let reference = "reference.json"
    public static let card = "MODEL_CARD.md"
    public static let openAPI = "openapi.yaml"
    public static let example = "example.json"
    public static let verification = "verification.json"
}
