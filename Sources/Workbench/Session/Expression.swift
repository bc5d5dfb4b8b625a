public import CommandLanguage

/// The parser's value type under its short name. Foundation also exports an `Expression` (its
/// predicate expressions), so in a file that imports both the bare name would be ambiguous; a
/// declaration in this module wins over both imports.
public typealias Expression = CommandLanguage.Expression
