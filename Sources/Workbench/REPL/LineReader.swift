import CEditLine
import Foundation

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

/// The completion callback libedit calls; a C function pointer cannot capture, so it reads the
/// provider from here. Only the REPL thread touches it.
nonisolated(unsafe) private var activeCompleter: ((String, Int) -> Completion.Result)?

/// libedit's readline with history, Ctrl-R and tab completion.
public struct EditLineReader: LineReader {
    private var history: CommandHistory

    public init(historyPath: String?, completer: @escaping (String, Int) -> Completion.Result) {
        history = CommandHistory(path: historyPath)
        activeCompleter = completer
        wb_set_readline_name("workbench")
        // Completion and word boundaries follow the command language, not file names.
        wb_use_word_break_characters()
        wb_set_completion(editLineComplete)
        using_history()
        for entry in history.entries { add_history(entry) }
    }

    public var isInteractive: Bool { true }

    public mutating func readLine(prompt: String) -> String? {
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    public mutating func remember(_ line: String) {
        if history.add(line) {
            // Keep libedit's list in step with the deduplicated one.
            clear_history()
            for entry in history.entries { add_history(entry) }
        }
    }
}

/// libedit's attempted-completion hook: returns a malloc'ed, NULL-terminated array whose first
/// element is the common prefix that replaces the word, as readline expects.
private func editLineComplete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    wb_set_completion_over(1)
    guard let completer = activeCompleter, let buffer = wb_line_buffer() else { return nil }
    let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: strlen(buffer)))
    let point = min(Int(wb_point()), bytes.count)
    let line = String(decoding: bytes, as: UTF8.self)
    let cursor = String(decoding: bytes[..<point], as: UTF8.self).count
    let result = completer(line, cursor)
    guard !result.candidates.isEmpty else { return nil }
    // A single candidate gets a trailing space unless it opens something (path folder, option=).
    if result.candidates.count == 1, let only = result.candidates.first {
        wb_set_append_character(only.hasSuffix("/") || only.hasSuffix("=") ? 0 : 32)
    } else {
        wb_set_append_character(32)
    }
    let common = commonPrefix(result.candidates)
    // libedit frees the array and its strings with free(), so both come from malloc.
    let size = MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (result.candidates.count + 2)
    guard let raw = malloc(size) else { return nil }
    let list = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: result.candidates.count + 2)
    list[0] = strdup(result.candidates.count == 1 ? result.candidates[0] : common)
    for (i, c) in result.candidates.enumerated() { list[i + 1] = strdup(c) }
    list[result.candidates.count + 1] = nil
    return list
}

private func commonPrefix(_ words: [String]) -> String {
    guard var prefix = words.first else { return "" }
    for w in words.dropFirst() {
        while !w.hasPrefix(prefix) { prefix.removeLast() }
    }
    return prefix
}
