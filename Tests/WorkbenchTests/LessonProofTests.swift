import Bundles
import Foundation
import Learning
import Testing
import TestSupport
@testable import Workbench

/// `tutorial make` proves the lesson it writes: played end to end, every expected number found
/// again, every shell line run; on a failure nothing is written and the error names the step.
@Suite("Generated lessons are proven")
struct LessonProofTests {
    /// One bundle per family of the algorithm registry, classifiers and regressors.
    static let bundles: [(algorithm: String, data: String, target: String)] = [
        ("baseline", "penguins", "species"), ("linear", "diabetes", "progression"), ("knn", "penguins", "species"),
        ("bayes", "penguins", "species"), ("mlp", "penguins", "species"), ("tree", "diabetes", "progression"),
        ("forest", "penguins", "species"), ("boost", "diabetes", "progression"),
    ]

    @Test func everyFamilyIsCovered() {
        #expect(Set(Self.bundles.map(\.algorithm)) == Set(AlgorithmRegistry.names))
    }

    @Test(arguments: bundles.map { "\($0.algorithm) \($0.data) \($0.target)" })
    func aLessonForEachFamilyIsProvenAndItsShellLineRuns(_ spec: String) throws {
        let parts = spec.split(separator: " ").map(String.init)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession(in: folder)
        run(
            session, "load \"examples/\(parts[1]).csv\"", "m = train \(parts[0]) on \(parts[1]) target=\(parts[2])",
            "export m to \"bundles/model\"")
        let make = try #require(run(session, "tutorial make \"bundles/model\" to \"tutorials/10-model.md\""))
        #expect(make.succeeded, "\(make.output.plainText)")
        let text = try String(contentsOfFile: folder + "/tutorials/10-model.md", encoding: .utf8)
        // The shell line it teaches runs with the real binary.
        let line = try #require(text.split(separator: "\n").first { $0.contains("`workbench predict") })
        let command = try #require(line.split(separator: "`").first { $0.hasPrefix("workbench predict") })
        try FileManager.default.copyItem(
            atPath: exampleData + (parts[1] == "penguins" ? "/penguins_fresh.csv" : "/diabetes.csv"),
            toPath: folder + "/rows.csv")
        let binary = BuiltProducts.workbench
        let process = try Subprocess(
            "/bin/sh", ["-c", String(command)], in: folder,
            environment: [
                "PATH": (binary as NSString).deletingLastPathComponent + ":/usr/bin:/bin",
                "WORKBENCH_HOME": folder + "/home",
            ])
        #expect(process.wait(timeout: 120) == 0, "\(command): \(process.errorOutput)")
    }

