import CommandLanguage

/// Options several commands share, each declared once with its default: the signature lists
/// `CommonOption.seed.spec`, the handler reads `invocation[CommonOption.seed]`.
enum CommonOption {
    static let seed: Option<Int> = .integer(
        "seed", 0...Int(Int32.max), default: 42, help: "random seed: the same seed gives the same result")
    static let folds: Option<Int> = .integer("folds", 2...50, default: 5, help: "number of cross-validation folds")
    /// Every command that writes a file the user names; each words its help for what it replaces.
    static let overwrite: Option<Bool> = .flag("overwrite", default: false, help: "replace an existing file at PATH")
    /// Rows a command prints.
    static let rows: Option<Int> = .integer("rows", 1...10_000, default: 10, help: "how many rows to print")
}
