import Foundation
import Testing
import CommandLanguage
import TestSupport
@testable import Workbench

/// Every command in the table is tested: by a test file named after its handler
/// (`Tests/<Target>/Commands/<Handler>Tests.swift` that runs it) or by a golden transcript in
/// `sessions/`. A new command = a handler file + a table entry + its tests; this is what says so.
@Suite("Every command has a test file or a golden transcript")
struct CommandCoverageTests {
    /// The source file declaring each command's spec (`CommandSpec(` then `"NAME"`), by command name.
    static let handlers: [String: String] = {
        var found: [String: String] = [:]
        let sources = repositoryRoot + "/Sources"
        let files = FileManager.default.enumerator(atPath: sources)?.compactMap { $0 as? String } ?? []
        let declaration = /CommandSpec\(\s*"([a-z_]+)"/
        for file in files where file.hasSuffix(".swift") {
            guard let text = try? String(contentsOfFile: sources + "/" + file, encoding: .utf8) else { continue }
            for match in text.matches(of: declaration) {
                found[String(match.1)] = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            }
        }
        return found
    }()

    /// Test files in a `Commands/` folder of any test target: path by file name without `.swift`.
    static let commandTestFiles: [String: String] = {
        var found: [String: String] = [:]
        let tests = repositoryRoot + "/Tests"
        for target in (try? FileManager.default.contentsOfDirectory(atPath: tests)) ?? [] {
            let folder = tests + "/" + target + "/Commands"
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where file.hasSuffix(".swift") {
                found[(file as NSString).deletingPathExtension] = folder + "/" + file
            }
        }
        return found
    }()

    /// The verbs the golden transcripts run.
    static func goldenVerbs() throws -> Set<String> {
        var verbs = Set<String>()
        let files = try FileManager.default.contentsOfDirectory(atPath: goldenTranscriptFolder).filter {
            $0.hasSuffix(".wbt")
        }
        for file in files {
            for entry in try Transcript.read(path: goldenTranscriptFolder + "/" + file).entries {
                if let statement = try? CommandTable.parse(entry.command) { verbs.insert(statement.verb) }
            }
        }
        return verbs
    }

    /// Whether `text` runs `command` in a command line: `"card m`, `#"m = card m`, `"servers"`.
    static func runs(_ command: String, in text: String) -> Bool {
        text.contains(try! Regex(#""(?:[A-Za-z_][A-Za-z0-9_., ]* = )?"# + command + #"(?:[ "\\]|$)"#))
    }

    @Test func everyCommandHasItsHandlerFound() {
        let unfound = CommandTable.names.filter { Self.handlers[$0] == nil }
        #expect(
            unfound.isEmpty, "no `CommandSpec(\"NAME\"` found under Sources/ for: \(unfound.joined(separator: ", "))")
    }

    /// The text of the test file named after `handler` (`<Handler>Tests.swift` in a `Commands/` folder), or "".
    static func testFileText(handler: String) -> String {
        Self.commandTestFiles[handler + "Tests"].flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
    }

    /// The commands neither run by a golden transcript nor by their handler's test file, each with what to add.
    static func uncovered(goldenVerbs: Set<String>, testFileText: (String) -> String = testFileText(handler:))
        -> [String]
    {
        CommandTable.names.filter { command in
            !goldenVerbs.contains(command) && !runs(command, in: testFileText(handlers[command] ?? "?"))
        }.map { command in
            let handler = handlers[command] ?? "?"
            return
                "\(command) (handler \(handler).swift: add Tests/WorkbenchTests/Commands/\(handler)Tests.swift running it, or a cell in sessions/every-command.wbt)"
        }
    }

    @Test func everyCommandHasATestFileOrAGoldenTranscript() throws {
        let missing = Self.uncovered(goldenVerbs: try Self.goldenVerbs())
        #expect(
            missing.isEmpty,
            "commands with neither a test file nor a golden transcript:\n\(missing.joined(separator: "\n"))")
    }

    /// Without the goldens, the commands with a test file of their own are still covered, and a
    /// command with neither is reported by name.
    @Test func aCommandInNeitherPlaceIsReportedByName() {
        let withoutGoldens = Self.uncovered(goldenVerbs: [])
        for command in ["note", "card", "plot", "open", "cache", "validate", "serve", "servers", "stop", "monitor"] {
            #expect(!withoutGoldens.contains { $0.hasPrefix(command + " (") }, "\(command) has a test file of its own")
        }
        let nothing = Self.uncovered(goldenVerbs: [], testFileText: { _ in "" })
        #expect(nothing.count == CommandTable.names.count)
        #expect(
            nothing.contains(
                "card (handler CardCommands.swift: add Tests/WorkbenchTests/Commands/CardCommandsTests.swift running it, or a cell in sessions/every-command.wbt)"
            ))
    }

    @Test func everyCommandTestFileIsNamedAfterAHandler() {
        let handlerFiles = Set(Self.handlers.values)
        let strays = Self.commandTestFiles.keys.filter { name in
            !(name.hasSuffix("Tests") && handlerFiles.contains(String(name.dropLast("Tests".count))))
        }.sorted()
        #expect(
            strays.isEmpty,
            "files in a Commands/ test folder named after no handler: \(strays.joined(separator: ", ")) (expected <Handler>Tests.swift for one of \(handlerFiles.sorted().joined(separator: ", ")))"
        )
    }

    /// A command line in a string counts; the word in prose or inside another word does not.
    @Test func commandLinesAreRecognised() {
        #expect(Self.runs("card", in: #"run(session, "card m slices=island")"#))
        #expect(Self.runs("card", in: ##"run(session, #"m2 = card m to "x""#)"##))
        #expect(Self.runs("servers", in: #"session.execute("servers")"#))
        #expect(!Self.runs("card", in: "/// the model card of m"))
        #expect(!Self.runs("stop", in: #"run(session, "stopwatch")"#))
    }
}
