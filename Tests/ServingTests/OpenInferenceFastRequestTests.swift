import Bundles
import Foundation
import Learning
import Testing
import TestSupport
@testable import Serving

/// The infer request's fast path: it takes what the official clients send, and whatever it
/// accepts, the full decoding accepts with the same request (anything else falls through to it).
@Suite("Open Inference Protocol: the infer fast path")
struct OpenInferenceFastRequestTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let model: Result<OpenInferenceModel, any Error> = Result {
        let bundle = try BundleReader.open(try exportPenguins(to: folder))
        return OpenInferenceModel(
            name: "m", modelID: bundle.manifest.modelID, pipeline: bundle.pipeline, maximumRows: 8)
    }

    static let numbers = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
    static let texts = ["island", "sex"]

    /// A request for `n` rows as tritonclient writes it (name, shape, datatype, data; FP64 and BYTES).
    static func plain(rows n: Int, extra: String = "") -> String {
        let tensors =
            texts.map {
                #"{"name": "\#($0)", "shape": [\#(n), 1], "datatype": "BYTES", "data": [\#(Array(repeating: "\"Biscoe\"", count: n).joined(separator: ", "))]}"#
            }
            + numbers.map {
                #"{"name": "\#($0)", "shape": [\#(n), 1], "datatype": "FP64", "data": [\#((0..<n).map { "\(40.5 + Double($0))" }.joined(separator: ", "))]}"#
            }
        return #"{\#(extra)"inputs": [\#(tensors.joined(separator: ", "))]}"#
    }

    /// Whatever the fast path accepts, the full path accepts with the same request.
    private func agree(_ model: OpenInferenceModel, _ body: String) {
        let data = Data(body.utf8)
        guard let fast = model.fastRequest(data) else { return }
        #expect((try? model.fullRequest(data)) == fast, "\(body)")
    }

    @Test func theClientsRequestsTakeTheFastPath() throws {
        let model = try Self.model.get()
        for n in [1, 3, 8] {
            let body = Self.plain(rows: n)
            let request = try #require(model.fastRequest(Data(body.utf8)), "\(body)")
            #expect(request.rows.count == n)
            #expect(request.outputs == model.outputs)
            agree(model, body)
        }
        let named = Self.plain(rows: 2, extra: #""id": "r-1", "outputs": [{"name": "label"}], "#)
        let request = try #require(model.fastRequest(Data(named.utf8)))
        #expect(request.id == "r-1")
        #expect(request.outputs.map(\.name) == ["label"])
        agree(model, named)
        // Missing values: NaN and null for numbers, "" and null for text; integer types; [N] shapes.
        let missing = Self.plain(rows: 1).replacingOccurrences(of: "[40.5]", with: "[NaN]")
            .replacingOccurrences(of: #"["Biscoe"]"#, with: #"[""]"#)
            .replacingOccurrences(
                of: #""shape": [1, 1], "datatype": "FP64", "data": [NaN]}]"#,
                with: #""shape": [1], "datatype": "INT64", "data": [null]}]"#)
        let row = try #require(model.fastRequest(Data(missing.utf8))?.rows.first)
        #expect(row.allSatisfy { $0 == .null })
        agree(model, missing)
    }

    @Test(arguments: [
        #""parameters": {"binary_data_output": false}, "#,  // parameters: the full path checks them
        #""id": 7, "#,  // not a string
        #""id": "a\u0062", "#,  // an escape
        #""outputs": [], "#,  // empty: the full path answers every output
        #""outputs": [{"name": "label", "parameters": {"binary_data": false}}], "#,
        #""outputs": [{"name": "nope"}], "#,
        #""outputs": [{"name": "label"}, {"name": "label"}], "#,
        #""inputs": [], "#,  // a repeated key
        #""other": 1, "#,
    ])
    func unusualRequestsFallThrough(extra: String) throws {
        let model = try Self.model.get()
        let body = Self.plain(rows: 2, extra: extra)
        #expect(model.fastRequest(Data(body.utf8)) == nil, "\(body)")
    }

    @Test(arguments: [
        (#""shape": [2, 1], "datatype": "BYTES""#, #""shape": [3, 1], "datatype": "BYTES""#),  // rows disagree
        (#""shape": [2, 1], "datatype": "BYTES""#, #""shape": [2, 2], "datatype": "BYTES""#),
        (#""shape": [2, 1], "datatype": "BYTES""#, #""shape": [2, 1], "datatype": "FP64""#),  // wrong type
        (#""shape": [2, 1], "datatype": "FP64""#, #""shape": [2, 1], "datatype": "BYTES""#),
        (#""shape": [2, 1], "datatype": "FP64""#, #""shape": [2, 1], "datatype": "INT32""#),  // 40.5 is no integer
        (#""shape": [2, 1], "datatype": "FP64""#, #""shape": [2, 1], "datatype": "FP64", "parameters": {}"#),
        (#""shape": [2, 1], "datatype": "FP64""#, #""shape": [9, 1], "datatype": "FP64""#),  // over the limit
        (#""name": "island""#, #""name": "islands""#),  // unknown input
        (#""name": "island""#, #""name": "sex""#),  // sent twice, island missing
        (#"[40.5, 41.5]"#, #"[[40.5], [41.5]]"#),  // nested data
        (#"[40.5, 41.5]"#, #"[40.5, 1e999]"#),  // not finite
        (#"[40.5, 41.5]"#, #"[40.5, true]"#),
        (#"[40.5, 41.5]"#, #"[40.5, 41.5,]"#),
        (#"[40.5, 41.5]"#, #"[40.5]"#),  // fewer values than the shape holds
        (#"[40.5, 41.5]"#, #"[40.5, 41.5, 42.5]"#),
    ])
    func malformedTensorsFallThrough(from: String, to: String) throws {
        let model = try Self.model.get()
        let body = Self.plain(rows: 2)
        let changed = try #require(body.range(of: from).map { body.replacingCharacters(in: $0, with: to) })
        #expect(model.fastRequest(Data(changed.utf8)) == nil, "\(changed)")
    }

    /// Random edits of valid requests (bytes dropped, repeated or replaced by JSON punctuation):
    /// the fast path never accepts what the full path refuses or reads differently, and never traps.
    @Test func randomEditsAgreeWithTheFullPath() throws {
        let model = try Self.model.get()
        var generator = SeededRandom(seed: 27)
        let pieces = Array(#"{}[]",:0123456789-.eENaul "#.utf8)
        var accepted = 0
        for n in [1, 2, 3] {
            let body = Array(Self.plain(rows: n, extra: #""id": "x", "#).utf8)
            for _ in 0..<3_000 {
                var edited = body
                for _ in 0..<(1 + Int(generator.next() % 3)) {
                    let at = Int(generator.next() % UInt64(edited.count))
                    switch generator.next() % 3 {
                    case 0: edited.remove(at: at)
                    case 1: edited.insert(edited[at], at: at)
                    default: edited[at] = pieces[Int(generator.next() % UInt64(pieces.count))]
                    }
                }
                let data = Data(edited)
                guard let fast = model.fastRequest(data) else { continue }
                accepted += 1
                #expect((try? model.fullRequest(data)) == fast, "\(String(decoding: edited, as: UTF8.self))")
            }
        }
        // Some edits keep the request valid (a digit for a digit, a space for a space).
        #expect(accepted > 0)
    }
}

/// The infer route read without splitting the path agrees with the segment-by-segment parse.
@Suite("Open Inference Protocol: the infer route's fast path")
struct OpenInferenceRouteFastPathTests {
    @Test func plainInferPathsTakeTheFastPath() {
        #expect(OpenInferenceRoute.plainInfer("/v2/models/linear/infer") == .infer(model: "linear", version: nil))
        #expect(OpenInferenceRoute.plainInfer("/v2/models/versions/infer") == .infer(model: "versions", version: nil))
        for path in [
            "/v2/models//infer", "/v2/models/infer", "/v2/models/a%2Fb/infer", "/v2/models/m/versions/1/infer",
            "/v2/models/m/ready", "/v2/models/m/inferx", "/v1/models/m/infer", "/v2/models/m/infer/",
        ] {
            #expect(OpenInferenceRoute.plainInfer(path) == nil, "\(path)")
        }
    }

    /// Random paths from the pieces routes are made of: wherever the fast path answers, the
    /// segment parse gives the same route, and `init(path:)` always gives the segment parse's.
    @Test func agreesWithTheSegmentParseOnRandomPaths() {
        let pieces = [
            "/", "v2", "models", "infer", "ready", "versions", "1", "m", "%2F", "%41", "", "health", "live", "é", "a b",
        ]
        var generator = SeededGenerator(seed: 27)
        var fast = 0
        for _ in 0..<20_000 {
            let count = Int.random(in: 1...8, using: &generator)
            var path = ["/v2/models/", "/v2/", "/v2", "/"].randomElement(using: &generator) ?? "/"
            for _ in 0..<count { path += pieces.randomElement(using: &generator) ?? "" }
            if Bool.random(using: &generator) { path += "/infer" }
            let segments = OpenInferenceRoute.parsedBySegments(path)
            if let plain = OpenInferenceRoute.plainInfer(path) {
                fast += 1
                #expect(plain == segments, "\(path)")
            }
            #expect(OpenInferenceRoute(path: path) == segments, "\(path)")
        }
        #expect(fast > 500)
    }
}
