public import CommandLanguage

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

/// One command of the interpreter: its signature (the single source for parsing, `help`,
/// completion, the README reference and tutorial checks), its handler, and how its cells enter
/// provenance and `open`. Members of the signature read through: `spec.name`, `spec.usage`.
@dynamicMemberLookup
public struct CommandSpec: Sendable {
    public let signature: CommandSignature
    /// How its bindings enter a model's provenance.
    public let provenance: ProvenanceRole
    /// Whether `open` runs the command's recorded cells again.
    public let reopen: ReopenRole
    public let run: @Sendable (inout CommandContext) throws -> Void

    public init(
        _ name: String, topic: String, summary: String, discussion: String = "",
        positionals: [PositionalSpec] = [], options: [OptionSpec] = [], maxResults: Int = 0,
        acceptsHyperparameters: Bool = false, provenance: ProvenanceRole = .observation, examples: [String] = [],
        reopen: ReopenRole = .restores, run: @escaping @Sendable (inout CommandContext) throws -> Void
    ) {
        signature = CommandSignature(
            name, topic: topic, summary: summary, discussion: discussion, positionals: positionals, options: options,
            maxResults: maxResults, acceptsHyperparameters: acceptsHyperparameters, examples: examples)
        self.provenance = provenance
        self.reopen = reopen
        self.run = run
    }

    public subscript<Member>(dynamicMember member: KeyPath<CommandSignature, Member>) -> Member {
        signature[keyPath: member]
    }
}
