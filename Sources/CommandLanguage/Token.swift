/// One lexical token of the command language.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case identifier(String)
        case string(String)
        /// The number and its source text (`62%` keeps the percent sign in `text`).
        case number(Double, text: String)
        case punctuation(Character)
        case end
    }

    public var kind: Kind
    public var range: SourceRange

    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    public var identifier: String? {
        if case .identifier(let s) = kind { return s }
        return nil
    }

    public func isPunctuation(_ c: Character) -> Bool {
        if case .punctuation(let p) = kind { return p == c }
        return false
    }

    /// How the token reads in an error message.
    public var display: String {
        switch kind {
        case .identifier(let s): "'\(s)'"
        case .string(let s): "\"\(s)\""
        case .number(_, let text): text
        case .punctuation(let c): "'\(c)'"
        case .end: "end of line"
        }
    }
}
