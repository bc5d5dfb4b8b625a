import CommandLanguage
import Tabular

extension CommandTable {
    /// `select NAME COLS`: a new dataset with only these columns.
    static let select = CommandSpec(
        "select", topic: "data",
        summary: "make a new dataset with only the given columns",
        discussion: "Without a name, the result is bound as NAME_selected. Column names with spaces go in quotes.",
        positionals: [PositionalSpec(.name, .dataset), PositionalSpec(.cols, .columns)],
        maxResults: 1,
        provenance: .derivation,
        examples: ["select penguins species, island, body_mass_g", "small = select iris [sepal_length, species]"],
        run: { context in try reshape(&context, keep: true) })

    /// `drop NAME COLS`: a new dataset without these columns.
    static let drop = CommandSpec(
        "drop", topic: "data",
        summary: "make a new dataset without the given columns",
        discussion: "Without a name, the result is bound as NAME_dropped.",
        positionals: [PositionalSpec(.name, .dataset), PositionalSpec(.cols, .columns)],
        maxResults: 1,
        provenance: .derivation, examples: ["drop penguins year", "features = drop penguins [species, year]"],
        run: { context in try reshape(&context, keep: false) })

    private static func reshape(_ context: inout CommandContext, keep: Bool) throws {
        let (name, dataset) = try context.dataset(.name)
        let columns = try context.columns(.cols, in: dataset.frame)
        let frame = keep ? try dataset.frame.selectingColumns(columns) : try dataset.frame.droppingColumns(columns)
        guard frame.columnCount > 0 else {
            throw LanguageError.semantic("that leaves no columns", at: context.invocation.range(of: .cols), hint: nil)
        }
        let result = context.targets.first ?? name + (keep ? "_selected" : "_dropped")
        context.bindReshaped(result, frame: frame, source: "\(keep ? "select" : "drop") of \(name)", parent: dataset)
        context.print(
            "\(result): \(frame.rowCount) rows × \(frame.columnCount) columns ("
                + frame.columnNames.joined(separator: ", ") + ")")
    }
}
