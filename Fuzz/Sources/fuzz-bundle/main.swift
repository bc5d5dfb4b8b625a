import Bundles
import Foundation
import Learning
import Tabular

/// Bundle reading on arbitrary bytes. The first byte picks what the rest is:
/// - even: a bundle `.zip` archive (unpacked with a 4 MiB limit, so zip bombs show as errors);
/// - odd: a `manifest.json` placed in a folder that holds a real bundle's other files, so the
///   fuzzer explores the manifest checks past the checksums.
/// Every input must be refused with a `BundleError` or open; nothing may land outside the
/// unpack folder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundle(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let rest = Data(input[1...])
    if input[0] & 1 == 0 {
        let path = Workspace.shared.root + "/fuzz.zip"
        guard (try? rest.write(to: URL(fileURLWithPath: path))) != nil else {
            preconditionFailure("cannot write \(path)")
        }
        do { _ = try BundleReader.open(path, unpackLimit: 4 << 20) } catch is BundleError {} catch {
            preconditionFailure("not a BundleError: \(error)")
        }
    } else {
        let folder = Workspace.shared.bundle
        guard (try? rest.write(to: URL(fileURLWithPath: folder + "/manifest.json"))) != nil else {
            preconditionFailure("cannot write the manifest")
        }
        do { _ = try BundleReader.open(folder) } catch is BundleError {} catch {
            preconditionFailure("not a BundleError: \(error)")
        }
    }
    let stray = (try? FileManager.default.contentsOfDirectory(atPath: Workspace.shared.root)) ?? []
    precondition(Set(stray).isSubset(of: ["fuzz.zip", "bundle"]), "files outside the bundle: \(stray)")
    return 0
}

/// A private folder with a real bundle in it, made once per process.
final class Workspace: Sendable {
    static let shared = Workspace()
    let root: String
    let bundle: String

    private init() {
        root = NSTemporaryDirectory() + "workbench-fuzz-\(getpid())"
        bundle = root + "/bundle"
        try? FileManager.default.removeItem(atPath: root)
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let frame = try DataFrame(columns: [
                Column(name: "x", data: .numeric([1, 2, 3, 4, 5, 6, .nan, 8])),
                Column(name: "color", data: .categorical(codes: [0, 1, 0, 1, -1, 1, 0, 1], levels: ["red", "blue"])),
                Column(name: "label", data: .categorical(codes: [0, 0, 0, 1, 1, 1, 0, 1], levels: ["no", "yes"])),
            ])
            let pipeline = try PipelineModel.train(
                algorithm: Linear.self, parameters: [:], frame: frame, target: "label",
                features: ["x", "color"], context: FitContext(seed: 1))
            let contents = BundleContents(
                producer: "workbench fuzz", name: "fuzz", pipeline: pipeline,
                trainingData: .init(name: "sample", fingerprint: "sha256:00", rows: frame.rowCount, columns: 2),
                metrics: [:], validationVerdict: nil, card: "# card\n", reference: Data("{}".utf8), onnx: nil,
                onnxInfo: .init(present: false, reason: "fuzz", float32Notes: []), sampleFrame: frame,
                sensitiveColumns: [])
            _ = try BundleWriter.write(contents, to: bundle, overwrite: true)
        } catch {
            preconditionFailure("cannot prepare the fuzz bundle: \(error)")
        }
    }
}