    @Test func theServeAndCurlLinesOfAGeneratedLessonWorkWithTheRealBinary() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (generated, _, bundle) = try Self.generated(in: folder)
        let binary = BuiltProducts.workbench
        let environment = [
            "PATH": (binary as NSString).deletingLastPathComponent + ":/usr/bin:/bin",
            "WORKBENCH_HOME": folder + "/home",
        ]
        // The lines as the lesson shows them; only the port is a free one instead of 8080.
        #expect(generated.text.contains(generated.serveLine) && generated.text.contains(generated.curlLine))
        let server = try Subprocess(
            "/bin/sh", ["-c", "exec " + generated.serveLine.replacingOccurrences(of: "--port 8080", with: "--port 0")],
            in: folder, environment: environment)
        defer { server.send(SIGKILL) }
        let bound = try #require(server.waitForLoopbackPort(), "no address in: \(server.output) \(server.errorOutput)")
        let curl = try Subprocess(
            "/bin/sh",
            ["-c", generated.curlLine.replacingOccurrences(of: "localhost:8080", with: "127.0.0.1:\(bound)")],
            in: folder, environment: environment)
        #expect(curl.wait(timeout: 60) == 0, "\(curl.errorOutput)")
        #expect(curl.output.contains(bundle.manifest.modelID), "\(curl.output)")
        server.send(SIGTERM)
        _ = server.wait(timeout: 20)
    }

    /// A model with a decision threshold and conformal sets gets a step on each, with a question
    /// whose answer follows the threshold (issue 26), and the lesson is still proven.
    @Test(arguments: ["0.2", "0.8"])
    func aLessonTeachesTheModelsThresholdAndItsConformalPromise(threshold: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession(in: folder)
        run(
            session, "load \"examples/breast_cancer_train.csv\" as bc",
            "tr, cal = split bc test=0.3 stratify=diagnosis seed=2",
            "m = train linear on tr target=diagnosis", "threshold m on cal at=\(threshold)",
            "conformal m on cal alpha=0.1", "export m to \"bundles/t\"")
        let make = try #require(run(session, "tutorial make \"bundles/t\" to \"tutorials/11-t.md\""))
        #expect(make.succeeded, "\(make.output.plainText)")
        let text = try String(contentsOfFile: folder + "/tutorials/11-t.md", encoding: .utf8)
        let lesson = try LessonParser.parse(text, path: "t.md", name: "t")
        #expect(text.contains("It answers malignant whenever\nP(malignant) is at least \(threshold)00"), "\(text)")
        // A probability between the threshold and 0.5: malignant below 0.5, benign above it.
        let decide = try #require(lesson.steps.first { $0.id == "decide-row" })
        #expect(decide.answer == .choice(threshold == "0.2" ? "a" : "b"))
        #expect(decide.text.joined(separator: " ").contains(threshold == "0.2" ? "0.350" : "0.650"))
        let promise = try #require(lesson.steps.first { $0.id == "promise-check" })
        #expect(promise.answer == .choice("b"))
        #expect(text.contains("set of labels (shown as set (90.0%))"))
    }

    @Test func aRegressionLessonTeachesItsInterval() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession(in: folder)
        run(
            session, "load \"examples/diabetes.csv\"", "tr, cal = split diabetes test=0.3 seed=2",
            "m = train linear on tr target=progression",
            "conformal m on cal alpha=0.2", "export m to \"bundles/r\"")
        let make = try #require(run(session, "tutorial make \"bundles/r\" to \"tutorials/12-r.md\""))
        #expect(make.succeeded, "\(make.output.plainText)")
        let text = try String(contentsOfFile: folder + "/tutorials/12-r.md", encoding: .utf8)
        #expect(text.contains("an interval (shown as interval (80.0%))"))
        #expect(!text.contains("## decide:"))
        #expect(text.contains("## promise-check:"))
    }

    /// The generated lesson, its parsed form and its bundle for a linear penguin classifier.
    static func generated(in folder: String) throws -> (LessonMaker.Generated, Lesson, LoadedBundle) {
        let session = makeSession(in: folder)
        run(
            session, "load \"examples/penguins.csv\"", "m = train linear on penguins target=species",
            "export m to \"bundles/p\"")
        let bundle = try BundleReader.open(folder + "/bundles/p")
        let generated = try LessonMaker.lesson(for: bundle, bundlePath: "bundles/p")
        return (generated, try LessonParser.parse(generated.text, path: "t.md", name: "t"), bundle)
    }

    @Test func aWrongExpectedNumberFailsAtItsStep() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var (generated, lesson, bundle) = try Self.generated(in: folder)
        try LessonProof.prove(generated, lesson: lesson, bundle: bundle, workingDirectory: folder)
        generated.numbers[0].value += 0.25
        let failure = try #require(throws: LessonProof.Failure.self) {
            try LessonProof.prove(generated, lesson: lesson, bundle: bundle, workingDirectory: folder)
        }
        #expect(failure.step == "how-sure", "\(failure)")
    }

    @Test func aShellLineThatCannotRunFailsAtTheCallStep() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var (generated, lesson, bundle) = try Self.generated(in: folder)
        // The line of issue 24: without --input, workbench predict exits 64.
        generated.predictLine = "workbench predict \"bundles/p\" rows.csv"
        let failure = try #require(throws: LessonProof.Failure.self) {
            try LessonProof.prove(generated, lesson: lesson, bundle: bundle, workingDirectory: folder)
        }
        #expect(failure.step == "call")
        #expect(failure.description.contains("workbench predict \"bundles/p\" rows.csv"))
    }

    @Test func aLessonWhoseCommandFailsIsNotWritten() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (generated, _, bundle) = try Self.generated(in: folder)
        let broken = generated.text.replacingOccurrences(
            of: "m = import \"bundles/p\"\n```", with: "m = import \"bundles/q\"\n```")
        let lesson = try LessonParser.parse(broken, path: "t.md", name: "t")
        let failure = try #require(throws: LessonProof.Failure.self) {
            try LessonProof.prove(generated, lesson: lesson, bundle: bundle, workingDirectory: folder)
        }
        #expect(failure.step == "open", "\(failure)")
    }

    @Test(arguments: [
        (
            #"workbench predict "my bundles/p" --input rows.csv"#,
            ["workbench", "predict", "my bundles/p", "--input", "rows.csv"]
        ),
        (#"curl -d '{"a":"it'\''s"}'"#, ["curl", "-d", #"{"a":"it's"}"#]),
    ])
    func shellWords(line: String, words: [String]) {
        #expect(LessonProof.shellWords(line) == words)
    }
}
