/// What the language knows of one command: its name, arguments, options and help. Parsing
/// (`Invocation`), `help`, completion and the README reference read it; what the command does
/// is the interpreter's business (its `CommandSpec` pairs a signature with a handler).
public struct CommandSignature: Sendable {
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

    public init(
        _ name: String, topic: String, summary: String, discussion: String = "",
        positionals: [PositionalSpec] = [], options: [OptionSpec] = [], maxResults: Int = 0,
        acceptsHyperparameters: Bool = false, examples: [String] = []
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
    }

    /// Where the column expression starts, for a command whose last positional is one.
    public var expressionTail: ExpressionTail? {
        guard let last = positionals.last, last.kind == .expression else { return nil }
        return last.keyword.map { .afterKeyword($0) } ?? .fromFirstDefinition
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
