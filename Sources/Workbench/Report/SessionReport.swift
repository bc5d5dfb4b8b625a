import Foundation

/// What a report shows: a session's cells in order and the model cards of its models. Built from
/// a live session (`report` in the REPL) or from a transcript replayed in a fresh session
/// (`workbench report FILE`), so charts are regained from data rather than stored in transcripts.
public struct SessionReport: Sendable {
    /// A model card: the model's name and its Markdown.
    public struct Card: Sendable {
        public var name: String
        public var markdown: String
    }

    public var title: String
    /// Where the session came from, for the report's header.
    public var source: String
    public var cells: [Cell]
    public var cards: [Card]
    /// Things the reader should know (cells whose replay differed from the recording).
    public var notes: [String]

    public init(title: String, source: String, cells: [Cell], cards: [Card], notes: [String] = []) {
        self.title = title
        self.source = source
        self.cells = cells
        self.cards = cards
        self.notes = notes
    }

    /// The report of `session` so far, with a card for every model bound in it.
    public init(session: Session, title: String, source: String, notes: [String] = []) {
        var cards: [Card] = []
        for name in session.boundNames {
            guard case .model(let model)? = session.lookup(name) else { continue }
            cards.append(
                Card(
                    name: name,
                    markdown: ModelCard.markdown(
                        name: name, model: model, sessionFile: session.transcriptPath, cell: nil)))
        }
        self.init(title: title, source: source, cells: session.cells, cards: cards, notes: notes)
    }

    /// Replays the transcript at `path` in a fresh session with a temporary home (so the run
    /// registry and tutorial progress of the user are untouched) and reports that session.
    public static func replaying(transcriptAt path: String) throws -> SessionReport {
        let transcript = try Transcript.read(path: path)
        let replayer = Replayer(transcript: transcript, transcriptPath: path)
        let home = NSTemporaryDirectory() + "workbench-report-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        // What the cells write goes to a sandbox: a report never re-creates a session's files.
        let sandbox = try WriteSandbox.temporary()
        defer { sandbox.remove() }
        let session = Session(
            environment: SessionEnvironment(
                workingDirectory: replayer.workingDirectory, home: home, width: transcript.width), sandbox: sandbox)
        defer { session.servers.stopAll() }
        session.transcriptPath = path
        var differing: [Int] = []
        let result = replayer.run(update: true, into: session) { cell, matched in
            if !matched { differing.append(cell.number) }
        }
        var notes = result.changedData + result.notReproduced
        if let changed = transcript.integrityProblem {
            notes.append("the transcript was changed after it was recorded: " + changed)
        }
        if !differing.isEmpty {
            notes.append(
                "cell\(differing.count == 1 ? "" : "s") " + differing.map(String.init).joined(separator: ", ")
                    + " printed something else than when recorded; this report shows the replayed output")
        }
        let name = (path as NSString).lastPathComponent
        return SessionReport(
            session: session, title: "Workbench session \(name)", source: "replayed from \(name)", notes: notes)
    }

    /// What a report of `session` says, as text with volatile spans marked, for its `@wrote`
    /// digest (`WrittenFile`): its format, each cell's command and output as the transcript shows
    /// them, and the model cards. Not the page's markup, nor where the session was recorded (a
    /// replay runs elsewhere), nor the times a card or a cell shows: a report is recorded by what
    /// it tells, which a replay must tell again.
    static func stableText(of session: Session, format: ReportWriter.Format) -> String {
        var lines = ["report (\(format.rawValue))"]
        for cell in session.cells {
            lines.append("[\(cell.number)]> \(cell.command)")
            lines += cell.output.transcriptLines.map { "| " + $0 }
        }
        for name in session.boundNames {
            guard case .model(let model)? = session.lookup(name) else { continue }
            lines.append("card \(name)")
            lines.append(
                ModelCard.markdown(
                    name: name, model: model, sessionFile: session.transcriptPath, cell: nil, markVolatile: true))
        }
        return lines.joined(separator: "\n")
    }

    /// A stable id for the `index`th chart of a cell (HTML element ids, SVG file names).
    static func chartID(cell: Int, index: Int) -> String { "cell-\(cell)-chart-\(index)" }
}
