public import Charts
public import CommandLanguage
public import Diagnostics
import Foundation
public import Tabular

/// A data file a command read, recorded in transcripts so replay can tell when the data changed.
public struct DataFileRecord: Sendable, Equatable {
    /// The path as the user wrote it (relative to the session's working folder).
    public var path: String
    public var fingerprint: String
}

/// A user-facing failure that is not tied to one token of the line.
public struct CommandError: Error, Sendable, UserFacingError {
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var diagnostic: Diagnostic { Diagnostic(message, remedy: hint.map { "\($0)" }) }
}

/// What a command handler sees and produces: the session (read-only through lookups), its
/// arguments, and the output and bindings it accumulates. Nothing is bound unless the command
/// finishes without throwing.
public struct CommandContext {
    public let session: Session
    public let invocation: Invocation
    public var output = Output()
    public private(set) var pendingBindings: [(name: String, value: Value)] = []
    public private(set) var dataFiles: [DataFileRecord] = []
    /// Names bound by the commands this one ran (`rerun`, `replay`), which bind as they go.
    var nestedBoundNames: [String] = []
    /// The files this command wrote, with digests of their stable content (see `WrittenFile`).
    public private(set) var written: [WrittenFile] = []
    /// Set by a command that Ctrl-C stopped part-way and that keeps what finished (`compare`, `tune`).
    var interruption: Interruption?
    /// What the command did beyond its bindings, for whoever asks after it succeeds (a lesson).
    public internal(set) var effects: [CellEffect] = []

    init(session: Session, invocation: Invocation) {
        self.session = session
        self.invocation = invocation
    }

    public var environment: SessionEnvironment { session.environment }

    /// Names the user wrote before `=`.
    public var targets: [String] { invocation.statement.targets.map(\.name) }

    public mutating func print(_ text: String) { output.append(text) }

    /// Records what the command did (kept only if it succeeds).
    public mutating func record(_ effect: CellEffect) { effects.append(effect) }

    /// Prints a table fitted to the session's width (an HTML table in reports).
    public mutating func print(_ table: TextTable) { output.append(table, width: environment.width) }

    /// Prints a chart: ASCII in transcripts and plain terminals, Unicode and colour where the
    /// session's terminal can show them, SVG in reports. `plain` replaces the ASCII drawing.
    public mutating func show(_ chart: Chart, plain: [String]? = nil) {
        output.append(chart, width: environment.width, plain: plain)
    }

    public mutating func bind(_ name: String, _ value: Value) {
        pendingBindings.removeAll { $0.name == name }
        pendingBindings.append((name, value))
    }

    public mutating func recordDataFile(path: String, fingerprint: String) {
        dataFiles.append(DataFileRecord(path: path, fingerprint: fingerprint))
    }

    /// Records a file this command wrote, for the transcript's `@wrote` lines.
    public mutating func recordWritten(_ file: WrittenFile) {
        written.append(file)
    }

    /// Shows transient progress on a terminal (never in output or transcripts).
    public func progress(_ text: String) {
        session.progressHandler?(text)
    }

    /// Polled by long-running work; throws when the user pressed Ctrl-C.
    public func checkCancellation() throws {
        if session.cancellation.isSet { throw CommandError("cancelled") }
    }

    // MARK: resolving arguments

    /// The bound value named by a positional argument.
    public func value(_ placeholder: Placeholder) throws -> (name: String, value: Value) {
        let expression = try require(placeholder)
        guard let name = expression.dottedName else {
            throw LanguageError.expected(
                "a name", found: Token(kind: .identifier(expression.kindDescription), range: expression.range))
        }
        guard let value = session.lookup(name) else {
            throw LanguageError.unknownName(
                kind: "dataset, model or result", name: name, at: expression.range,
                suggestion: closestMatch(name, among: session.boundNames),
                hint: session.boundNames.isEmpty
                    ? "nothing is bound yet; start with load \"file.csv\"" : "'ls' lists what is bound")
        }
        return (name, value)
    }

