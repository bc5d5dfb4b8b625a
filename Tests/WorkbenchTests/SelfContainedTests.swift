import Foundation
import Tabular
import Testing
import TestSupport
@testable import Workbench
import WorkbenchResources
import CommandLanguage

/// The repository needs nothing beside it, and the binary needs nothing but itself: example data
/// and lessons are built in, and what the README shows is what the program does.
@Suite("Self-contained: built-in files, no outside paths, README")
struct SelfContainedTests {
    // MARK: Built-in files

    @Test(arguments: ["examples", "tutorials"])
    func builtinFilesAreTheFoldersFiles(folder: String) throws {
        let (suffix, builtin) = folder == "examples" ? (".csv", BuiltinFiles.examples) : (".md", BuiltinFiles.lessons)
        let names = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/" + folder)
            .filter { $0.hasSuffix(suffix) && $0.lowercased() != "readme.md" }.sorted()
        let regenerate = "run `python3 Scripts/embed-resources.py` and rebuild"
        #expect(builtin.map(\.name) == names, "the built-in \(folder) are out of date: \(regenerate)")
        for file in builtin {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/\(folder)/" + file.name))
            #expect(
                Data(file.text.utf8) == bytes, "built-in \(folder)/\(file.name) differs from the file: \(regenerate)")
        }
    }

    @Test func anExampleMissingHereIsReadFromTheBuiltinCopy() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession(in: folder)
        let cell = try #require(run(session, "load \"examples/iris.csv\""))
        #expect(cell.succeeded)
        let text = cell.output.plainText
        #expect(text.contains("note: there is no examples/iris.csv here, so this is the copy built into workbench"))
        #expect(text.contains("loaded iris: 150 rows × 5 columns"))
        // The fingerprint is the file's: the same data whichever copy was read.
        #expect(cell.dataFiles.first?.fingerprint == (try Fingerprint.ofFile(atPath: exampleData + "/iris.csv")))
    }

    @Test func aFileInTheFolderWinsOverTheBuiltinCopyAndOtherPathsDoNotFallBack() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/examples", withIntermediateDirectories: true)
        try "a,b\n1,2\n".write(toFile: folder + "/examples/iris.csv", atomically: true, encoding: .utf8)
        let session = makeSession(in: folder)
        let own = try #require(run(session, "load \"examples/iris.csv\""))
        #expect(own.output.plainText.contains("loaded iris: 1 rows × 2 columns"))
        #expect(!own.output.plainText.contains("built into workbench"))
        let elsewhere = try #require(run(session, "load \"data/iris.csv\""))
        #expect(!elsewhere.succeeded)
        #expect(elsewhere.output.plainText.contains("no such file: data/iris.csv"))
        let unknown = try #require(run(session, "load \"examples/nope.csv\""))
        #expect(!unknown.succeeded)
    }

    @Test func commandExamplesNameOnlyExamplesThatExist() throws {
        for spec in CommandTable.all {
            for example in spec.examples {
                for match in example.matches(of: /"(examples\/[^"]*)"/) {
                    #expect(
                        DataFileLocation.builtinExample(named: String(match.1)) != nil,
                        "\(spec.name)'s example \(example) names \(match.1), which is not an example file")
                }
            }
        }
    }

    // MARK: Lessons from any folder

    @Test func anEmptyFolderOffersTheSixBuiltinLessons() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let catalog = LessonLibrary.catalog(workingDirectory: folder)
        #expect(
            catalog.names == [
                "first-steps", "invoking-a-model", "reading-classification", "reading-regression", "when-not-to-trust",
                "uncertainty",
            ])
        #expect(catalog.clashes.isEmpty)
        for source in catalog.lessons { _ = try source.load() }
    }

    @Test func theCheckoutsOwnLessonsAreTheBuiltinOnesNotClashes() {
        let catalog = LessonLibrary.catalog(workingDirectory: repositoryRoot)
        #expect(catalog.names.count == 6)
        #expect(catalog.clashes.isEmpty)
    }

    @Test func userLessonsAddToTheBuiltinOnesAndAClashIsReported() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/tutorials", withIntermediateDirectories: true)
        let lesson = try String(contentsOfFile: repositoryRoot + "/tutorials/01-first-steps.md", encoding: .utf8)
        try lesson.write(toFile: folder + "/tutorials/20-my-lesson.md", atomically: true, encoding: .utf8)
        try (lesson + "\nA changed copy.\n").write(
            toFile: folder + "/tutorials/01-first-steps.md", atomically: true, encoding: .utf8)
        let catalog = LessonLibrary.catalog(workingDirectory: folder)
        #expect(
            catalog.names == [
                "first-steps", "invoking-a-model", "reading-classification", "reading-regression", "when-not-to-trust",
                "uncertainty", "my-lesson",
            ])
        #expect(
            catalog.clashes == [
                "tutorials/01-first-steps.md is also a lesson named 'first-steps' (built-in); 'tutorial start first-steps' opens the built-in one — rename the file to offer both"
            ]
                || catalog.clashes.first?.contains("01-first-steps.md is also a lesson named 'first-steps' (built-in)")
                    == true
        )
        let session = makeSession(in: folder)
        let list = try #require(run(session, "tutorial")).output.plainText
        #expect(list.contains("my-lesson"))
        #expect(list.contains("note: ") && list.contains("is also a lesson named 'first-steps'"))
    }

    @Test func theLoadStepChecksTheDataNotThePath() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession(in: folder)
        run(session, "tutorial start first-steps", "tutorial next")
        // Other data: refused, and the learner is told it is the data that differs.
        let wrong = try #require(run(session, "load \"examples/iris.csv\"")).output.plainText
        #expect(wrong.contains("✗ [load] not done yet"))
        #expect(wrong.contains("iris holds other data than examples/penguins.csv"))
        // The right rows by a path the lesson never mentions: done.
        let right = try #require(run(session, "load \"\(exampleData)/penguins.csv\" as birds")).output.plainText
        #expect(right.contains("✓ [load] done"))
    }

    @Test func theLoadStepAcceptsTheSameRowsSavedDifferently() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Windows line ends: other bytes, other file fingerprint, the same table.
        let original = try String(contentsOfFile: exampleData + "/penguins.csv", encoding: .utf8)
        try original.replacingOccurrences(of: "\n", with: "\r\n").write(
            toFile: folder + "/mine.csv", atomically: true, encoding: .utf8)
        let session = makeSession(in: folder)
        run(session, "tutorial start first-steps", "tutorial next")
        let cell = try #require(run(session, "load \"mine.csv\""))
        #expect(cell.dataFiles.first?.fingerprint != (try Fingerprint.ofFile(atPath: exampleData + "/penguins.csv")))
        #expect(cell.output.plainText.contains("✓ [load] done"), "\(cell.output.plainText)")
    }

    @Test func firstStepsCanBeCompletedFromAnEmptyFolder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession(in: folder)
        // The recorded walk through the lesson, typed in a folder with no examples/ and no tutorials/.
        let walk = try Transcript.read(path: repositoryRoot + "/sessions/tutorial-first-steps.wbt")
        for entry in walk.entries { run(session, entry.command) }
        let list = try #require(run(session, "tutorial")).output.plainText
        let row = try #require(list.split(separator: "\n").first { $0.hasPrefix("first-steps") })
        #expect(row.contains("finished"), "\(list)")
    }

    // MARK: Nothing outside the repository

    @Test func noFileInTheRepositoryRefersOutsideIt() throws {
        // Built from parts so this file does not match itself.
        let needles = ["../" + "shared", "/work/" + "shared", "/work/" + "main"]
        let skipped: Set<String> = [
            ".git", ".build", ".swiftpm", "Package.resolved", "results", ".data", ".work", "recorded", "__pycache__",
        ]
        let root = URL(fileURLWithPath: repositoryRoot)
        var offenders: [String] = []
        var scanned = 0
        let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey])
        while let url = enumerator?.nextObject() as? URL {
            let name = url.lastPathComponent
            if skipped.contains(name) || name.hasPrefix(".build") {
                enumerator?.skipDescendants()
                continue
            }
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values.isRegularFile == true, (values.fileSize ?? 0) < 8 << 20,
                let text = try? String(contentsOf: url, encoding: .utf8)
            else { continue }
            scanned += 1
            for needle in needles where text.contains(needle) {
                offenders.append("\(url.path.dropFirst(repositoryRoot.count + 1)) mentions \(needle)")
            }
        }
        #expect(scanned > 100)
        #expect(offenders.isEmpty, "files refer outside the repository:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func goldenTranscriptsReadOnlyFilesInTheRepository() throws {
        for file in GoldenTranscriptTests.files {
            let transcript = try Transcript.read(path: repositoryRoot + "/sessions/" + file)
            #expect(transcript.workdir == "..", "\(file): workdir should be the repository root")
            for entry in transcript.entries {
                for data in entry.dataFiles {
                    #expect(
                        !data.path.hasPrefix("/") && !data.path.hasPrefix(".."),
                        "\(file) cell \(entry.number) reads \(data.path)")
                    #expect(
                        FileManager.default.fileExists(atPath: repositoryRoot + "/" + data.path),
                        "\(file) reads \(data.path), which is not in the repository")
                }
            }
        }
    }
}

