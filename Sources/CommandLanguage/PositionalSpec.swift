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

    /// `PLACEHOLDER`, `keyword PLACEHOLDER`, in brackets when optional.
    public var usage: String {
        let core = (keyword.map { "\($0) " } ?? "") + placeholder
        return isOptional ? "[\(core)]" : core
    }
}
