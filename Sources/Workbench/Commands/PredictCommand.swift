import CommandLanguage
import Diagnostics
import Foundation
import Learning
import Tabular

extension CommandTable {
    /// `predict MODEL on DATA [to "out.csv"]` or `predict MODEL {col: value, ...}`.
    static let predict = CommandSpec(
        "predict", topic: "models",
        summary: "predict with a model: for a dataset (optionally written to CSV) or one row {col: value}",
        discussion: """
            Classification prints the predicted label and each class's probability; regression the \
            predicted value. Values the model never saw in training (a new category, a number outside the \
            training range) still get a prediction, with a warning saying why it deserves less trust. \
            For one row, columns you leave out count as missing.
            """,
        positionals: [
            PositionalSpec(.model, .binding),
            PositionalSpec(.data, keyword: "on", .dataset, optional: true),
            PositionalSpec(.row, .record, optional: true),
            PositionalSpec(.path, keyword: "to", .path, optional: true),
        ],
        options: [
            CommonOption.rows.help("how many predictions to print").spec,
            CommonOption.overwrite.spec,
        ],
        examples: [
            "predict m on penguins.test",
            "predict m on penguins.test to \"predictions.csv\"",
            "predict m {island: Biscoe, bill_length_mm: 48.6, flipper_length_mm: 230, body_mass_g: 5800, sex: male}",
        ],
        reopen: .actsOutside,
        run: runPredict)

    private static func runPredict(_ context: inout CommandContext) throws {
        let (modelName, model) = try context.model(.model)
        let pipeline = model.pipeline
        // Checked before predicting, so a refused target costs no work.
        let target = context.invocation.positionals[.path] != nil ? try context.fileTarget() : nil
        _ = try target?.destination()
        let frame: DataFrame
        let label: String
        var given: [String: String] = [:]
        if context.invocation.positionals[.data] != nil {
            let (dataName, dataset) = try context.dataset(.data)
            frame = dataset.frame
            label = dataName
        } else if case .record(let fields, _)? = context.invocation.positionals[.row] {
            frame = try rowFrame(fields, pipeline: pipeline, context: &context)
            label = "one row"
            for field in fields {
                switch field.value {
                case .string(let s, _): given[field.key] = s
                case .number(_, let text, _): given[field.key] = text
                case .name(let parts, _): given[field.key] = parts.joined(separator: ".")
                default: break
                }
            }
        } else {
            throw LanguageError.missingArgument(
                "'on DATA' or a row {column: value, ...}", command: "predict",
                usage: context.invocation.signature.usage, at: context.invocation.range(of: .model))
        }
        var notes: [String] = []
        let output = try InterruptiblePrediction.predict(pipeline, frame, session: context.session, notes: &notes)
        for note in notes { context.print("warning: \(note)") }
        for w in output.warnings { context.print("warning: \(w)") }
        context.record(
            .predicted(
                model: NamedModel(name: modelName, model: model), rows: frame.rowCount, values: given,
                warned: !notes.isEmpty || !output.warnings.isEmpty))
        let classes = pipeline.target.classes
        let conformalCells = conformalCells(pipeline, output.prediction)
        let conformalHeader =
            pipeline.conformal.map {
                [
                    ($0.task == .classification ? "set" : "interval")
                        + " (\(formatFixed($0.coverage * 100, decimals: 1))%)"
                ]
            } ?? []
        var table: TextTable
        var csvColumns: [Column] = []
        switch output.prediction {
        case .probabilities(let p):
            let labels = output.labels(classes: classes) ?? []
            table = TextTable(
                headers: ["#", "predicted " + pipeline.target.name] + classes.map { "P(\($0))" } + conformalHeader,
                alignments: [.right, .left] + classes.map { _ in .right } + conformalHeader.map { _ in .left })
            for r in 0..<min(p.rows, context.invocation[CommonOption.rows]) {
                table.add(
                    [String(r + 1), labels[r]] + (0..<p.columns).map { formatFixed(p[r, $0], decimals: 3) }
                        + (conformalCells.map { [$0[r]] } ?? []))
            }
            let levels = classes
            let codes = (0..<p.rows).map { r in Int32(levels.firstIndex(of: labels[r]) ?? -1) }
            csvColumns.append(
                Column(name: "predicted_" + pipeline.target.name, data: .categorical(codes: codes, levels: levels)))
            for (c, name) in classes.enumerated() {
                csvColumns.append(Column(name: "probability_" + name, data: .numeric((0..<p.rows).map { p[$0, c] })))
            }
        case .values(let v):
            table = TextTable(
                headers: ["#", "predicted " + pipeline.target.name] + conformalHeader,
                alignments: [.right, .right] + conformalHeader.map { _ in .left })
            for r in 0..<min(v.count, context.invocation[CommonOption.rows]) {
                table.add([String(r + 1), formatStatistic(v[r])] + (conformalCells.map { [$0[r]] } ?? []))
            }
            csvColumns.append(Column(name: "predicted_" + pipeline.target.name, data: .numeric(v)))
        }
        context.print("\(modelName) on \(label): \(frame.rowCount) prediction\(frame.rowCount == 1 ? "" : "s")")
        context.print(table)
        let shown = min(frame.rowCount, context.invocation[CommonOption.rows])
        if shown < frame.rowCount {
            context.print("… \(frame.rowCount - shown) more (write them all with to \"file.csv\")")
        }
        if let target {
            let out = try DataFrame(
                columns: frame.columns.filter { c in !csvColumns.contains { $0.name == c.name } } + csvColumns)
            let data = CSVWriter.data(out, forPath: target.path)
            try target.write(data)
            context.recordWritten(WrittenFile(path: target.shown, bytes: data))
            context.print("wrote \(frame.rowCount) rows with predictions to \(target.shown)")
        }
    }

