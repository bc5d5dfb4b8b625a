/// What went wrong and what to do about it, as data: the libraries that raise an error say it once
/// (`UserFacingError.diagnostic`), and each front end renders it in its own syntax — the REPL
/// writes a setting as `overwrite=yes`, the shell as `--overwrite`, and an HTTP reply carries the
/// remedy as its JSON `details` (`APIError`).
public struct Diagnostic: Sendable, Equatable, ExpressibleByStringInterpolation {
    /// One sentence: what was wrong, naming where (a file, a column, a row) in its words.
    public var message: DiagnosticText
    /// What the user can do about it, when there is something specific to say.
    public var remedy: DiagnosticText?

    public init(_ message: DiagnosticText, remedy: DiagnosticText? = nil) {
        self.message = message
        self.remedy = remedy
    }

    /// A message with no remedy.
    public init(stringLiteral value: String) { self.init(DiagnosticText(stringLiteral: value)) }
    public init(stringInterpolation: DiagnosticText.StringInterpolation) {
        self.init(DiagnosticText(stringInterpolation: stringInterpolation))
    }
    /// A message built elsewhere, with no remedy.
    public init(_ message: String, remedy: DiagnosticText? = nil) {
        self.init(DiagnosticText(stringLiteral: message), remedy: remedy)
    }

    /// The message and the remedy on one line, after a semicolon (for logs that take a line each).
    public func renderedOnOneLine(_ syntax: SettingSyntax) -> String {
        message.spelled(syntax) + (remedy.map { "; " + $0.spelled(syntax) } ?? "")
    }

    /// The message, the `excerpt` lines (a command line with a caret under the mistake), then
    /// `hint: ` and the remedy on a line of its own.
    public func rendered(_ syntax: SettingSyntax, showing excerpt: [String] = []) -> String {
        ([message.spelled(syntax)] + excerpt + (remedy.map { ["hint: " + $0.spelled(syntax)] } ?? []))
            .joined(separator: "\n")
    }
}

/// An error a user sees: its `diagnostic` says it; `description` renders it in the command
/// language's syntax, which is what the interpreter shows.
public protocol UserFacingError: Error, CustomStringConvertible {
    var diagnostic: Diagnostic { get }
}

extension UserFacingError {
    public var description: String { diagnostic.rendered(.commandLanguage) }
}

/// Text of a diagnostic with the settings it names kept apart, so each front end spells them:
/// `"add \(setting: "overwrite", "yes") to replace it"`.
public struct DiagnosticText: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        case text(String)
        /// A setting the user can give, with the value to give, if any (`sep=`, `overwrite=yes`).
        case setting(name: String, value: String?)
    }

    public private(set) var parts: [Part]

    /// The parts, with neighbouring texts joined and empty ones left out, so two texts that read
    /// the same are equal however they were put together.
    public init(parts: [Part]) {
        var joined: [Part] = []
        for part in parts {
            switch (joined.last, part) {
            case (_, .text("")): continue
            case (.text(let before)?, .text(let text)): joined[joined.count - 1] = .text(before + text)
            default: joined.append(part)
            }
        }
        self.parts = joined
    }
    public init(stringLiteral value: String) { self.init(parts: [.text(value)]) }
    public init(stringInterpolation: StringInterpolation) { self.init(parts: stringInterpolation.parts) }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }
        public mutating func appendInterpolation(_ value: some Any) { parts.append(.text(String(describing: value))) }
        /// Another diagnostic text, its settings kept.
        public mutating func appendInterpolation(_ text: DiagnosticText) { parts += text.parts }
        /// A setting, spelled by the front end: `\(setting: "overwrite", "yes")`.
        public mutating func appendInterpolation(setting name: String, _ value: String? = nil) {
            parts.append(.setting(name: name, value: value))
        }
    }

    /// The text with every setting spelled in `syntax`.
    public func spelled(_ syntax: SettingSyntax) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .setting(let name, let value): syntax.spell(name, value)
            }
        }.joined()
    }

    /// In the command language's syntax.
    public var description: String { spelled(.commandLanguage) }
}

/// How a front end writes a setting the user can give.
public struct SettingSyntax: Sendable {
    public let spell: @Sendable (_ name: String, _ value: String?) -> String

    public init(spell: @escaping @Sendable (_ name: String, _ value: String?) -> String) { self.spell = spell }

    /// The REPL's `key=value`: `overwrite=yes`, or `sep=` for a setting named without a value.
    public static let commandLanguage = SettingSyntax { name, value in "\(name)=\(value ?? "")" }

    /// The shell's flags: `--overwrite` for a yes, `--sep VALUE` or `--port` otherwise (names with
    /// `_` are written with `-`, as swift-argument-parser spells them).
    public static let commandLine = SettingSyntax { name, value in
        let flag = "--" + name.replacingUnderscores()
        switch value {
        case nil, "yes"?: return flag
        case let value?: return "\(flag) \(value)"
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
