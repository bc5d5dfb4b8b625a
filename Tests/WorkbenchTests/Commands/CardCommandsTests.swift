import Foundation
import Testing
import TestSupport
@testable import Workbench

/// `note` and `card` (Commands/CardCommands.swift), on a table small enough to check by hand.
///
/// tiny.csv has 8 rows; `species` is yes in rows 1, 2, 4, 7, 8 and no in rows 3, 5, 6, so the
/// baseline (class shares, majority label) predicts yes for every row:
///   training accuracy  = 5/8 = 0.625
///   balanced accuracy  = (recall yes 5/5 + recall no 0/3) / 2 = 0.500
///   log loss           = -(5·ln 0.625 + 3·ln 0.375) / 8 = (5·0.4700 + 3·0.9808) / 8 = 0.662
///   island A = rows 1, 2, 3, 8 (yes, yes, no, yes): accuracy 3/4 = 0.750
///   island B = rows 4, 5, 6, 7 (yes, no, no, yes): accuracy 2/4 = 0.500
@Suite("card and note commands")
struct CardCommandsTests {
    static let tiny = """
        x,island,species
        1,A,yes
        2,A,yes
        3,A,no
        4,B,yes
        5,B,no
        6,B,no
        7,B,yes
        8,A,yes

        """

    /// A session in a fresh folder holding tiny.csv, with `m = train baseline` on it.
    private func trainedSession() throws -> (Session, String) {
        let folder = try temporaryFolder()
        try Data(Self.tiny.utf8).write(to: URL(fileURLWithPath: folder + "/tiny.csv"))
        let session = makeSession(in: folder)
        for line in [#"load "tiny.csv""#, "m = train baseline on tiny target=species"] {
            let cell = try #require(session.execute(line))
            try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
        }
        return (session, folder)
    }

    private func lines(_ cell: Cell?) throws -> [String] {
        let cell = try #require(cell)
        try #require(cell.succeeded, "\(cell.output.plainText)")
        return cell.output.plainText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func cardDescribesTheModelAndItsData() throws {
        let (session, folder) = try trainedSession()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let card = try lines(run(session, "card m"))
        #expect(card.first == "# Model card: m")
        // No purpose yet: the card says how to state one.
        #expect(card.contains("_Not stated. Set it with `note m \"what it is for and who should use it\"`._"))
        #expect(card.contains("- Predicts **species** (classification): no, yes"))
        #expect(card.contains("- Algorithm: `baseline`; hyperparameters: `class_weight=none`"))
        #expect(card.contains("- Seed: 42"))
        #expect(card.contains("- Dataset `tiny`, 8 rows, 2 input columns"))
        #expect(card.contains("- Target distribution: yes 5, no 3"))
        #expect(card.contains("| x | number | 0.0% | 1 to 8 |"))
        #expect(card.contains("| island | text | 0.0% | A, B |"))
        #expect(card.contains("- Training accuracy: 0.625 (on the rows it learned from: optimistic)"))
        #expect(card.contains("- Training balanced acc: 0.500 (on the rows it learned from: optimistic)"))
        #expect(card.contains("- Training log loss: 0.662 (on the rows it learned from: optimistic)"))
        // Both classes are under 30 rows, and 8 rows is a small sample.
        #expect(card.contains("- Class 'yes' has only 5 training rows: its predictions are less reliable."))
        #expect(card.contains("- Class 'no' has only 3 training rows: its predictions are less reliable."))
        #expect(card.contains("- Trained on 8 rows: a small sample; validate on fresh data before relying on it."))
        #expect(card.contains("- Session not recorded"))
    }

    @Test func noteBecomesThePurpose() throws {
        let (session, folder) = try trainedSession()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try lines(run(session, #"note m "Sorts tiny rows, for tests only.""#)) == ["noted on m's card"])
        let card = try lines(run(session, "card m"))
        let purpose = try #require(card.firstIndex(of: "## Purpose"))
        #expect(card[purpose + 2] == "Sorts tiny rows, for tests only.")
        #expect(!card.contains { $0.hasPrefix("_Not stated.") })
    }

    @Test func slicesGiveTheMainMetricPerValue() throws {
        let (session, folder) = try trainedSession()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let card = try lines(run(session, "card m slices=island"))
        let section = try #require(card.firstIndex(of: "## Metrics by island"))
        #expect(
            Array(card[section...].prefix(8)) == [
                "## Metrics by island",
                "",
                "Measured on tiny (training data).",
                "",
                "| island | rows | accuracy |",
                "|---|---|---|",
                "| A | 4 | 0.750 |",
                "| B | 4 | 0.500 |",
            ])
    }

    @Test func slicesOnOtherData() throws {
        let (session, folder) = try trainedSession()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Rows 5–8 only: island B = rows 5, 6, 7 (no, no, yes): 1/3 = 0.333; island A = row 8 (yes): 1.000.
        try Data((["x,island,species"] + Self.tiny.split(separator: "\n").suffix(4)).joined(separator: "\n").utf8)
            .write(to: URL(fileURLWithPath: folder + "/later.csv"))
        try #require(run(session, #"load "later.csv""#)?.succeeded == true)
        let card = try lines(run(session, "card m on later slices=island"))
        let section = try #require(card.firstIndex(of: "## Metrics by island"))
        #expect(
            Array(card[section...].prefix(8)) == [
                "## Metrics by island",
                "",
                "Measured on later.",
                "",
                "| island | rows | accuracy |",
                "|---|---|---|",
                "| A | 1 | 1.000 |",
                "| B | 3 | 0.333 |",
            ])
    }

    @Test func cardToAFileWritesPlainMarkdownAndKeepsAnExistingFile() throws {
        let (session, folder) = try trainedSession()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let printed = try #require(run(session, "card m")).output.plainText
        // A folder that does not exist is not created.
        let noFolder = try #require(run(session, #"card m to "cards/m.md""#))
        #expect(!noFolder.succeeded)
        #expect(
            noFolder.output.plainText
                == "error: no folder cards to write m.md into\nhint: create it first, or choose an existing folder")
        try FileManager.default.createDirectory(atPath: folder + "/cards", withIntermediateDirectories: false)
        #expect(try lines(run(session, #"card m to "cards/m.md""#)) == ["wrote the model card of m to cards/m.md"])
        let written = try String(contentsOfFile: folder + "/cards/m.md", encoding: .utf8)
        // The file is the printed card, but for the session line's cell number.
        let writtenLines = written.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let printedLines = printed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            writtenLines.filter { !$0.hasPrefix("- Session") } == printedLines.filter { !$0.hasPrefix("- Session") })
        #expect(!written.contains(Output.volatileStart))

        let again = try #require(run(session, #"card m to "cards/m.md""#))
        #expect(!again.succeeded, "an existing card is not replaced without overwrite=yes")
        #expect(try String(contentsOfFile: folder + "/cards/m.md", encoding: .utf8) == written)
        #expect(
            try lines(run(session, #"card m to "cards/m.md" overwrite=yes"#)) == [
                "wrote the model card of m to cards/m.md"
            ])
    }

    @Test func cardOfSomethingThatIsNotAModelIsAUserError() throws {
        let (session, folder) = try trainedSession()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cell = try #require(run(session, "card tiny"))
        #expect(!cell.succeeded)
        #expect(cell.output.plainText.hasPrefix("error: "), "\(cell.output.plainText)")
        let unknown = try #require(run(session, "note nothing \"x\""))
        #expect(!unknown.succeeded)
    }
}