    /// A one-row frame from `{col: value}`: numbers for numeric features, text for text features,
    /// missing for features not given; names the model does not know are an error.
    static func rowFrame(_ fields: [RecordField], pipeline: PipelineModel, context: inout CommandContext) throws
        -> DataFrame
    {
        let features = pipeline.inputs
        for field in fields where !features.contains(where: { $0.name == field.key }) {
            throw LanguageError.unknownName(
                kind: "feature", name: field.key, at: field.keyRange,
                suggestion: closestMatch(field.key, among: features.map(\.name)),
                hint: "the model uses: " + features.map(\.name).joined(separator: ", "))
        }
        var columns: [Column] = []
        var absent: [String] = []
        for feature in features {
            guard let field = fields.first(where: { $0.key == feature.name }) else {
                absent.append(feature.name)
                columns.append(
                    Column(
                        name: feature.name,
                        data: feature.kind == .number ? .numeric([.nan]) : .categorical(codes: [-1], levels: [])))
                continue
            }
            switch (feature.kind, field.value) {
            case (.number, .number(let v, _, _)):
                columns.append(Column(name: feature.name, data: .numeric([v])))
            case (.number, let other):
                throw LanguageError.semantic(
                    "\(feature.name) is a number in this model, found \(other.kindDescription)", at: other.range,
                    hint: nil)
            case (.text, .number(_, let text, _)):
                columns.append(Column(name: feature.name, data: .categorical(codes: [0], levels: [text])))
            case (.text, .string(let s, _)):
                columns.append(Column(name: feature.name, data: .categorical(codes: [0], levels: [s])))
            case (.text, .name(let parts, _)):
                columns.append(
                    Column(name: feature.name, data: .categorical(codes: [0], levels: [parts.joined(separator: ".")])))
            case (.text, let other):
                throw LanguageError.semantic(
                    "\(feature.name) takes a value like \(feature.levels.first ?? "text"), found \(other.kindDescription)",
                    at: other.range, hint: nil)
            }
        }
        if !absent.isEmpty {
            context.print("note: not given, so treated as missing: " + absent.joined(separator: ", "))
        }
        return try DataFrame(columns: columns)
    }
}
