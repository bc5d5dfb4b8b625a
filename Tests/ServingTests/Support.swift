import Bundles
import Foundation
import Learning
import Serving
import Tabular
import Testing
import TestSupport
@testable import Workbench

/// A fresh session in the repository root with a throwaway home.
func makeSession() -> Session {
    let home = NSTemporaryDirectory() + "wb-serve-home-\(UUID().uuidString)"
    return Session(environment: SessionEnvironment(workingDirectory: repositoryRoot, home: home))
}

/// Trains `algorithm` on penguins_train.csv and exports it to `folder/NAME`; returns the bundle path.
func exportPenguins(to folder: String, algorithm: String = "linear", extra: String = "") throws -> String {
    let session = makeSession()
    let bundle = folder + "/penguins-\(algorithm)"
    for line in [
        "load \"\(exampleData)/penguins_train.csv\" as penguins", "m = train \(algorithm) on penguins target=species",
        "export m to \"\(bundle)\" \(extra)",
    ] {
        let cell = try #require(session.execute(line))
        try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
    }
    return bundle
}

/// The rows of a penguins CSV as JSON row objects (without the target).
func penguinRows(_ file: String) throws -> [String] {
    let text = try String(contentsOfFile: exampleData + "/" + file, encoding: .utf8)
    var lines = text.split(separator: "\n").map(String.init)
    let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let numbers: Set<String> = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
    return lines.map { line in
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let pairs = zip(header, fields).filter { $0.0 != "species" }.map { name, value -> String in
            let v = value.isEmpty ? "null" : (numbers.contains(name) ? value : "\"\(value)\"")
            return "\"\(name)\": \(v)"
        }
        return "{" + pairs.joined(separator: ", ") + "}"
    }
}

/// Starts a server on a free loopback port; the caller shuts it down.
func startServer(_ bundle: String, configure: (inout ServeOptions) -> Void = { _ in }) async throws -> RunningServer {
    var options = ServeOptions(bundlePath: bundle)
    options.port = 0
    options.serverLogLevel = nil
    options.monitorInterval = .milliseconds(100)
    configure(&options)
    return try await BundleServer.start(options)
}

let sampleRow =
    #"{"island": "Torgersen", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181, "body_mass_g": 3750, "sex": "male", "year": 2007}"#

/// Writes `pipeline`, trained on `frame` (one numeric input `x`), as a bundle at `path`, with the
/// reference.json `export` writes (the drift monitor reads it at start).
func writeSampleBundle(
    _ pipeline: PipelineModel, frame: DataFrame, name: String, to path: String, signingKey: String? = nil
) throws {
    struct Reference: Encodable {
        var rows: Int
        var inputs: ReferenceProfile
        var predictions: ReferenceProfile
    }
    let predictions = DriftDetector.predictionColumn(
        try pipeline.predict(frame).prediction, classes: pipeline.target.classes, decision: pipeline.decision)
    let reference = try ModelCoding.encoder().encode(
        Reference(
            rows: frame.rowCount, inputs: try ReferenceProfile(frame: frame, columns: ["x"], seed: 1),
            predictions: ReferenceProfile(column: predictions, seed: 1)))
    let contents = BundleContents(
        producer: "workbench test", name: name, pipeline: pipeline,
        trainingData: .init(name: "sample", fingerprint: "sha256:00", rows: frame.rowCount, columns: 1),
        metrics: [:], validationVerdict: nil, card: "# card\n", reference: reference, onnx: nil,
        onnxInfo: .init(present: false, reason: "test", float32Notes: []), sampleFrame: frame, sensitiveColumns: [])
    try BundleWriter.write(contents, to: path, overwrite: false, signingKey: signingKey)
}
