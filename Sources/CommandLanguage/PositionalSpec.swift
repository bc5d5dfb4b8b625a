/// The name of a positional argument as usage lines and errors show it (`MODEL`, `DATA`). The
/// interpreter declares each once as a static member (`.model`), and signatures and handlers name
/// it by that member, so a misspelt placeholder does not compile.
public struct Placeholder: Hashable, Sendable, CustomStringConvertible {
    /// As usage lines show it: `MODEL`.
    public let label: String
    public init(_ label: String) { self.label = label }
    public var description: String { label }
}

/// A positional argument, optionally introduced by a keyword (`on DATA`, `as NAME`, `to "PATH"`).
public struct PositionalSpec: Sendable {
    public let placeholder: Placeholder
    public let keyword: String?
    public let kind: ArgumentKind
    public let isOptional: Bool

    public init(_ placeholder: Placeholder, keyword: String? = nil, _ kind: ArgumentKind, optional: Bool = false) {
        self.placeholder = placeholder
        self.keyword = keyword
        self.kind = kind
        self.isOptional = optional
    }

    /// `PLACEHOLDER`, `keyword PLACEHOLDER`, in brackets when optional.
    public var usage: String {
        let core = (keyword.map { "\($0) " } ?? "") + placeholder.label
        return isOptional ? "[\(core)]" : core
    }
}
