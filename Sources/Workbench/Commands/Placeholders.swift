import CommandLanguage

/// Every positional argument's placeholder, declared once: signatures and handlers name them by
/// these members (`.model`), so a misspelt placeholder does not compile.
extension Placeholder {
    static let a = Placeholder("A")
    static let action = Placeholder("ACTION")
    static let algo = Placeholder("ALGO")
    /// `cache clear`: the word itself.
    static let clear = Placeholder("clear")
    static let algorithm = Placeholder("ALGORITHM")
    static let algos = Placeholder("ALGOS")
    static let b = Placeholder("B")
    static let cols = Placeholder("COLS")
    static let columns = Placeholder("COLUMNS")
    static let command = Placeholder("COMMAND")
    static let condition = Placeholder("CONDITION")
    static let data = Placeholder("DATA")
    static let definitions = Placeholder("DEFINITIONS")
    static let id = Placeholder("ID")
    static let keys = Placeholder("KEYS")
    static let kind = Placeholder("KIND")
    static let learner = Placeholder("LEARNER")
    static let model = Placeholder("MODEL")
    static let models = Placeholder("MODELS")
    static let n = Placeholder("N")
    static let name = Placeholder("NAME")
    static let names = Placeholder("NAMES")
    static let path = Placeholder("PATH")
    static let row = Placeholder("ROW")
    static let source = Placeholder("SOURCE")
    static let summaries = Placeholder("SUMMARIES")
    static let text = Placeholder("TEXT")
    static let value = Placeholder("VALUE")
}
