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
            Column(
                name: "label", data: .categorical(codes: (0..<20).map { $0 < 10 ? 0 : 1 }, levels: ["low", "high"])),
        ])
        let pipeline = try PipelineModel.train(
            algorithm: Linear.self, parameters: [:], frame: frame, target: "label",
            features: ["x"], context: FitContext(seed: 1))
        try BundleSigning.generateKeyPair(privatePath: base + "/k.pem", publicPath: base + "/k.pub.pem")
        try writeSampleBundle(pipeline, frame: frame, name: "signed", to: base + "/b", signingKey: base + "/k.pem")
        for trusted in [false, true] {
            let server = try await startServer(base + "/b") { $0.trustedKey = trusted ? base + "/k.pub.pem" : nil }
            let ready = try await HTTP.get("/readyz", port: server.port)
            await server.shutdown()
            #expect(ready.status == 200)
            #expect(ready.json["signed"] as? Bool == trusted, "trusted key given: \(trusted)")
        }
    }
}
