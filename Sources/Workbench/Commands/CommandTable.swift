public import CommandLanguage

/// The one table of commands: parsing, `help`, completion, the README reference and tutorial
/// checks all read it. Adding a command is one entry here plus its handler file and tests.
public enum CommandTable {
    public static let all: [CommandSpec] = [
        // Data
        load, show, describe, split, select, drop, filter, derive, join, sort, sample, dedupe, rename, count, group,
        write,
        // Models
        train, evaluate, predict, compare, tune, validate, threshold, calibrate, conformal, drift, explain, plot, runs,
        algorithms, note, card,
        // Deploy
        export, importBundle, serve, servers, stop, monitor,
        // Session
        ls, history, rerun, save, replay, open, cache, report, help, quit,
        // Tutorials
        tutorial, answer,
    ]

    /// What the language needs of each command (names, arguments, options, help), in table order:
    /// parsing, help and completion read these.
    public static let signatures: [CommandSignature] = all.map(\.signature)

    public static let names: [String] = signatures.map(\.name)

    public static func command(named name: String) -> CommandSpec? {
        all.first { $0.name == name }
    }

    /// Parses a line with the table's expression tails (`filter d where …`, `derive d x = …`).
    public static func parse(_ line: String) throws(LanguageError) -> Statement? {
        try Parser.parse(line, tails: { command(named: $0)?.signature.expressionTail })
    }

    /// Topics in the order `help` lists them.
    public static let topics = ["data", "models", "deploy", "session"]
}
