import Bundles
import Foundation
import Learning
import Serving
import Tabular
import Testing
import TestSupport

/// A bundle whose model has a decision threshold (issue 26): `POST /v1/predict` labels with it,
/// and its probabilities are the model's own.
@Suite("Serving a decision threshold", .serialized)
struct ThresholdServingTests {
    @Test func predictLabelsWithTheModelsThreshold() async throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        // x below 10 is low, from 10 high: P(high) rises with x, and crosses 0.5 near 9.5.
        let frame = try DataFrame(columns: [
            Column(name: "x", data: .numeric((0..<20).map(Double.init))),
            Column(
                name: "label", data: .categorical(codes: (0..<20).map { $0 < 10 ? 1 : 0 }, levels: ["high", "low"])),
        ])
        let trained = try PipelineModel.train(
            algorithm: Linear.self, parameters: ["C": .double(0.05)], frame: frame, target: "label",
            features: ["x"], context: FitContext(seed: 1))
        // Classes in sorted order: high (0), low (1); the threshold is on P(low).
        let pipeline = try trained.withDecisionThreshold(0.9)
        try writeSampleBundle(pipeline, frame: frame, name: "threshold", to: base + "/b")
        let server = try await startServer(base + "/b")
        let xs = [2.0, 6.0, 8.0, 9.0, 12.0]
        let answer = try await HTTP.post(
            "/v1/predict", port: server.port,
            body: "{\"rows\": [" + xs.map { "{\"x\": \($0)}" }.joined(separator: ", ") + "]}")
        await server.shutdown()
        #expect(answer.status == 200, "\(answer.body)")
        let rows = try #require(answer.json["predictions"] as? [[String: Any]])
        let probabilities = try #require(rows.map { ($0["probabilities"] as? [String: Double])?["low"] } as? [Double])
        let probe = try DataFrame(columns: [Column(name: "x", data: .numeric(xs))])
        guard case .probabilities(let p) = try trained.predict(probe).prediction else {
            Issue.record("no probabilities")
            return
        }
        // Probabilities are the model's; labels follow P(low) ≥ 0.9, not the larger probability.
        #expect(zip(probabilities, (0..<p.rows).map { p[$0, 1] }).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(rows.map { $0["label"] as? String } == probabilities.map { $0 >= 0.9 ? "low" : "high" })
        #expect(
            probabilities.contains { $0 > 0.5 && $0 < 0.9 }, "a row the threshold decides differently: \(probabilities)"
        )
    }

    /// A bundle whose model has conformal sets: each prediction carries its set and the coverage
    /// level, and the OpenAPI document lists both.
    @Test func predictReturnsConformalSets() async throws {
        let base = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let frame = try DataFrame(columns: [
            Column(name: "x", data: .numeric((0..<40).map { Double($0 % 20) })),
            Column(
                name: "label",
                data: .categorical(codes: (0..<40).map { ($0 % 20) < 10 ? 1 : 0 }, levels: ["high", "low"])),
        ])
        let trained = try PipelineModel.train(
            algorithm: Linear.self, parameters: ["C": .double(0.05)], frame: frame, target: "label",
            features: ["x"], context: FitContext(seed: 1))
        guard case .classes(let codes, _) = trained.target.encode(column: frame.columns[1], rows: Array(0..<40)).0
        else { return }
        let conformal = try ConformalPredictor.fit(
            alpha: 0.1, truth: .classes(codes, classCount: 2), prediction: try trained.predict(frame).prediction)
        let pipeline = trained.withConformal(conformal)
        try writeSampleBundle(pipeline, frame: frame, name: "conformal", to: base + "/b")
        let server = try await startServer(base + "/b")
        let answer = try await HTTP.post(
            "/v1/predict", port: server.port, body: "{\"rows\": [{\"x\": 1}, {\"x\": 9.5}]}")
        let openAPI = try await HTTP.get("/v1/openapi.yaml", port: server.port)
        await server.shutdown()
        #expect(answer.status == 200, "\(answer.body)")
        let rows = try #require(answer.json["predictions"] as? [[String: Any]])
        let probe = try DataFrame(columns: [Column(name: "x", data: .numeric([1, 9.5]))])
        guard case .probabilities(let p) = try pipeline.predict(probe).prediction else { return }
        for (r, row) in rows.enumerated() {
            #expect(row["set"] as? [String] == conformal.set(p.row(r)).map { pipeline.target.classes[$0] })
            #expect(row["coverage"] as? Double == 0.9)
        }
        #expect(
            openAPI.body.contains("required: [id, label, probabilities, set, coverage, warnings]"), "\(openAPI.body)")
    }
}
