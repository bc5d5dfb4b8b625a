package import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests, started with posix_spawn and waited for with a deadline.
///
/// Foundation's `Process.waitUntilExit()` can hang on Linux when several tests spawn and reap
/// children at once, and a pipe read blocks forever if a grandchild keeps the pipe open. Here
/// input and output go through temporary files and waiting polls `waitpid`, so a stuck child
/// becomes a failed expectation (and is killed) instead of a CI run that never ends.
package final class Subprocess {
    package let pid: pid_t
    private let outputPath: String
    private let errorPath: String
    private let inputPath: String
    package private(set) var status: Int32?
    private let description: String

    /// Starts `executable` with `arguments` in `folder`; `input` (if any) becomes its standard input.
    package init(
        _ executable: String, _ arguments: [String], in folder: String? = nil, environment: [String: String]? = nil,
        input: String? = nil
    ) throws {
        let stamp = "\(getpid())-\(UUID().uuidString)"
        outputPath = NSTemporaryDirectory() + "wb-sub-out-\(stamp)"
        errorPath = NSTemporaryDirectory() + "wb-sub-err-\(stamp)"
        inputPath = NSTemporaryDirectory() + "wb-sub-in-\(stamp)"
        try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: inputPath))
        description = ([executable] + arguments).joined(separator: " ")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A clean signal state: the test runner may block or ignore signals the child relies on.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environmentLines = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        // Glibc's posix_spawn_file_actions_addchdir_np is not visible from Swift; a shell changes folder.
        let command = folder.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0, executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = environmentLines.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, command[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw SubprocessError(message: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
        for path in [outputPath, errorPath, inputPath] { unlink(path) }
    }

    /// Waits up to `timeout` seconds for the child to exit and returns its exit status
    /// (128 + signal if a signal ended it). A child still running then is killed, the test
    /// records an issue, and the status is nil.
    @discardableResult
    package func wait(timeout: Double = 300) -> Int32? {
        if let status { return status }
        let deadline = Date().addingTimeInterval(timeout)
        var raw: Int32 = 0
        while true {
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid {
                let signal = raw & 0x7f
                status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
                return status
            }
            if reaped < 0 && errno != EINTR {
                Issue.record("waitpid failed for \(description): \(String(cString: strerror(errno)))")
                return nil
            }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &raw, 0)
                status = 128 + SIGKILL
                Issue.record(
                    "\(description) did not finish within \(Int(timeout)) s and was killed; its output:\n\(output)\n\(errorOutput)"
                )
                return nil
            }
            usleep(10_000)
        }
    }

    /// Sends `signal` to the child.
    package func send(_ signal: Int32) { if status == nil { kill(pid, signal) } }

    package var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// The port of the first `http://127.0.0.1:PORT` the process prints (a server started with
    /// `--port 0` says where it listens), waiting up to `timeout` seconds; nil if it never does.
    package func waitForLoopbackPort(timeout: Double = 90) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let printed = output
            if let range = printed.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                return Int(printed[range].split(separator: ":").last ?? "")
            }
            usleep(50_000)
        }
        return nil
    }
    package var errorOutput: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }
}

/// A child process that could not be started.
package struct SubprocessError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}