    /// The dataset named by a positional argument.
    public func dataset(_ placeholder: Placeholder) throws -> (name: String, dataset: Dataset) {
        let (name, value) = try value(placeholder)
        guard case .dataset(let d) = value else {
            throw LanguageError.wrongKind(
                name: name, expected: "dataset", found: value.kindName, at: invocation.range(of: placeholder))
        }
        return (name, d)
    }

    /// A quoted path argument: as written, and resolved against the session's working folder.
    public func path(_ placeholder: Placeholder) throws -> (written: String, resolved: String) {
        let expression = try require(placeholder)
        guard case .string(let written, _) = expression else {
            let hint = expression.dottedName.map { "put the path in double quotes: \"\($0)\"" }
            throw LanguageError.semantic(
                "expected a quoted path, found \(expression.kindDescription)", at: expression.range, hint: hint)
        }
        return (written, session.resolve(path: written))
    }

    /// A quoted path argument a command writes to (in a sandboxed replay, its mirror).
    public func outputPath(_ placeholder: Placeholder) throws -> (written: String, resolved: String) {
        let (written, _) = try path(placeholder)
        return (written, session.resolveForWriting(path: written))
    }

    /// A free-text argument: a quoted string or a bare word.
    public func text(_ placeholder: Placeholder) throws -> String {
        let expression = try require(placeholder)
        switch expression {
        case .string(let s, _): return s
        case .name(let parts, _): return parts.joined(separator: ".")
        case .number(_, let text, _): return text
        default:
            throw LanguageError.semantic(
                "expected text, found \(expression.kindDescription)", at: expression.range, hint: nil)
        }
    }

    /// A new name for a binding, checked to be an identifier.
    public func newName(_ placeholder: Placeholder) throws -> String? {
        guard let expression = invocation.positionals[placeholder] else { return nil }
        guard let name = expression.dottedName else {
            throw LanguageError.semantic(
                "expected a name, found \(expression.kindDescription)", at: expression.range,
                hint: "names are letters, digits and _ (like penguins or train_2)")
        }
        return name
    }

    /// Column names from a positional argument, each checked against `frame`.
    public func columns(_ placeholder: Placeholder, in frame: DataFrame) throws -> [String] {
        try columns(from: invocation.positionals[placeholder], in: frame)
    }

    /// Column names from an option, each checked against `frame`.
    public func columns(_ option: String, in frame: DataFrame) throws -> [String] {
        try columns(from: invocation.options[option]?.value, in: frame)
    }

    /// One column name from a positional argument, checked against `frame`; nil if not given.
    public func column(_ placeholder: Placeholder, in frame: DataFrame) throws -> String? {
        try invocation.positionals[placeholder].map { try column(from: $0, in: frame) }
    }

    /// One column name from an option, checked against `frame`; nil if not given.
    public func column(_ option: String, in frame: DataFrame) throws -> String? {
        try invocation.options[option].map { try column(from: $0.value, in: frame) }
    }

    private func columns(from expression: Expression?, in frame: DataFrame) throws -> [String] {
        guard let expression else { return [] }
        let items: [Expression]
        if case .list(let elements, _) = expression { items = elements } else { items = [expression] }
        return try items.map { try column(from: $0, in: frame) }
    }

    private func column(from expression: Expression, in frame: DataFrame) throws -> String {
        let name: String
        switch expression {
        case .string(let s, _): name = s
        case .name(let parts, _): name = parts.joined(separator: ".")
        default:
            throw LanguageError.semantic(
                "expected a column name, found \(expression.kindDescription)", at: expression.range, hint: nil)
        }
        guard frame.column(named: name) != nil else {
            throw LanguageError.unknownName(
                kind: "column", name: name, at: expression.range,
                suggestion: closestMatch(name, among: frame.columnNames),
                hint: "columns: " + frame.columnNames.prefix(12).joined(separator: ", ")
                    + (frame.columnCount > 12 ? ", …" : ""))
        }
        return name
    }

    private func require(_ placeholder: Placeholder) throws -> Expression {
        guard let e = invocation.positionals[placeholder] else {
            throw LanguageError.missingArgument(
                placeholder.label, command: invocation.signature.name, usage: invocation.signature.usage,
                at: invocation.statement.verbRange)
        }
        return e
    }
}
