import Bundles
import Foundation
import Learning
import Serving
import Tabular
import Testing
import TestSupport

/// `/readyz` says "signed": true only when the signature was checked against a trusted key
/// (issue 19, item 2): a manifest.sig nobody checked proves nothing.
@Suite("Readiness and signatures", .serialized)
struct ReadinessSignatureTests {
    @Test func signedOnlyWhenChecked() async throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let frame = try DataFrame(columns: [
            Column(name: "x", data: .numeric((0..<20).map(Double.init))),
            Column(name: "label", data: .categorical(codes: (0..<20).map { $0 < 10 ? 0 : 1 }, levels: ["low", "high"])),
        ])
        let pipeline = try PipelineModel.train(algorithm: Linear.self, parameters: [:], frame: frame, target: "label",
                                               features: ["x"], context: FitContext(seed: 1))
        // reference.json as `export` writes it (the drift monitor reads it at start).
        struct Reference: Encodable { var rows: Int; var inputs: ReferenceProfile; var predictions: ReferenceProfile }
        let predictions = DriftDetector.predictionColumn(try pipeline.predict(frame).prediction, classes: pipeline.target.classes, decision: pipeline.decision)
        let reference = try ModelCoding.encoder().encode(Reference(
            rows: frame.rowCount, inputs: try ReferenceProfile(frame: frame, columns: ["x"], seed: 1),
            predictions: ReferenceProfile(column: predictions, seed: 1)))
        let contents = BundleContents(
            producer: "workbench test", name: "signed", pipeline: pipeline,
            trainingData: .init(name: "sample", fingerprint: "sha256:00", rows: frame.rowCount, columns: 1),
            metrics: [:], validationVerdict: nil, card: "# card\n", reference: reference, onnx: nil,
            onnxInfo: .init(present: false, reason: "test", float32Notes: []), sampleFrame: frame, sensitiveColumns: [])
        try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/k.pub.pem")
        try BundleWriter.write(contents, to: base + "/b", overwrite: false, signingKey: base + "/k.pem")
        for trusted in [false, true] {
            let server = try await startServer(base + "/b") { $0.trustedKey = trusted ? base + "/k.pub.pem" : nil }
            let ready = try await HTTP.get("/readyz", port: server.port)
            await server.shutdown()
            #expect(ready.status == 200)
            #expect(ready.json["signed"] as? Bool == trusted, "trusted key given: \(trusted)")
        }
    }
}