/// What the README shows: its short session is a golden transcript, and every shell command it
/// shows is run (or listed here with the reason it is not).
@Suite("README is checked")
struct ReadmeTests {
    static let readmePath = repositoryRoot + "/README.md"
    static let shortSession = "readme-short-session.wbt"
    static let begin = "<!-- BEGIN SHORT SESSION (generated from sessions/\(shortSession)) -->\n"
    static let end = "<!-- END SHORT SESSION -->"

    /// A transcript as a reader sees a session: prompts, commands and plain output.
    static func rendered(_ transcript: Transcript) -> String {
        var lines: [String] = ["```"]
        for entry in transcript.entries {
            lines.append("[\(entry.number)]> \(entry.command)")
            lines += entry.output.map {
                $0.replacingOccurrences(of: "{{", with: "").replacingOccurrences(of: "}}", with: "")
            }
        }
        return (lines + ["```"]).joined(separator: "\n") + "\n"
    }

    /// Set WORKBENCH_RECORD=1 to rewrite the README's block from the transcript.
    @Test func theShortSessionIsTheGoldenTranscript() throws {
        let readme = try String(contentsOfFile: Self.readmePath, encoding: .utf8)
        let start = try #require(readme.range(of: Self.begin), "README lacks the short-session markers")
        let stop = try #require(readme.range(of: Self.end, range: start.upperBound..<readme.endIndex))
        let expected = Self.rendered(try Transcript.read(path: repositoryRoot + "/sessions/" + Self.shortSession))
        if ProcessInfo.processInfo.environment["WORKBENCH_RECORD"] == "1",
            readme[start.upperBound..<stop.lowerBound] != expected
        {
            try writeFileAtomically(
                readme.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: expected), to: Self.readmePath)
            Issue.record("rewrote README's short session from sessions/\(Self.shortSession)")
            return
        }
        expectSameLines(
            String(readme[start.upperBound..<stop.lowerBound]), expected,
            "README's short session differs from sessions/\(Self.shortSession): WORKBENCH_RECORD=1 swift test --filter ReadmeTests rewrites it"
        )
    }

    /// Shell lines that are not run here, each with the reason.
    static let notRun: [(prefix: String, reason: String)] = [
        ("apt-get ", "installs system packages; .ci/run does the same"),
        ("swift build", "builds the binary these tests run; .ci/run builds the static release binary and checks it"),
        ("install ", "copies the binary to /usr/local/bin; .ci/run runs the copied binary from an empty folder"),
        ("bash .ci/run", "is the test run itself"),
        ("Benchmarks/", "benchmarks run for minutes to hours; they are run by hand"),
        ("Fuzz/", "fuzzing runs for minutes; run by hand (see Fuzz/README.md)"),
        ("python3 Scripts/embed-resources.py", "regenerates sources; the built-in files test checks they are current"),
        (
            "eval \"$(bash Tests/Postgres/cluster.sh start)\"",
            "starts the private PostgreSQL cluster; .ci/run does the same around the whole test run"
        ),
        ("bash Tests/Postgres/cluster.sh stop", "stops that cluster; .ci/run does it on exit"),
        (
            "bash Tests/ServingTests/SharedLog/run.sh",
            "three servers under wrk with the cluster stopped for 5 s; .ci/run runs it after the tests"
        ),
        ("swift test", "is the test run itself"),
    ]

    /// The lines of every ```sh block, without comments.
    static func shellLines(_ readme: String) -> [String] {
        var lines: [String] = []
        var inShell = false
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inShell = !inShell && line == "```sh"
                continue
            }
            guard inShell else { continue }
            let command =
                line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = command.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { lines.append(trimmed) }
        }
        return lines
    }

    @Test func everyShellCommandInTheReadmeRuns() async throws {
        try await offPool { try Self.runShellCommands() }
    }

    private static func runShellCommands() throws {
        let lines = shellLines(try String(contentsOfFile: readmePath, encoding: .utf8))
        #expect(lines.contains { $0.hasPrefix("workbench ") })
        // The shell commands follow the short session: replay it in place where they run, for its bundle.
        let scratch = try scratchLayout(for: shortSession)
        defer { try? FileManager.default.removeItem(atPath: scratch.root) }
        let replay = Replayer(
            transcript: try Transcript.read(path: scratch.transcript), transcriptPath: scratch.transcript
        ).run(inPlace: true)
        #expect(replay.allMatched, "\(replay.summary)")
        let binary = BuiltProducts.workbench
        var environment = ProcessInfo.processInfo.environment
        environment["WORKBENCH_HOME"] = scratch.root + "/.home"
        environment["PATH"] =
            (binary as NSString).deletingLastPathComponent + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        for line in lines {
            if notRun.contains(where: { line.hasPrefix($0.prefix) }) { continue }
            guard line.hasPrefix("workbench ") || line == "workbench" else {
                Issue.record("README shell line is neither run by this test nor listed in ReadmeTests.notRun: \(line)")
                continue
            }
            let process = try Subprocess(
                "/bin/sh", ["-c", line], in: scratch.root, environment: environment, input: "")
            let status = process.wait(timeout: 120)
            #expect(
                status == 0,
                "README command failed (exit \(status.map(String.init) ?? "timeout")): \(line)\n\(process.errorOutput)")
        }
    }
}
