import Bundles
import Foundation
import Learning
import Tabular

/// Writes a lesson about one exported model (`tutorial make BUNDLE to "tutorials/NAME.md"`):
/// how to open and call it with a real row of its schema, what its outputs mean, its validation
/// verdict and known limitations from its card, and two questions about its own answers. The
/// expected numbers are computed here from the bundle itself, so the lesson checks what the
/// learner's session will really show; `LessonProof` plays the result before it is written.
enum LessonMaker {
    /// A written lesson and what its proof needs: the row it teaches, the shell lines it tells the
    /// learner to type, and how each expected number can be recomputed.
    struct Generated {
        /// How a question's expected number is found again, independently of how it was written.
        enum Source: Equatable {
            /// A number the `ask` step's predict printed.
            case printedByPredict
            /// How many classes the imported model knows.
            case classCount
            /// How many input columns the imported model reads.
            case featureCount
        }

        /// The expected number of one question.
        struct Number {
            var step: String
            var value: Double
            var tolerance: Tolerance
            var source: Source
        }

        var text: String
        var row: [String: JSONScalar]
        var requestJSON: String
        /// The shell lines the lesson shows, by the step that shows them.
        var serveLine: String
        var curlLine: String
        var predictLine: String
        var numbers: [Number]
    }

    static func lesson(for bundle: LoadedBundle, bundlePath: String) throws -> Generated {
        let manifest = bundle.manifest
        let pipeline = bundle.pipeline
        let row = try exampleRow(bundle)
        let frame = try JSONScalar.frame(rows: [row], features: pipeline.inputs)
        let output = try pipeline.predict(frame)
        let rowLiteral =
            "{"
            + pipeline.inputs.compactMap { feature -> String? in
                guard let value = row[feature.name] else { return nil }
                // A name with spaces or signs is a quoted key, as a value would be.
                return "\(literal(.text(feature.name))): \(literal(value))"
            }.joined(separator: ", ") + "}"
        let requestJSON = String(decoding: (try? JSONEncoder.sorted.encode(row)) ?? Data("{}".utf8), as: UTF8.self)
        let shownPath = bundlePath.replacingOccurrences(of: "\"", with: "\\\"")
        let isClassifier = pipeline.task == .classification
        var numbers: [Generated.Number] = []
        let serveLine = "workbench serve \"\(shownPath)\" --port 8080"
        let curlLine =
            "curl -s -X POST localhost:8080/v1/predict -H 'content-type: application/json' -d '\(requestJSON.replacingOccurrences(of: "'", with: "'\\''"))'"
        let predictLine = "workbench predict \"\(shownPath)\" --input rows.csv --output scored.csv"

        var text: [String] = [
            "# Using the model \(manifest.name)",
            "summary: Call \(manifest.name) (\(manifest.algorithm), predicts \(manifest.target)), read its answers, and know when not to trust them.",
            "minutes: 10",
            "",
            "This lesson was written by `tutorial make` for the bundle \(bundlePath) (model id \(manifest.modelID)).",
            "It teaches this model, not a toy: its inputs, its answers and its limits.",
            "",
            "## open: Open the bundle",
            "kind: do",
            "",
            "A bundle is a checked folder: the workbench verifies every file before it uses the model.",
            "Open it in this session and give it a name.",
            "",
            "```check",
            "model algorithm=\(manifest.algorithm) target=\(manifest.target)",
            "```",
            "",
            "```hints",
            "The command that opens a bundle is import, with the path in double quotes.",
            "For example: m = import \"\(shownPath)\"",
            "```",
            "",
            "```solution",
            "m = import \"\(shownPath)\"",
            "```",
            "",
            "## ask: Ask it about one row",
            "kind: do",
            "",
            "This is a real row from the model's training data, in the shape the model expects:",
            "",
            "```",
            rowLiteral,
            "```",
            "",
            "Ask the model about it with predict.",
            "",
            "```check",
            "predicted rows=1 algorithm=\(manifest.algorithm)",
            "```",
            "",
            "```hints",
            "The command is predict MODEL {column: value, ...}.",
            "Copy the row above after predict and the name you gave the model.",
            "```",
            "",
            "```solution",
            "predict m \(rowLiteral)",
            "```",
            "",
        ]
        if isClassifier, case .probabilities(let p) = output.prediction {
            let classes = pipeline.target.classes
            // The class it answers: the most probable, or by its own decision threshold.
            let best = pipeline.decidedClass((0..<p.columns).map { p[0, $0] })
            let probability = p[0, best]
            numbers += [
                Generated.Number(
                    step: "how-sure", value: Double(formatFixed(probability, decimals: 3)) ?? probability,
                    tolerance: .absolute(0.002), source: .printedByPredict),
                Generated.Number(
                    step: "classes", value: Double(classes.count), tolerance: .absolute(0), source: .classCount),
            ]
            text += [
                "## read: What the answer means",
                "kind: explain",
                "",
                "The model answers with one of \(classes.count) classes of \(manifest.target): \(classes.joined(separator: ", ")).",
                "Beside the label it gives a probability for every class, each between 0 and 1, adding up to 1.",
                "A probability of 0.9 means: among rows like this one in training, the model's scores put this",
                "class far ahead. It is not a guarantee, and it says nothing about rows unlike the training data.",
                "",
                "## how-sure: How sure was it?",
                "kind: question",
                "",
                "For the row you just asked about, what probability did the model give to the class it predicted?",
                "",
                "```answer",
                "number \(formatFixed(probability, decimals: 3)) tolerance=0.002",
                "```",
                "",
                "```hints",
                "Look at the prediction's probability column for \(classes[best]).",
                "```",
                "",
                "## classes: How many answers?",
                "kind: question",
                "",
                "How many different labels can this model ever answer?",
                "",
                "```answer",
                "number \(classes.count) tolerance=0",
                "```",
                "",
                "```hints",
                "Every label it knows is listed in the step 'read'.",
                "```",
                "",
            ]
        } else if case .values(let v) = output.prediction {
            numbers += [
                Generated.Number(
                    step: "value", value: Double(formatFixed(v[0], decimals: 3)) ?? v[0], tolerance: .relative(0.01),
                    source: .printedByPredict),
                Generated.Number(
                    step: "inputs", value: Double(pipeline.inputs.count), tolerance: .absolute(0), source: .featureCount
                ),
            ]
            text += [
                "## read: What the answer means",
                "kind: explain",
                "",
                "The model answers with a number in the units of \(manifest.target). Its typical error is",
                "in the same units (see its card's performance section): an answer of 150 with a typical",
                "error of 40 means 'probably between about 110 and 190', not exactly 150.",
                "",
                "## value: What did it say?",
                "kind: question",
                "",
                "For the row you just asked about, what value of \(manifest.target) did the model predict?",
                "",
                "```answer",
                "number \(formatFixed(v[0], decimals: 3)) tolerance=1%",
                "```",
                "",
                "```hints",
                "Read the predicted column of the answer to predict.",
                "```",
                "",
                "## inputs: What does it need?",
                "kind: question",
                "",
                "How many input columns does this model read from each row?",
                "",
                "```answer",
                "number \(pipeline.inputs.count) tolerance=0",
                "```",
                "",
                "```hints",
                "Count the columns of the row in the step 'ask'.",
                "```",
                "",
            ]
        }
        text += decisionSteps(pipeline)
        text += [
            "## call: Calling it from another program",
            "kind: explain",
            "",
            "Programs call the same model over HTTP. Start a server on this machine from a shell:",
            "",
            "```sh",
            serveLine,
            "```",
            "",
            "and send it the row as JSON:",
            "",
            "```sh",
            curlLine,
            "```",
            "",
            "The answer holds the same prediction, the model id \(manifest.modelID) and a list of warnings for the row.",
            "From a shell without a server, `\(predictLine)` scores a whole CSV file of such rows.",
            "",
            "## trust: When not to trust it",
            "kind: explain",
            "",
        ]
        if let verdict = manifest.validationVerdict {
            text.append("Before export this model was validated on fresh data with the verdict \(verdict).")
        } else {
            text.append(
                "This model was exported without a validation on fresh data: treat its scores as estimates from training."
            )
        }
        text.append("Its card lists these known limitations:")
        text.append("")
        text += knownLimitations(card: bundle.card)
        text += [
            "",
            "A warning above a prediction (a value never seen in training, or outside the training range) means",
            "the model is extrapolating: the answer still comes, but the warning is the part to believe.",
        ]
        return Generated(
            text: text.joined(separator: "\n") + "\n", row: row, requestJSON: requestJSON,
            serveLine: serveLine, curlLine: curlLine, predictLine: predictLine, numbers: numbers)
    }

