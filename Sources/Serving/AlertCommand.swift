public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a user's alert command with an alert as JSON on its standard input. The command line is
/// split into arguments here and started with posix_spawnp — no shell — so nothing in an alert
/// (feature names, figures) can inject commands.
public struct AlertCommand: Sendable {
    public let arguments: [String]
    /// A command still running after this long is killed.
    public var timeout: Double = 30

    /// Splits `commandLine` like a shell splits words (spaces; single and double quotes; backslash
    /// escapes), without expansion of any kind.
    public init(commandLine: String) throws {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in commandLine {
            if escaped {
                current.append(ch)
                escaped = false
                inWord = true
                continue
            }
            if let q = quote {
                if ch == q {
                    quote = nil
                } else if ch == "\\" && q == "\"" {
                    escaped = true
                } else {
                    current.append(ch)
                }
                continue
            }
            switch ch {
            case "\\":
                escaped = true
                inWord = true
            case "'", "\"":
                quote = ch
                inWord = true
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                current.append(ch)
                inWord = true
            }
        }
        guard quote == nil, !escaped else {
            throw ServingError.alertCommand("unbalanced quote or trailing backslash in '\(commandLine)'")
        }
        if inWord { words.append(current) }
        guard !words.isEmpty else { throw ServingError.alertCommand("the command is empty") }
        arguments = words
    }

    public init(arguments: [String]) throws {
        guard !arguments.isEmpty else { throw ServingError.alertCommand("the command is empty") }
        self.arguments = arguments
    }

    /// Starts the command with `json` on stdin and reaps it on a background thread; never blocks
    /// the caller. stdout goes to /dev/null, stderr is inherited.
    /// - Returns: the child's pid, or nil when it could not be started.
    @discardableResult
    public func run(json: String, onExit: (@Sendable (Int32) -> Void)? = nil) -> pid_t? {
        let inputPath = NSTemporaryDirectory() + "workbench-alert-\(getpid())-\(UUID().uuidString).json"
        guard
            FileManager.default.createFile(
                atPath: inputPath, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600])
        else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawnp(&child, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else {
            unlink(inputPath)
            return nil
        }
        let pid = child
        let timeout = self.timeout
        Thread.detachNewThread {
            let deadline = Date().addingTimeInterval(timeout)
            var raw: Int32 = 0
            while true {
                let reaped = waitpid(pid, &raw, WNOHANG)
                if reaped == pid || (reaped < 0 && errno != EINTR) { break }
                if Date() >= deadline {
                    kill(pid, SIGKILL)
                    waitpid(pid, &raw, 0)
                    break
                }
                usleep(20_000)
            }
            unlink(inputPath)
            onExit?((raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f))
        }
        return pid
    }
}
