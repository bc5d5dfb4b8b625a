import Foundation
import Testing
import TestSupport
@testable import Workbench

/// A transcript that was cut, extended, reordered or edited after recording is found, with the
/// cell named (issue 23, item 5): every golden transcript, every kind of change.
@Suite("Transcripts: changes after recording are detected")
struct TranscriptTamperTests {
    /// A transcript's lines, and where each cell's block (its command line up to the next) starts.
    private struct Blocks {
        var header: [String]
        var cells: [[String]]

        init(_ text: String) {
            var header: [String] = []
            var cells: [[String]] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if line.hasPrefix("["), line.contains("]> ") {
                    cells.append([line])
                } else if cells.isEmpty {
                    header.append(line)
                } else {
                    cells[cells.count - 1].append(line)
                }
            }
            self.header = header
            self.cells = cells
        }

        var text: String { (header + cells.flatMap { $0 }).joined(separator: "\n") }

        /// The same cells renumbered 1, 2, 3, … (a careful forger's cut).
        mutating func renumber() {
            for index in cells.indices {
                let line = cells[index][0]
                guard let close = line.firstIndex(of: "]") else { continue }
                cells[index][0] = "[\(index + 1)" + line[close...]
            }
        }
    }

    private static func golden(_ file: String) throws -> String {
        try String(contentsOfFile: repositoryRoot + "/sessions/" + file, encoding: .utf8)
    }

    private static func problem(_ text: String) throws -> String? {
        try Transcript.parse(text, path: "t.wbt").integrityProblem
    }

    @Test(arguments: GoldenTranscriptTests.files)
    func goldenTranscriptsAreIntactAndChained(file: String) throws {
        let transcript = try Transcript.parse(try Self.golden(file), path: file)
        #expect(transcript.integrityProblem == nil)
        #expect(transcript.entries.allSatisfy { $0.chain != nil }, "re-record \(file) with WORKBENCH_RECORD=1")
    }

    @Test(arguments: GoldenTranscriptTests.files)
    func oneChangedOutputCharacterIsFound(file: String) throws {
        var blocks = Blocks(try Self.golden(file))
        // The first output letter outside a volatile span, in the first cell that has one.
        var changedCell: Int?
        search: for cell in blocks.cells.indices {
            for line in blocks.cells[cell].indices where blocks.cells[cell][line].hasPrefix("| ") {
                let text = blocks.cells[cell][line]
                var inVolatile = false
                var characters = Array(text)
                for i in characters.indices.dropFirst(2) {
                    if characters[i] == "{", i + 1 < characters.count, characters[i + 1] == "{" { inVolatile = true }
                    if characters[i] == "}", i > 0, characters[i - 1] == "}" {
                        inVolatile = false
                        continue
                    }
                    if !inVolatile, characters[i].isLetter {
                        characters[i] = characters[i] == "x" ? "y" : "x"
                        blocks.cells[cell][line] = String(characters)
                        changedCell = cell + 1
                        break search
                    }
                }
            }
        }
        let number = try #require(changedCell)
        let found = try #require(try Self.problem(blocks.text))
        #expect(found.hasPrefix("cell [\(number)]"), "\(found)")
    }

    @Test(arguments: GoldenTranscriptTests.files)
    func aRemovedCellIsFoundEvenWhenTheRestIsRenumbered(file: String) throws {
        var blocks = Blocks(try Self.golden(file))
        try #require(blocks.cells.count >= 3)
        blocks.cells.remove(at: 1)
        #expect(try Self.problem(blocks.text)?.hasPrefix("cell [2] is missing") == true)
        blocks.renumber()
        #expect(try Self.problem(blocks.text)?.hasPrefix("cell [2]") == true)
    }

    @Test(arguments: GoldenTranscriptTests.files)
    func anInsertedCellIsFound(file: String) throws {
        var blocks = Blocks(try Self.golden(file))
        try #require(blocks.cells.count >= 2)
        blocks.cells.insert(blocks.cells[0], at: 1)
        #expect(try Self.problem(blocks.text)?.hasPrefix("cell [1]") == true)
        blocks.renumber()
        #expect(try Self.problem(blocks.text)?.hasPrefix("cell [2]") == true)
    }

    @Test(arguments: GoldenTranscriptTests.files)
    func swappedCellsAreFound(file: String) throws {
        var blocks = Blocks(try Self.golden(file))
        try #require(blocks.cells.count >= 3)
        blocks.cells.swapAt(1, 2)
        let swapped = try Self.problem(blocks.text)
        #expect(swapped?.hasPrefix("cell [2]") == true)
        // Said as a move, not as a removal: cell [2] is still there, after cell [3].
        #expect(
            swapped?.contains("comes after cell [3]") == true && swapped?.hasSuffix("cells were moved") == true,
            "\(swapped ?? "")")
        blocks.renumber()
        #expect(try Self.problem(blocks.text)?.hasPrefix("cell [2]") == true)
    }

    @Test func aHandWrittenTranscriptWithoutDigestsIsCheckedForItsNumbering() throws {
        let text = "# workbench transcript 1\n[1]> ls\n| nothing\n\n[3]> ls\n"
        #expect(
            try Self.problem(text) == "cell [2] is missing: the cells go from [1] to [3] (line 5); a cell was removed")
        #expect(try Self.problem("# workbench transcript 1\n[1]> ls\n[2]> ls\n") == nil)
    }

    @Test(arguments: GoldenTranscriptTests.files)
    func oneChangedByteOfADataFileIsFound(file: String) throws {
        let transcript = try Transcript.parse(try Self.golden(file), path: file)
        guard let first = transcript.entries.first(where: { !$0.dataFiles.isEmpty }), let data = first.dataFiles.first
        else { return }
        // A scratch layout with a real copy of examples/, one byte of the file changed.
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/sessions", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: exampleData, toPath: root + "/examples")
        let replayer = Replayer(transcript: transcript, transcriptPath: root + "/sessions/" + file)
        let path = root + "/" + data.path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let middle = bytes.count / 2
        bytes[middle] = bytes[middle] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try bytes.write(to: URL(fileURLWithPath: path))
        let notes = replayer.changedDataFiles()
        #expect(
            notes.contains {
                $0.hasPrefix("data file \(data.path) changed since recording (read in cell [\(first.number)])")
            }, "\(notes)")
    }
}
