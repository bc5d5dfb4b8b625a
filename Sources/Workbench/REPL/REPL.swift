import Foundation
public import LineEditing

/// Read → evaluate → print, one cell per line, until Ctrl-D or `quit`: the interactive REPL over
/// libedit, a piped one over plain lines, and `workbench run` over a script's lines.
public struct REPL {
    public var session: Session
    public var reader: any LineReader
    /// Where each cell is printed.
    public var write: (String) -> Void

    public init(session: Session, reader: any LineReader, write: @escaping (String) -> Void = { Swift.print($0) }) {
        self.session = session
        self.reader = reader
        self.write = write
    }

    /// Runs until end of input; returns the number of failed cells.
    public mutating func run() -> Int {
        while !session.quitRequested {
            let prompt = "[\(session.nextCellNumber)]> "
            interruptFlag.clear()
            guard let line = reader.readLine(prompt: prompt) else { break }
            if interruptFlag.isSet && reader.isInteractive {
                // Ctrl-C while typing: drop the line, keep the session.
                write("^C")
                continue
            }
            reader.remember(line)
            guard let cell = session.execute(line) else { continue }
            if session.progressHandler != nil { clearProgressLine() }
            // Typed lines are on the screen already; others are shown as the cell recorded them
            // (trimmed, any database password masked).
            if !reader.isInteractive { write("[\(cell.number)]> \(cell.command)") }
            if !cell.output.isEmpty { write(session.display(cell.output)) }
        }
        return session.failureCount
    }
}

/// Erases a progress line left on stderr.
private func clearProgressLine() {
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
}
