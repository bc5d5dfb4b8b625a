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
