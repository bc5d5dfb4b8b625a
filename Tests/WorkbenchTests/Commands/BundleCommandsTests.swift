import Foundation
import Testing
import TestSupport
@testable import Workbench

/// `export … format=triton` and `format=kserve` (Commands/BundleCommands+Layouts.swift): the files
/// each writes, the graph they carry (the bundle's own model.onnx), and the rules every export
/// follows (no overwrite without overwrite=yes, writes into the replay sandbox). The layouts are
/// also parsed by Triton's and KServe's own schemas in `ServingLayouts/run.sh` (CI).
@Suite("export format=triton and format=kserve", .serialized)
struct BundleCommandsTests {
    /// A session in a fresh folder with `m = train ALGORITHM` on the penguins.
    private func session(_ algorithm: String = "linear") throws -> (Session, String) {
        let folder = try temporaryFolder()
        let session = makeSession(in: folder)
        for line in [
            "load \"\(exampleData)/penguins_train.csv\" as penguins",
            "m = train \(algorithm) on penguins target=species",
        ] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        return (session, folder)
    }

    private func run(_ session: Session, _ line: String) throws -> Cell {
        try #require(session.execute(line))
    }

    /// The regular files under `root`, relative and sorted.
    private func paths(under root: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: root).sorted().filter { path in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isFolder)
                && !isFolder.boolValue
        }
    }

    private func text(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// onnx_precision=float: float32 numeric inputs, said and measured, in the bundle and in Triton's config.
    @Test func floatPrecisionTakesFloat32NumbersAndSaysWhatItCosts() throws {
        let (session, folder) = try session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bundle = try run(session, "export m to \"b32\" onnx_precision=float")
        #expect(bundle.succeeded, "\(bundle.output.plainText)")
        let said = bundle.output.plainText
        #expect(
            said.contains(
                "model.onnx takes numbers as float32 (onnx_precision=float): on 275 training rows its outputs move at most "
            ), "\(said)")
        let manifest =
            try JSONSerialization.jsonObject(
                with: try #require(FileManager.default.contents(atPath: folder + "/b32/manifest.json")))
            as? [String: Any]
        let onnx = try #require(manifest?["onnx"] as? [String: Any])
        #expect(onnx["precision"] as? String == "float")
        let difference = try #require(onnx["float32Difference"] as? Double)
        // Rounding a measurement to float32 moves it by about 1e-7 of itself: small, but not nothing.
        #expect(difference > 0 && difference < 1e-4, "\(difference)")
        #expect(onnx["float32DifferenceRows"] as? Int == 275)
        // The default stays double, and says nothing of float32 inputs.
        let double = try run(session, "export m to \"b64\"")
        #expect(!double.output.plainText.contains("onnx_precision=float"))
        let plain =
            try JSONSerialization.jsonObject(
                with: try #require(FileManager.default.contents(atPath: folder + "/b64/manifest.json")))
            as? [String: Any]
        #expect((plain?["onnx"] as? [String: Any])?["precision"] == nil)
        #expect(
            FileManager.default.contents(atPath: folder + "/b32/model.onnx")
                != FileManager.default.contents(atPath: folder + "/b64/model.onnx"))
        let triton = try run(session, "export m to \"repo32\" format=triton onnx_precision=float")
        #expect(triton.succeeded)
        let config = try text(folder + "/repo32/m/config.pbtxt")
        #expect(config.contains("    name: \"bill_length_mm\"\n    data_type: TYPE_FP32\n"))
        #expect(config.contains("    name: \"island\"\n    data_type: TYPE_STRING\n"))
        #expect(config.contains("    name: \"probabilities\"\n    data_type: TYPE_FP64\n"), "outputs stay double")
        #expect(!(try run(session, "export m to \"bad\" onnx_precision=half")).succeeded)
    }

    @Test func tritonRepositoryHoldsTheBundlesGraphAndItsConfig() throws {
        let (session, folder) = try session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let triton = try run(session, "export m to \"repo\" format=triton")
        #expect(triton.succeeded, "\(triton.output.plainText)")
        #expect(
            triton.output.plainText.contains(
                "as a Triton model repository: m/config.pbtxt (7 inputs, max_batch_size 10000) and m/1/model.onnx"))
        #expect(try run(session, "export m to \"bundle\"").succeeded)
        #expect(try paths(under: folder + "/repo") == ["m/1/model.onnx", "m/config.pbtxt"])
        // The same graph as the bundle's, byte for byte.
        #expect(
            FileManager.default.contents(atPath: folder + "/repo/m/1/model.onnx")
                == FileManager.default.contents(atPath: folder + "/bundle/model.onnx"))
        let config = try text(folder + "/repo/m/config.pbtxt")
        #expect(config.contains("name: \"m\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 10000\n"))
        for (input, type) in [
            ("island", "TYPE_STRING"), ("bill_length_mm", "TYPE_FP64"), ("sex", "TYPE_STRING"), ("year", "TYPE_FP64"),
        ] {
            #expect(config.contains("    name: \"\(input)\"\n    data_type: \(type)\n    dims: [ 1 ]\n"), "\(input)")
        }
        #expect(
            config.contains(
                "    name: \"label\"\n    data_type: TYPE_STRING\n    dims: [ 1 ]\n    reshape: { shape: [ ] }\n"))
        #expect(config.contains("    name: \"probabilities\"\n    data_type: TYPE_FP64\n    dims: [ 3 ]\n"))
        let manifest = try text(folder + "/bundle/manifest.json")
        let modelID = try #require(
            triton.output.plainText.components(separatedBy: "model id ").dropFirst().first?.prefix(18))
        #expect(manifest.contains(modelID) && config.contains("string_value: \"\(modelID)\""))
    }

    @Test func kserveManifestsBesideTheRepositoryAndTheBundle() throws {
        let (session, folder) = try session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let kserve = try run(session, "export m to \"deploy\" format=kserve sign=\"nokey.pem\"")
        // sign= applies to the bundle inside, so a missing key fails the export, as for a bundle.
        #expect(!kserve.succeeded)
        #expect(!FileManager.default.fileExists(atPath: folder + "/deploy"))
        let cell = try run(session, "export m to \"deploy\" format=kserve")
        #expect(cell.succeeded, "\(cell.output.plainText)")
        let files = try paths(under: folder + "/deploy")
        #expect(files.contains("inferenceservice-onnx.yaml") && files.contains("inferenceservice-workbench.yaml"))
        #expect(
            files.contains("triton/m/config.pbtxt") && files.contains("triton/m/1/model.onnx")
                && files.contains("bundle/manifest.json"))
        let onnx = try text(folder + "/deploy/inferenceservice-onnx.yaml")
        #expect(onnx.contains("kind: InferenceService\nmetadata:\n  name: m-onnx\n"))
        #expect(
            onnx.contains("        name: onnx\n") && onnx.contains("runtime: kserve-tritonserver")
                && onnx.contains("protocolVersion: v2"))
        let workbench = try text(folder + "/deploy/inferenceservice-workbench.yaml")
        #expect(workbench.contains("name: m-workbench") && workbench.contains("- name: kserve-container"))
        #expect(workbench.contains(#"args: ["serve", "/mnt/models", "--host", "0.0.0.0", "--port", "8080"]"#))
        #expect(workbench.contains("path: /v2/health/ready") && workbench.contains("path: /v2/health/live"))
        // The bundle inside is a real one: it imports, checksums and verification rows checked.
        let imported = try run(session, "b = import \"deploy/bundle\"")
        #expect(imported.succeeded, "\(imported.output.plainText)")
        let modelID = try #require(
            cell.output.plainText.components(separatedBy: "model id ").dropFirst().first?.prefix(18))
        #expect(imported.output.plainText.contains("model id \(modelID)"))
        #expect(
            onnx.contains("workbench.model-id: \"\(modelID)\"")
                && workbench.contains("workbench.model-id: \"\(modelID)\""))
    }

    @Test func layoutsAreNotWrittenOverWithoutOverwrite() throws {
        let (session, folder) = try session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for format in ["triton", "kserve"] {
            #expect(try run(session, "export m to \"\(format)\" format=\(format)").succeeded)
            let again = try run(session, "export m to \"\(format)\" format=\(format)")
            #expect(!again.succeeded)
            #expect(
                again.output.plainText.contains("already exists") && again.output.plainText.contains("overwrite=yes"),
                "\(again.output.plainText)")
            let replaced = try run(session, "export m to \"\(format)\" format=\(format) overwrite=yes")
            #expect(replaced.succeeded, "\(replaced.output.plainText)")
        }
        // No staging folder is left beside them.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func aModelWithoutAnONNXGraphHasNoTritonRepository() throws {
        let (session, folder) = try session("knn")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let triton = try run(session, "export m to \"repo\" format=triton")
        #expect(!triton.succeeded)
        #expect(triton.output.plainText.contains("m has no ONNX graph for Triton to run"), "\(triton.output.plainText)")
        #expect(triton.output.plainText.contains("format=kserve"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/repo"))
        // KServe still gets Workbench's own server on the bundle.
        let kserve = try run(session, "export m to \"deploy\" format=kserve")
        #expect(kserve.succeeded, "\(kserve.output.plainText)")
        #expect(kserve.output.plainText.contains("no inferenceservice-onnx.yaml"))
        #expect(
            try paths(under: folder + "/deploy").filter { !$0.hasPrefix("bundle/") } == [
                "inferenceservice-workbench.yaml"
            ])
    }

    @Test func optionsThatOnlyABundleHasAreRefusedForTriton() throws {
        let (session, folder) = try session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let signed = try run(session, "export m to \"repo\" format=triton sign=\"key.pem\"")
        #expect(!signed.succeeded)
        #expect(signed.output.plainText.contains("a Triton model repository has none"))
        let sensitive = try run(session, "export m to \"repo\" format=triton sensitive=[sex]")
        #expect(!sensitive.succeeded)
        #expect(sensitive.output.plainText.contains("keeps every category it one-hot encodes"))
        let unknown = try run(session, "export m to \"repo\" format=onnx")
        #expect(!unknown.succeeded)
        #expect(!FileManager.default.fileExists(atPath: folder + "/repo"))
    }

    /// A replayed export writes its layout into the replay's sandbox, never over the real one.
    @Test func aReplayWritesIntoItsSandbox() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createSymbolicLink(atPath: folder + "/examples", withDestinationPath: exampleData)
        let session = Session(
            environment: SessionEnvironment(workingDirectory: folder, home: folder + "/home", width: 100))
        var transcript = Transcript(workdir: ".")
        for line in [
            "load \"examples/penguins_train.csv\" as penguins", "m = train linear on penguins target=species",
            "export m to \"repo\" format=triton", "export m to \"deploy\" format=kserve",
        ] {
            let cell = try #require(session.execute(line))
            #expect(cell.succeeded, "\(line): \(cell.output.plainText)")
            transcript.entries.append(
                Transcript.Entry(
                    number: cell.number, command: line, output: cell.output.transcriptLines, dataFiles: cell.dataFiles,
                    line: 0))
        }
        let path = folder + "/s.wbt"
        try transcript.text.write(toFile: path, atomically: true, encoding: .utf8)
        let before = try filesUnder(folder)
        let report = Replayer(transcript: try Transcript.read(path: path), transcriptPath: path).run()
        #expect(report.allMatched, "\(report.firstDifference ?? "")")
        #expect(try filesUnder(folder) == before)
    }
}
