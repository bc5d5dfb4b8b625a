import CommandLanguage
import Foundation
import Learning
import Tabular

extension CommandTable {
    /// `note MODEL "text"`: the model's purpose and intended users, for its card.
    static let note = CommandSpec(
        "note", topic: "models",
        summary: "record a model's purpose and intended users (shown in its model card)",
        positionals: [PositionalSpec(.model, .binding), PositionalSpec(.text, .text)],
        provenance: .annotation,
        examples: [
            "note m \"Sorts penguins photographed at Palmer Station by species, for field biologists; not for other regions.\""
        ],
        run: { context in
            var (name, model) = try context.model(.model)
            model.note = try context.text(.text)
            context.bind(name, .model(model))
            context.print("noted on \(name)'s card")
        })

    /// `card MODEL [on DATA] [slices=COL] [to "PATH"]`.
    static let card = CommandSpec(
        "card", topic: "models",
        summary: "print a model's Markdown model card, or write it: card m to \"card.md\"",
        discussion: """
            Purpose (see note), training data with its fingerprint, preprocessing, algorithm and \
            hyperparameters, seed, metrics with their spread, known limitations generated from what was \
            seen, environment and provenance. slices=COL adds the main metric per value of COL, measured \
            on DATA (default: the training data, which is optimistic).
            """,
        positionals: [
            PositionalSpec(.model, .binding),
            PositionalSpec(.data, keyword: "on", .dataset, optional: true),
            PositionalSpec(.path, keyword: "to", .path, optional: true),
        ],
        options: [
            OptionSpec("slices", .column, help: "add per-value metrics for this column"),
            CommonOption.overwrite.spec,
        ],
        examples: ["card m", "card m on penguins.test slices=island to \"cards/penguins.md\""],
        reopen: .shows,
        run: { context in
            let (name, model) = try context.model(.model)
            let printed = context.invocation.positionals[.path] == nil
            // Volatile spans marked in both cases: a card written to a file is recorded by its text
            // with them emptied, and written without the marks.
            var markdown = ModelCard.markdown(
                name: name, model: model, sessionFile: context.session.transcriptPath,
                cell: context.session.nextCellNumber, markVolatile: true)
            let slicesFrame: (String, DataFrame)?
            if context.invocation.positionals[.data] != nil {
                let (dataName, dataset) = try context.dataset(.data)
                slicesFrame = (dataName, dataset.frame)
            } else {
                slicesFrame = model.trainingFrame.map { (model.dataName + " (training data)", $0) }
            }
            if let (dataName, frame) = slicesFrame, let column = try context.column("slices", in: frame) {
                markdown += try sliceTable(model: model, frame: frame, column: column, dataName: dataName)
            }
            if !printed {
                let target = try context.fileTarget()
                try target.write(
                    Data(textLines(markdown).map { Output.stripMarkers(String($0)) }.joined(separator: "\n").utf8))
                context.recordWritten(WrittenFile(path: target.shown, stableText: markdown))
                context.print("wrote the model card of \(name) to \(target.shown)")
            } else {
                context.print(markdown)
            }
        })

    /// The main metric per value of `column`, as a Markdown section.
    static func sliceTable(model: TrainedModel, frame: DataFrame, column: String, dataName: String) throws -> String {
        guard let sliceColumn = frame.column(named: column) else { return "" }
        let metric = MetricCatalog.primary(for: model.pipeline.task)
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for r in 0..<frame.rowCount {
            let key = sliceColumn.text(at: r) ?? "(missing)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        var lines = [
            "", "## Metrics by \(column)", "", "Measured on \(dataName).", "", "| \(column) | rows | \(metric.label) |",
            "|---|---|---|",
        ]
        for key in order.sorted() {
            let rows = groups[key] ?? []
            let (scores, _, used) = try scores(of: model.pipeline, on: frame.selectingRows(rows))
            lines.append("| \(key) | \(used.count) | \(formatScore(metric.value(scores))) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
