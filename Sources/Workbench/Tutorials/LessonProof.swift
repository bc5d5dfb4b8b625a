import Bundles
import Foundation
import Serving
import Tabular
import Learning

/// Proves a lesson `tutorial make` wrote before it is saved: plays it end to end in a scratch
/// session (every REPL command it teaches must succeed), recomputes every expected number from
/// what that session printed and bound, and runs the shell lines it shows through the code the
/// `workbench` commands run (`workbench predict` on a file of the lesson's row, the request
/// `curl` sends to `workbench serve`). The first failure names its step.
enum LessonProof {
    /// Why a generated lesson is not written.
    struct Failure: Error, CustomStringConvertible {
        var step: String
        var problem: String
        var description: String { "[\(step)]: \(problem)" }
    }

    static func prove(
        _ generated: LessonMaker.Generated, lesson: Lesson, bundle: LoadedBundle, workingDirectory: String
    ) throws(Failure) {
        let scratch = NSTemporaryDirectory() + "workbench-lesson-proof-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)

        // 1. The REPL commands: played as a learner who knows the answers would.
        let session = Session(
            environment: SessionEnvironment(workingDirectory: workingDirectory, home: scratch + "/home"))
        let report = LessonPlayer.play(lesson, in: session)
        if let problem = report.problems.first {
            let step = problem.hasPrefix("[") ? String(problem.dropFirst().prefix { $0 != "]" }) : "play"
            throw Failure(
                step: step,
                problem: problem.split(separator: "]", maxSplits: 1).last.map {
                    $0.trimmingCharacters(in: CharacterSet(charactersIn: ": "))
                } ?? problem)
        }
        guard report.succeeded else {
            throw Failure(step: "play", problem: "only \(report.stepsPassed) of \(report.stepCount) steps passed")
        }

        // 2. Every expected number, found again in what the session printed or bound.
        let printed = session.cells.last { $0.command.hasPrefix("predict ") }?.output.plainText ?? ""
        let model: TrainedModel? = if case .model(let m)? = session.lookup("m") { m } else { nil }
        for number in generated.numbers {
            let found: [Double] =
                switch number.source {
                case .printedByPredict: numbers(in: printed)
                case .classCount: model.map { [Double($0.pipeline.target.classes.count)] } ?? []
                case .featureCount: model.map { [Double($0.pipeline.inputs.count)] } ?? []
                }
            let allowed: Double =
                switch number.tolerance {
                case .absolute(let t): t
                case .relative(let r): r * abs(number.value)
                }
            guard found.contains(where: { abs($0 - number.value) <= allowed + 1e-9 }) else {
                throw Failure(
                    step: number.step,
                    problem:
                        "the expected number \(formatNumber(number.value)) is not what the session shows (\(found.prefix(8).map(formatNumber).joined(separator: ", ")))"
                )
            }
        }

        // 3. The shell lines.
        try runPredictLine(generated, bundle: bundle, in: scratch)
        try sendRequest(generated, bundle: bundle)
    }

    /// `workbench predict "BUNDLE" --input rows.csv --output scored.csv` on a file holding the lesson's row.
    private static func runPredictLine(_ generated: LessonMaker.Generated, bundle: LoadedBundle, in folder: String)
        throws(Failure)
    {
        let fail = { (problem: String) in
            Failure(step: "call", problem: "the shell line '\(generated.predictLine)' \(problem)")
        }
        let words = shellWords(generated.predictLine)
        guard words.count >= 3, words[0] == "workbench", words[1] == "predict" else {
            throw fail("is not a workbench predict command")
        }
        var options: [String: String] = [:]
        var rest = words.dropFirst(3)
        while let flag = rest.first {
            guard ["--input", "--output"].contains(flag), rest.count >= 2 else {
                throw fail("has an option workbench predict does not take here: \(flag)")
            }
            options[flag] = rest.dropFirst().first
            rest = rest.dropFirst(2)
        }
        guard let input = options["--input"], let output = options["--output"] else {
            throw fail("needs --input and --output")
        }
        do {
            let frame = try JSONScalar.frame(rows: [generated.row], features: bundle.pipeline.inputs)
            try CSVWriter.write(frame, to: folder + "/" + input)
            let job = BatchPrediction(bundle: bundle) { _ in }
            let result = try job.run(
                input: .parse(folder + "/" + input, format: .csv), output: .parse(folder + "/" + output), format: .csv)
            guard result.rowsScored == 1, result.rowsFailed == 0 else {
                throw fail("scored \(result.rowsScored) of 1 row")
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw fail("fails: \(error)")
        }
    }

    /// The request the lesson's `curl` line sends to `workbench serve`, answered by the same service.
    private static func sendRequest(_ generated: LessonMaker.Generated, bundle: LoadedBundle) throws(Failure) {
        let fail = { (problem: String) in
            Failure(step: "call", problem: "the request of '\(generated.curlLine)' \(problem)")
        }
        let serve = shellWords(generated.serveLine)
        guard serve.count == 5, serve[0] == "workbench", serve[1] == "serve", serve[3] == "--port", Int(serve[4]) != nil
        else {
            throw Failure(
                step: "call", problem: "the shell line '\(generated.serveLine)' is not workbench serve BUNDLE --port N")
        }
        let curl = shellWords(generated.curlLine)
        guard let d = curl.firstIndex(of: "-d"), d + 1 < curl.count else { throw fail("sends no body") }
        let service: ModelService
        do {
            service = try ModelService(
                bundle: bundle, token: nil, maximumBodyBytes: 1 << 20, logPath: nil, redact: [], alertCommand: nil,
                monitorOptions: MonitorOptions())
        } catch {
            throw fail("cannot be answered: \(error)")
        }
        defer { service.close() }
        let response = service.handle(
            method: "POST", path: "/v1/predict", authorization: nil, contentType: "application/json",
            body: .bytes(Data(curl[d + 1].utf8)))
        guard response.status == 200 else { throw fail("is answered \(response.status): \(response.body.prefix(200))") }
        guard response.body.contains(bundle.manifest.modelID) else {
            throw fail("is answered without the model id \(bundle.manifest.modelID)")
        }
    }

    /// The numbers in a text, as printed (`0.917`, `-3`, `1.5e3`).
    static func numbers(in text: String) -> [Double] {
        var found: [Double] = []
        var current = ""
        func flush() {
            if let x = Double(current.trimmingCharacters(in: CharacterSet(charactersIn: ".eE+-"))) { found.append(x) }
            current = ""
        }
        for c in text {
            if c.isNumber || c == "." || (c == "-" && current.isEmpty) || ((c == "e" || c == "E") && !current.isEmpty) {
                current.append(c)
            } else {
                flush()
            }
        }
        flush()
        return found
    }

    /// A shell line split into words as `sh` would: double quotes with backslash escapes, single
    /// quotes verbatim (`'\''` is a quote inside single quotes).
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(line)[...]
        while let c = iterator.popFirst() {
            switch c {
            case "'":
                inWord = true
                while let q = iterator.popFirst(), q != "'" { current.append(q) }
            case "\"":
                inWord = true
                while let q = iterator.popFirst(), q != "\"" {
                    if q == "\\", let next = iterator.popFirst() { current.append(next) } else { current.append(q) }
                }
            case "\\":
                inWord = true
                if let next = iterator.popFirst() { current.append(next) }
            case _ where c.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                inWord = true
                current.append(c)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
