import CEditLine
import Foundation

/// What Tab offers for the word before the cursor: it starts at character `start` of the line,
/// and `candidates` may replace it. The line editor knows no language; its owner computes this.
public struct LineCompletion: Equatable, Sendable {
    public var start: Int
    public var candidates: [String]

    public init(start: Int, candidates: [String]) {
        self.start = start
        self.candidates = candidates
    }
}

/// Where the REPL's lines come from: libedit on a terminal, plain lines from a pipe or file.
public protocol LineReader {
    /// The next line, or nil at end of input (Ctrl-D).
    mutating func readLine(prompt: String) -> String?
    /// Remembers a line for Up / Ctrl-R.
    mutating func remember(_ line: String)
    /// Whether prompts and typed text are visible (a terminal) — if not, the REPL echoes commands.
    var isInteractive: Bool { get }
}

/// Lines from standard input without editing: for pipes, files and `</dev/null`.
public struct PlainLineReader: LineReader {
    public init() {}
    public var isInteractive: Bool { false }
    public mutating func readLine(prompt: String) -> String? { Swift.readLine(strippingNewline: true) }
    public mutating func remember(_ line: String) {}
}

/// The lines of a text, such as a script, without editing.
public struct TextLineReader: LineReader {
    private var lines: [Substring]
    private var next = 0

    /// Lines end at `\n` or `\r\n` (as the interpreter splits every text); a lone `\r` stays in its line.
    public init(_ text: String) {
        lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }
    public var isInteractive: Bool { false }

    public mutating func readLine(prompt: String) -> String? {
        guard next < lines.count else { return nil }
        defer { next += 1 }
        return String(lines[next])
    }

    public mutating func remember(_ line: String) {}
}

/// The completion provider libedit's Tab binding calls; a C function pointer cannot capture, so
/// it is reached from here. Only the REPL thread touches it.
nonisolated(unsafe) private var activeCompleter: ((String, Int) -> LineCompletion)?

/// libedit line editing: emacs keys, history (Up, Ctrl-R), tab completion.
public struct EditLineReader: LineReader {
    private var history: CommandHistory
    private let wasInterrupted: () -> Bool

    /// - Parameters:
    ///   - history: the lines Up and Ctrl-R recall, kept as its file says.
    ///   - wasInterrupted: whether Ctrl-C ended the last read (the caller's SIGINT handler sets it):
    ///     an interrupted read is an empty line, not the end of input.
    ///   - completer: what Tab offers, for the line and the cursor's character offset.
    public init?(
        history: CommandHistory, wasInterrupted: @escaping () -> Bool,
        completer: @escaping (String, Int) -> LineCompletion
    ) {
        guard wb_open("workbench", editLineComplete) == 0 else { return nil }
        self.history = history
        self.wasInterrupted = wasInterrupted
        activeCompleter = completer
        for entry in history.entries { wb_history_add(entry) }
    }

    public var isInteractive: Bool { true }

    public mutating func readLine(prompt: String) -> String? {
        wb_set_prompt(prompt)
        var count: Int32 = 0
        guard let raw = wb_gets(&count) else {
            // An interrupted read (Ctrl-C) is an empty line, not the end of the session.
            return wasInterrupted() ? "" : nil
        }
        guard count > 0 else { return nil }
        var line = String(cString: raw)
        while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
        return line
    }

    public mutating func remember(_ line: String) {
        if history.add(line) {
            // Keep libedit's list in step with the deduplicated one.
            wb_history_clear()
            for entry in history.entries { wb_history_add(entry) }
        }
    }
}

/// Tab: completes the word before the cursor in place, or lists the choices.
private func editLineComplete(_ editor: OpaquePointer?, _ key: Int32) -> UInt8 {
    guard let editor, let completer = activeCompleter else { return wb_cc_error() }
    var length: Int32 = 0, cursorBytes: Int32 = 0
    guard let buffer = wb_line(editor, &length, &cursorBytes) else { return wb_cc_error() }
    let bytes = Array(
        UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: Int(length)))
    let line = String(decoding: bytes, as: UTF8.self)
    let cursor = String(decoding: bytes[..<min(Int(cursorBytes), bytes.count)], as: UTF8.self).count
    let result = completer(line, cursor)
    guard !result.candidates.isEmpty else { return wb_cc_error() }
    let typed = cursor - result.start
    let common = commonPrefix(result.candidates)
    let replacement: String
    if result.candidates.count == 1, let only = result.candidates.first {
        // A finished word gets a space; a folder or `option=` keeps the cursor inside.
        replacement = only.hasSuffix("/") || only.hasSuffix("=") || only.hasSuffix("\"") ? only : only + " "
    } else if common.count > typed {
        replacement = common
    } else {
        // Nothing to add: show the choices under the line, then redraw it.
        print("")
        print(columns(result.candidates))
        return wb_cc_redisplay()
    }
    wb_delete_before_cursor(editor, Int32(typed))
    _ = wb_insert(editor, replacement)
    return wb_cc_refresh()
}

private func columns(_ words: [String]) -> String {
    let width = (words.map(\.count).max() ?? 0) + 2
    let perLine = max(1, 80 / width)
    return stride(from: 0, to: words.count, by: perLine).map { i in
        words[i..<min(i + perLine, words.count)].map { $0 + String(repeating: " ", count: width - $0.count) }.joined()
            .trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n")
}

private func commonPrefix(_ words: [String]) -> String {
    guard var prefix = words.first else { return "" }
    for w in words.dropFirst() {
        while !w.hasPrefix(prefix) { prefix.removeLast() }
    }
    return prefix
}
