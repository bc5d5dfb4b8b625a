import Foundation
import LineEditing
import Testing

@Suite("Line editing without a terminal")
struct LineEditingTests {
    @Test func aTextIsReadLineByLine() {
        var reader = TextLineReader("load \"a.csv\"\r\n\n# note\ndescribe a\rstill one line")
        var lines: [String] = []
        while let line = reader.readLine(prompt: "[1]> ") { lines.append(line) }
        #expect(lines == ["load \"a.csv\"", "", "# note", "describe a\rstill one line"])
        #expect(!reader.isInteractive)
        #expect(reader.readLine(prompt: "") == nil)
    }

    @Test func historyIsDeduplicatedCappedCleanedAndPrivate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/history"
        let mask: @Sendable (String) -> String = { $0.replacingOccurrences(of: "secret", with: "***") }
        var history = CommandHistory(path: path, limit: 3, clean: mask)
        // add says whether the line became a new entry.
        let added = [
            "  load \"a.csv\"  ", "load \"a.csv\"", "login secret", "describe a", "load \"a.csv\"", "show a",
            "two\nlines", "   ",
        ].map { history.add($0) }
        // The same command again is not a new entry; a repeated one moves to the end; a line with a
        // line break and a blank one are not kept.
        #expect(added == [true, false, true, true, true, true, false, false])
        #expect(history.entries == ["describe a", "load \"a.csv\"", "show a"])
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(CommandHistory(path: path).entries == history.entries)
        var cleaned = CommandHistory(path: nil, clean: mask)
        cleaned.add("login secret")
        #expect(cleaned.entries == ["login ***"])
    }
}