    /// Steps on the model's decision threshold and its conformal promise, when it has them: what
    /// the label means at that threshold, and what a set or interval does and does not promise.
    static func decisionSteps(_ pipeline: PipelineModel) -> [String] {
        var text: [String] = []
        let classes = pipeline.target.classes
        if let threshold = pipeline.decisionThreshold, classes.count == 2 {
            let t = formatFixed(threshold, decimals: 3)
            let (negative, positive) = (classes[0], classes[1])
            // A probability between the threshold and one half, where the two rules disagree.
            let between = formatFixed((threshold + 0.5) / 2, decimals: 3)
            let answer = threshold < 0.5 ? "a" : "b"
            text += [
                "## decide: Its decision threshold",
                "kind: explain",
                "",
                "This model does not simply answer the more probable class. It answers \(positive) whenever",
                "P(\(positive)) is at least \(t), and \(negative) otherwise. The threshold was chosen from what each",
                "kind of mistake costs (its card says how); the probabilities themselves are unchanged.",
                "",
                "## decide-row: Reading a label at the threshold",
                "kind: question",
                "",
                "A row gets P(\(positive)) = \(between). Which label does this model answer?",
                "",
                "```choices",
                "a) \(positive)",
                "b) \(negative)",
                "c) no label: the model is unsure",
                "```",
                "",
                "```answer",
                "choice \(answer)",
                "```",
                "",
                "```hints",
                "Compare \(between) with the threshold \(t), not with 0.5.",
                "```",
                "",
                "```wrong",
                "answer \(answer == "a" ? "b" : "a")",
                "answer c",
                "```",
                "",
            ]
        }
        if let conformal = pipeline.conformal {
            let level = formatFixed(conformal.coverage * 100, decimals: 1) + "%"
            let what = pipeline.task == .classification ? "set of labels" : "interval"
            text += [
                "## promise: What its \(what) promises",
                "kind: explain",
                "",
                pipeline.task == .classification
                    ? "Beside the label, this model answers with a set of labels (shown as set (\(level)))."
                    : "Beside the value, this model answers with an interval (shown as interval (\(level))).",
                "It was fitted on \(conformal.calibrationRows) rows the model did not train on (split conformal prediction): over",
                "many future rows drawn like those, about \(level) of the \(what)s hold the true answer.",
                "That is a promise on average. It is not a promise about one row, not about a group of rows",
                "(one island, one age band), and not once the data drifts away from the calibration rows.",
                pipeline.task == .classification
                    ? "A set of two or more labels means the model cannot tell them apart at this level; trust that more than the single label."
                    : "A wide interval means the model's errors on rows like this are large; the single value hides that.",
                "",
                "## promise-check: Reading the promise",
                "kind: question",
                "",
                "Which statement about the \(level) \(what)s is right?",
                "",
                "```choices",
                "a) each \(what) holds the true answer with probability \(level), whatever the row",
                "b) over many future rows like the calibration rows, about \(level) of the \(what)s hold the true answer",
                "c) the model is right \(level) of the time",
                "```",
                "",
                "```answer",
                "choice b",
                "```",
                "",
                "```hints",
                "The promise is about many rows together, not about any single one.",
                "```",
                "",
                "```wrong",
                "answer a",
                "answer c",
                "```",
                "",
            ]
        }
        return text
    }

    /// The lines of the card's "Known limitations" section, or one general line.
    static func knownLimitations(card: String) -> [String] {
        var lines: [String] = []
        var inside = false
        for line in card.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                inside = line.hasPrefix("## Known limitations")
                continue
            }
            if inside, line.hasPrefix("- ") { lines.append(String(line)) }
        }
        return lines.isEmpty
            ? ["- No limitations were recorded; validate it on your own fresh data before relying on it."] : lines
    }

    private static func exampleRow(_ bundle: LoadedBundle) throws -> [String: JSONScalar] {
        do {
            return try JSONDecoder().decode([String: JSONScalar].self, from: bundle.example)
        } catch {
            throw CommandError(
                "the bundle's example.json is not a row of inputs: \(error)",
                hint: "export the model again with this workbench")
        }
    }

    /// A value as the command language writes it in a row literal.
    private static func literal(_ value: JSONScalar) -> String {
        switch value {
        case .number(let d): return formatNumber(d)
        case .null: return "\"\""
        case .text(let s):
            let plain =
                !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !(s.first?.isNumber ?? false)
            return plain
                ? s
                : "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    + "\""
        }
    }
}

extension JSONEncoder {
    /// Sorted keys, no escaped slashes: stable text for lessons and requests.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
