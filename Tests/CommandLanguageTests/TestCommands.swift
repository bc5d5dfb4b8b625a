import CommandLanguage

/// A small command table shaped like the interpreter's, so the language is tested without it.
enum TestCommands {
    static let header: Option<Bool> = .flag("header", default: true, help: "the first row names the columns")
    static let test: Option<Double> = .fraction("test", default: 0.2, help: "the test share")
    static let seed: Option<Int> = .integer("seed", 0...Int.max, default: 42, help: "the random seed")
    static let load = CommandSignature(
        "load", topic: "data", summary: "read a CSV file",
        positionals: [PositionalSpec(.path, .path), PositionalSpec(.name, keyword: "as", .newName, optional: true)],
        options: [
            header.spec,
            OptionSpec("sep", .choice([",", ";", "tab"]), help: "the separator"),
        ],
        maxResults: 1, examples: [#"load "x.csv""#])
    static let describe = CommandSignature(
        "describe", topic: "data", summary: "summarise each column",
        positionals: [PositionalSpec(.data, .dataset)], examples: ["describe iris"])
    static let split = CommandSignature(
        "split", topic: "data", summary: "split rows into train and test",
        positionals: [PositionalSpec(.data, .dataset)],
        options: [
            test.spec,
            OptionSpec("stratify", .column, help: "keep this column's shares"),
            seed.spec,
        ],
        maxResults: 2, examples: ["split iris"])
    static let select = CommandSignature(
        "select", topic: "data", summary: "keep some columns",
        positionals: [PositionalSpec(.data, .dataset), PositionalSpec(.columns, .columns)],
        maxResults: 1, examples: ["select iris a, b"])
    static let train = CommandSignature(
        "train", topic: "models", summary: "fit a model",
        positionals: [PositionalSpec(.algorithm, .algorithm), PositionalSpec(.data, keyword: "on", .dataset)],
        options: [
            OptionSpec("target", .column, help: "the column to predict"),
            OptionSpec("rate", .number(0...1), help: "a learning rate"),
        ],
        maxResults: 1, acceptsHyperparameters: true, examples: ["train tree on iris"])
    static let help = CommandSignature(
        "help", topic: "session", summary: "list commands",
        positionals: [PositionalSpec(.command, .command, optional: true)], examples: ["help"])

    static let all = [load, describe, split, select, train, help]
}

/// The test table's placeholders, as the interpreter declares its own.
extension Placeholder {
    static let algorithm = Placeholder("ALGORITHM")
    static let columns = Placeholder("COLUMNS")
    static let command = Placeholder("COMMAND")
    static let data = Placeholder("DATA")
    static let name = Placeholder("NAME")
    static let path = Placeholder("PATH")
}
