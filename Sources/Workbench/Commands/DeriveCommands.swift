import ColumnExpressions
import CommandLanguage
import Diagnostics
import Tabular

extension CommandTable {
    /// `derive D NAME = EXPRESSION, …`: new columns from expressions.
    static let derive = CommandSpec(
        "derive", topic: "data",
        summary: "add columns computed from expressions",
        discussion: """
            Each NAME = EXPRESSION adds a column; later ones may use earlier ones. Conditions become \
            0/1 numbers. A value that cannot be computed (division by zero, log of 0) is missing, \
            and counted. The dataset keeps its name (give one with NEW = derive …). A model trained \
            on derived columns computes them itself: predict, the bundle, workbench predict and \
            workbench serve take the raw columns. Expressions: see help filter.
            """,
        positionals: [PositionalSpec(.name, .dataset), PositionalSpec(.definitions, .expression)],
        maxResults: 1,
        provenance: .derivation,
        examples: [
            "derive penguins bill_ratio = bill_length_mm / bill_depth_mm",
            "derive penguins heavy = body_mass_g > 4500, mass_kg = round(body_mass_g / 1000, 1)",
        ],
        run: runDerive)

    private static func runDerive(_ context: inout CommandContext) throws {
        let (name, dataset) = try context.dataset(.name)
        let (text, offset) = try context.expressionText(.definitions)
        let characters = Array(text)
        var frame = dataset.frame
        var evaluator = ExpressionEvaluator(frame: frame)
        var added: [(name: String, kind: String)] = []
        var derivations = dataset.derivations
        let definitions = try context.reading(expressionAt: offset) { () throws(ExpressionError) -> [Definition] in
            try ExpressionParser.parseDefinitions(text)
        }
        try MemoryBudget.checkMatrix(
            rows: frame.rowCount, columns: definitions.count, copies: 1,
            what: "deriving \(definitions.count) columns of \(frame.rowCount) rows",
            hint: "derive fewer columns at a time, or sample or filter the rows first")
        var schema = ExpressionSchema(frame)
        for definition in definitions {
            let column = try context.reading(expressionAt: offset) { () throws(ExpressionError) -> Column in
                guard schema.kinds[definition.name] == nil else {
                    throw ExpressionError(
                        "'\(definition.name)' is already a column", at: definition.nameSpan,
                        hint: "choose a new name (drop or rename the old column first to reuse it)")
                }
                let type = try definition.expression.type(in: schema)
                let values = try evaluator.evaluate(definition.expression)
                added.append((definition.name, type == .boolean ? "0/1" : type.rawValue))
                schema.add(definition.name, type == .text ? .text : .number)
                return values.column(named: definition.name, rows: frame.rowCount)
            }
            evaluator.add(column)
            frame = try DataFrame(columns: frame.columns + [column])
            let span = definition.expression.span
            let source = String(characters[min(span.start, characters.count)..<min(span.end, characters.count)])
            let formats = evaluator.dateFormats.filter { definition.expression.columns.contains($0.key) }
            derivations.append(
                try context.reading(expressionAt: offset) { () throws(ExpressionError) -> Derivation in
                    try Derivation(name: definition.name, source: source, dateFormats: formats)
                })
        }
        let result = context.targets.first ?? name
        context.bindReshaped(
            result, frame: frame, source: "derive of \(name)", parent: dataset, derivations: derivations)
        context.print(
            "\(result): \(rowsText(frame.rowCount)) × \(frame.columnCount) columns; added "
                + added.map { "\($0.name) (\($0.kind))" }.joined(separator: ", "))
        context.printNotes(evaluator.notes)
    }

    /// `rename D old=new …` or `rename D {"old name": new}`.
    static let rename = CommandSpec(
        "rename", topic: "data",
        summary: "rename columns",
        discussion:
            "Write old=new pairs, or a record {\"old name\": \"new name\"} for names with spaces. The dataset keeps its name. A derived column keeps its formula under the new name; a derived column whose input is renamed becomes a plain column.",
        positionals: [PositionalSpec(.name, .dataset), PositionalSpec(.names, .record, optional: true)],
        maxResults: 1, acceptsHyperparameters: true,
        provenance: .derivation,
        examples: [
            "rename penguins bill_length_mm=bill_length flipper_length_mm=flipper",
            "rename eggs {\"Date Egg\": date_egg}",
        ],
        run: runRename)

    private static func runRename(_ context: inout CommandContext) throws {
        let (name, dataset) = try context.dataset(.name)
        var pairs: [(old: String, new: String, range: SourceRange)] = []
        if case .record(let fields, _)? = context.invocation.positionals[.names] {
            for field in fields {
                guard let new = Self.word(field.value) else {
                    throw LanguageError.semantic(
                        "expected the new name of '\(field.key)'", at: field.value.range, hint: "write {\"old\": new}")
                }
                pairs.append((field.key, new, field.keyRange))
            }
        }
        for (key, keyRange, value) in context.invocation.hyperparameters {
            guard let new = Self.word(value) else {
                throw LanguageError.semantic(
                    "expected the new name of '\(key)'", at: value.range, hint: "write \(key)=new_name")
            }
            pairs.append((key, new, keyRange))
        }
        guard !pairs.isEmpty else {
            throw LanguageError.missingArgument(
                "old=new", command: "rename", usage: "rename NAME old=new … or rename NAME {\"old\": new}",
                at: context.invocation.statement.verbRange)
        }
        var frame = dataset.frame
        var derivations = dataset.derivations
        var notes: [String] = []
        for pair in pairs {
            guard frame.column(named: pair.old) != nil else {
                throw LanguageError.unknownName(
                    kind: "column", name: pair.old, at: pair.range,
                    suggestion: closestMatch(pair.old, among: frame.columnNames),
                    hint: "columns: " + frame.columnNames.prefix(12).joined(separator: ", "))
            }
            guard frame.column(named: pair.new) == nil || pair.new == pair.old else {
                throw LanguageError.semantic(
                    "'\(pair.new)' is already a column", at: pair.range, hint: "choose another name")
            }
            frame = try frame.renamingColumn(pair.old, to: pair.new)
            derivations = try derivations.compactMap { d in
                if d.name == pair.old {
                    return try Derivation(name: pair.new, source: d.source, dateFormats: d.dateFormats)
                }
                if d.inputs.contains(pair.old) {
                    notes.append("note: \(d.name) is now a plain column (its formula reads \(pair.old))")
                    return nil
                }
                return d
            }
        }
        let result = context.targets.first ?? name
        context.bindReshaped(
            result, frame: frame, source: "rename of \(name)", parent: dataset, derivations: derivations)
        context.print("\(result): renamed " + pairs.map { "\($0.old) → \($0.new)" }.joined(separator: ", "))
        for note in notes { context.print(note) }
    }

    private static func word(_ e: Expression) -> String? {
        switch e {
        case .name(let parts, _): parts.joined(separator: ".")
        case .string(let s, _) where !s.isEmpty: s
        default: nil
        }
    }
}
