public import Foundation
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
        /// Derived columns the graph takes as inputs because ONNX's standard operators cannot
        /// compute them (text functions, dates); absent when the graph computes every one.
        public var derivedInputs: [String]?
        /// `float` when the graph takes its numbers as float32 (`onnx_precision=float`); absent: double.
        public var precision: ONNXExport.Precision?
        /// With float32 inputs: the largest difference of a probability (or value) they cause,
        /// measured at export on the training rows, and how many rows that was.
        public var float32Difference: Double?
        public var float32DifferenceRows: Int?

        public init(
            present: Bool, reason: String?, float32Notes: [String], dateInputs: [ONNXExport.DateInput]? = nil,
            derivedInputs: [String]? = nil,
            precision: ONNXExport.Precision? = nil, float32Difference: Double? = nil, float32DifferenceRows: Int? = nil
        ) {
            self.present = present
            self.reason = reason
            self.float32Notes = float32Notes
            self.dateInputs = dateInputs
            self.derivedInputs = derivedInputs
            self.precision = precision
            self.float32Difference = float32Difference
            self.float32DifferenceRows = float32DifferenceRows
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

    /// A column the model computes from its inputs before anything else (`derive` in the session).
    public struct DerivedColumn: Codable, Sendable, Equatable {
        public var name: String
        /// The expression as written.
        public var expression: String
        /// The columns it reads.
        public var reads: [String]

        public init(name: String, expression: String, reads: [String]) {
            self.name = name
            self.expression = expression
            self.reads = reads
        }
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
    /// How the model was made, when the bundle records it: `provenance.wbt` holds the cells;
    /// nil for bundles exported without it (and all bundles before it existed).
    public var provenance: Provenance? = nil
    /// The derived columns the model computes from `inputs`, in order; absent when it has none.
    public var derivedColumns: [DerivedColumn]? = nil

    /// What `provenance.wbt` is about. The cells themselves are the interpreter's business; this
    /// library keeps them as opaque text, covered by the checksums and the signature like any file.
    public struct Provenance: Codable, Sendable, Equatable {
        /// The name the cells bind the model to (the name it had when exported).
        public var model: String
        /// How many cells `provenance.wbt` holds.
        public var cells: Int
        /// The data files the cells read, by file name and fingerprint; they are not in the bundle.
        public var data: [DataFile]

        public struct DataFile: Codable, Sendable, Equatable {
            /// A file name only (no folder): replay looks for it in the folder it is given.
            public var name: String
            public var fingerprint: String

            public init(name: String, fingerprint: String) {
                self.name = name
                self.fingerprint = fingerprint
            }
        }

        public init(model: String, cells: Int, data: [DataFile]) {
            self.model = model
            self.cells = cells
            self.data = data
        }

        /// Why the record cannot be trusted as written, or nil: a data name must be a plain file
        /// name (a crafted `../../etc/passwd` is refused before anything is looked up).
        public var problem: String? {
            guard cells >= 1, cells <= Manifest.Provenance.maximumCells else {
                return "provenance.cells must be from 1 to \(Manifest.Provenance.maximumCells)"
            }
            guard !model.isEmpty, model.count <= 200 else { return "provenance.model must name the model" }
            guard data.count <= Manifest.Provenance.maximumCells else {
                return "provenance.data lists more files than cells"
            }
            for file in data {
                guard Manifest.Provenance.isPlainFileName(file.name) else {
                    return "provenance data file '\(file.name)' is not a plain file name"
                }
                guard file.fingerprint.hasPrefix("sha256:"), file.fingerprint.count == 71,
                    file.fingerprint.dropFirst(7).allSatisfy({ $0.isHexDigit })
                else {
                    return "provenance data file '\(file.name)' has no sha256 fingerprint"
                }
            }
            return nil
        }

        /// The most cells a provenance may hold.
        public static let maximumCells = 10_000

        /// A name with no folder in it: not empty, not `.` or `..`, no `/`, `\\` or NUL.
        public static func isPlainFileName(_ name: String) -> Bool {
            !name.isEmpty && name != "." && name != ".." && name.utf8.count <= 255
                && !name.contains("/") && !name.contains("\\") && !name.contains("\0")
        }
    }

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
    /// The cells that made the model, as a workbench transcript (see `Manifest.Provenance`).
    public static let provenance = "provenance.wbt"
}
