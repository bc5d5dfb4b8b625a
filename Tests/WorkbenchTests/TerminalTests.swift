import Foundation
import Testing
import TestSupport

/// Drives the real `workbench` binary in a tmux pseudo-terminal: line editing, history, completion.
@Suite("REPL in a real terminal (tmux)", .serialized)
struct TerminalTests {
    let binary = BuiltProducts.workbench

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        // Output goes to a file, not a pipe (Subprocess does that): the first `new-session` forks
        // the tmux server, which inherits the client's descriptors, so a pipe would never end.
        let process = try Subprocess("/usr/bin/env", ["tmux"] + arguments)
        process.wait(timeout: 30)
        return process.output
    }

    /// Polls the screen until `text` appears (or 60 s pass) and returns the screen.
    private func waitFor(_ text: String, in session: String) throws -> String {
        var screen = ""
        for _ in 0..<600 {
            screen = try tmux(["capture-pane", "-t", session, "-p"])
            if screen.contains(text) { return screen }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("'\(text)' did not appear on the screen:\n\(screen)")
        return screen
    }

    @Test func typeRecallCompleteAndQuit() throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"),
            "tmux is not installed: apt-get install -y tmux")
        let session = "wb-e2e-\(getpid())"
        let home = NSTemporaryDirectory() + "wb-e2e-home-\(UUID().uuidString)"
        defer {
            _ = try? tmux(["kill-session", "-t", session])
            try? FileManager.default.removeItem(atPath: home)
        }
        try tmux([
            "new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", repositoryRoot,
            "env WORKBENCH_HOME=\(home) \(binary) --no-record",
        ])
        try tmux(["set-option", "-w", "-t", session, "remain-on-exit", "on"])
        _ = try waitFor("[1]>", in: session)

        try tmux(["send-keys", "-t", session, "load \"examples/ir", "Tab"])
        _ = try waitFor("[1]> load \"examples/iris.csv\"", in: session)
        try tmux(["send-keys", "-t", session, "Enter"])
        _ = try waitFor("loaded iris: 150 rows × 5 columns", in: session)

        // Up recalls the previous command; Ctrl-C drops it and gives a fresh prompt.
        try tmux(["send-keys", "-t", session, "Up"])
        _ = try waitFor("[2]> load \"examples/iris.csv\"", in: session)
        try tmux(["send-keys", "-t", session, "C-c"])
        _ = try waitFor("^C", in: session)

        // Tab completes a command name, then a dataset name.
        try tmux(["send-keys", "-t", session, "desc", "Tab"])
        _ = try waitFor("^C\n[2]> describe", in: session)
        try tmux(["send-keys", "-t", session, "ir", "Tab", "Enter"])
        let screen = try waitFor("iris: 150 rows × 5 columns", in: session)
        #expect(screen.contains("[2]> describe iris"))

        // Ctrl-D ends the session cleanly.
        try tmux(["send-keys", "-t", session, "C-d"])
        var dead = ""
        for _ in 0..<100 {
            dead = try tmux(["display-message", "-t", session, "-p", "#{pane_dead} #{pane_dead_status}"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if dead.hasPrefix("1") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        // The pane is dead; tmux reports the exit status when it has it (a server started by this
        // test sometimes leaves it empty), and when it does it must be 0.
        let parts = dead.split(separator: " ")
        #expect(parts.first == "1")
        if parts.count > 1 { #expect(parts[1] == "0") }
        // The history file holds both commands, once each.
        let history = try String(contentsOfFile: home + "/history", encoding: .utf8)
        #expect(history == "load \"examples/iris.csv\"\ndescribe iris\n")
    }

    /// A terminal gets Unicode charts; NO_COLOR (or TERM=dumb) gets the ASCII ones transcripts hold.
    @Test(arguments: [
        ("TERM=xterm-256color", "▂▆█▇▇██▃▁▁"), ("TERM=xterm-256color NO_COLOR=1", ".+#**##:__"),
        ("TERM=dumb", ".+#**##:__"),
    ])
    func chartsFollowTheTerminal(environment: String, histogram: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"),
            "tmux is not installed: apt-get install -y tmux")
        let session = "wb-charts-\(getpid())-\(environment.count)"
        let home = NSTemporaryDirectory() + "wb-charts-home-\(UUID().uuidString)"
        defer {
            _ = try? tmux(["kill-session", "-t", session])
            try? FileManager.default.removeItem(atPath: home)
        }
        try tmux([
            "new-session", "-d", "-s", session, "-x", "110", "-y", "30", "-c", repositoryRoot,
            "env -u NO_COLOR WORKBENCH_HOME=\(home) \(environment) \(binary) --no-record --load examples/penguins.csv",
        ])
        _ = try waitFor("[2]>", in: session)
        try tmux(["send-keys", "-t", session, "describe penguins", "Enter"])
        let screen = try waitFor("sex ", in: session)
        #expect(screen.contains("bill_length_mm") && screen.contains(histogram), "\(screen)")
    }
}

/// The binary with piped input: no line editing, commands echoed, non-zero exit on failure.
@Suite("Piped input")
struct PipedInputTests {
    private func runWorkbench(_ input: String, arguments: [String] = ["--no-record"]) throws -> (
        status: Int32, output: String
    ) {
        let (status, out, _) = try runBinary(arguments, input: input)
        return (status, out)
    }

    @Test func successExitsZero() throws {
        let (status, output) = try runWorkbench("load \"examples/iris.csv\"\nls\n")
        #expect(status == 0)
        #expect(output.hasPrefix("[1]> load \"examples/iris.csv\"\nloaded iris"))
    }

    @Test func anyFailureExitsNonZero() throws {
        let (status, output) = try runWorkbench("bogus\nls\n")
        #expect(status == 1)
        #expect(output.contains("unknown command 'bogus'"))
        #expect(output.contains("[2]> ls"))
    }

    @Test func recordsASessionThatReplays() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (status, _) = try runWorkbench(
            "load \"examples/penguins.csv\"\nsplit penguins\n", arguments: ["--sessions", folder])
        #expect(status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".wbt") }
        try #require(files.count == 1)
        let (replayStatus, replayOutput) = try runWorkbench("", arguments: ["replay", folder + "/" + files[0]])
        #expect(replayStatus == 0)
        #expect(replayOutput == "replayed 2 cells, 2 matched\n")
    }

}
