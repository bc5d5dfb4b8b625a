/// What a positional argument or option accepts; drives binding, completion and help.
public enum ArgumentKind: Sendable, Equatable {
    /// A name bound to a dataset.
    case dataset
    /// A name bound to anything.
    case binding
    /// A new name to bind.
    case newName
    /// An algorithm name or a bound candidate (`lb.best`).
    case algorithm
    /// `all`, or one or more algorithm names.
    case algorithms
    /// A quoted path.
    case path
    /// One column of the command's dataset.
    case column
    /// One or more columns: `a`, `a, b`, `[a, b]`, `"mean radius"`.
    case columns
    /// A whole number within a range.
    case integer(ClosedRange<Int>)
    /// A number within a range (percent allowed: `20%`).
    case number(ClosedRange<Double>)
    /// One of a fixed set of words.
    case choice([String])
    /// Free text: a quoted string or a bare word.
    case text
    /// A lesson name, or for `tutorial make` a quoted bundle path (completion offers lessons).
    case lesson
    /// A command name (for `help CMD`).
    case command
    /// A fraction strictly between 0 and 1 (`0.2` or `20%`).
    case fraction
    /// yes/no.
    case flag
    /// `{key: value, ...}`.
    case record

    /// How the kind reads in usage lines and errors.
    var expectation: String {
        switch self {
        case .dataset: "a dataset name"
        case .binding: "a name"
        case .newName: "a new name"
        case .algorithm: "an algorithm name"
        case .algorithms: "algorithm names or all"
        case .path: "a quoted path"
        case .column: "a column name"
        case .columns: "column names"
        case .integer(let r): r.upperBound == Int.max ? "a whole number ≥ \(r.lowerBound)" : "a whole number from \(r.lowerBound) to \(r.upperBound)"
        case .number(let r): "a number from \(formatted(r.lowerBound)) to \(formatted(r.upperBound))"
        case .choice(let options): "one of " + options.joined(separator: ", ")
        case .text: "text"
        case .lesson: "a lesson name"
        case .command: "a command name"
        case .fraction: "a fraction between 0 and 1 (like 0.2 or 20%)"
        case .flag: "yes or no"
        case .record: "a record like {column: text}"
        }
    }

    private func formatted(_ x: Double) -> String {
        x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

/// A positional argument, optionally introduced by a keyword (`on DATA`, `as NAME`, `to "PATH"`).
public struct PositionalSpec: Sendable {
    public let placeholder: String
    public let keyword: String?
    public let kind: ArgumentKind
    public let isOptional: Bool

    public init(_ placeholder: String, keyword: String? = nil, _ kind: ArgumentKind, optional: Bool = false) {
        self.placeholder = placeholder
        self.keyword = keyword
        self.kind = kind
        self.isOptional = optional
    }

    var usage: String {
        let core = (keyword.map { "\($0) " } ?? "") + placeholder
        return isOptional ? "[\(core)]" : core
    }
}

/// A `key=value` option with its default (shown in help; nil means "not set").
public struct OptionSpec: Sendable {
    public let name: String
    public let kind: ArgumentKind
    public let defaultText: String?
    public let help: String

    public init(_ name: String, _ kind: ArgumentKind, default defaultText: String? = nil, help: String) {
        self.name = name
        self.kind = kind
        self.defaultText = defaultText
        self.help = help
    }
}

/// How a command's bindings enter a model's provenance: which cells `export` follows back from a
/// model to the data files it was made from (see `ProvenanceSlice`). What a cell reads is the
/// bindings its arguments name (the positionals and options of kind dataset, binding, algorithm);
/// what it wrote is recorded as it runs (`Cell.boundNames`).
public enum ProvenanceRole: Sendable, Equatable {
    /// Reads a data file and binds a dataset (`load`): where a provenance starts.
    case source
    /// Binds values computed only from its arguments and the bindings they name, the same on the
    /// same inputs and seed (`split`, `select`, `drop`, `compare`, `tune`, `train`).
    case derivation
    /// Rebinds a value with a record added (scores, a note, a validation) but computes nothing
    /// the model's bytes depend on (`note`, `evaluate`, `validate`): passed over.
    case annotation
    /// Runs another cell's command again (`rerun`): followed to that command.
    case repetition
    /// Binds values that come from outside the session's data: a bundle, another transcript
    /// (`import`, `replay`). A model that depends on them has no provenance of its own.
    case external
    /// Binds nothing a model depends on (show, export, help, …).
    case observation
}

/// What `open` does with a recorded cell of a command.
public enum ReopenRole: Sendable, Equatable {
    /// Runs it again: it binds or changes names (load, split, train — from the model cache —, evaluate…).
    case restores
    /// Skips it: it only shows something (describe, plot, ls…).
    case shows
    /// Skips it: it writes files, serves, or changes things outside the session's names (export,
    /// save, report, serve, tutorial…), which `open` never does again.
    case actsOutside
}

/// One command of the language: the single source for parsing, `help`, completion, the README
/// reference, tutorial checks and provenance.
public struct CommandSpec: Sendable {
    public let name: String
    /// One line, for `help`.
    public let summary: String
    /// Paragraphs for `help NAME`.
    public let discussion: String
    public let positionals: [PositionalSpec]
    public let options: [OptionSpec]
    /// How many names `a, b = cmd` may bind (0: the command binds nothing).
    public let maxResults: Int
    public let examples: [String]
    /// Groups commands in `help`.
    public let topic: String
    /// Whether unknown `key=value` options pass through as algorithm hyperparameters.
    public let acceptsHyperparameters: Bool
    /// How its bindings enter a model's provenance.
    public let provenance: ProvenanceRole
    /// Whether `open` runs the command's recorded cells again.
    public let reopen: ReopenRole
    public let run: @Sendable (inout CommandContext) throws -> Void

    public init(
        _ name: String, topic: String, summary: String, discussion: String = "",
        positionals: [PositionalSpec] = [], options: [OptionSpec] = [], maxResults: Int = 0,
        acceptsHyperparameters: Bool = false, provenance: ProvenanceRole = .observation, examples: [String] = [], reopen: ReopenRole = .restores, run: @escaping @Sendable (inout CommandContext) throws -> Void
    ) {
        self.name = name
        self.topic = topic
        self.summary = summary
        self.discussion = discussion
        self.positionals = positionals
        self.options = options
        self.maxResults = maxResults
        self.examples = examples
        self.acceptsHyperparameters = acceptsHyperparameters
        self.provenance = provenance
        self.reopen = reopen
        self.run = run
    }

    /// `[name =] verb ARGS [key=value ...]`.
    public var usage: String {
        var parts: [String] = []
        if maxResults == 1 { parts.append("[NAME =]") }
        if maxResults == 2 { parts.append("[NAME[, NAME] =]") }
        parts.append(name)
        parts.append(contentsOf: positionals.map(\.usage))
        parts.append(contentsOf: options.map { "[\($0.name)=\($0.defaultText ?? "…")]" })
        if acceptsHyperparameters { parts.append("[PARAM=VALUE ...]") }
        return parts.joined(separator: " ")
    }
}
