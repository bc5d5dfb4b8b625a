import Foundation
import Testing
import TestSupport
@testable import Tabular
@testable import Workbench

/// The CSV memory estimate against the real peak: `workbench run` loads a generated file in a
/// child process, whose peak resident memory (wait4's ru_maxrss) less that of loading a tiny file
/// is the load's cost. Before issue 19 the estimate was the file's bytes plus 8 per cell: a text-
/// heavy file (all-distinct ids and comments) needed about 10 times its size and passed budgets
/// it then broke. Now the estimate is within a factor of 1.5 of the measured peak, for numeric,
/// text-heavy and wide files.
@Suite("CSV load memory: estimate against the measured peak", .serialized)
struct LoadMemoryTests {
    private static var binary: String { BuiltProducts.workbench }

    /// Peak resident bytes of `workbench run` on a script loading `file`: the child's VmHWM (its
    /// memory's high-water mark) read from /proc while it runs, the last reading before it exits.
    /// (wait4's ru_maxrss would not do: posix_spawn's vfork counts this test process's memory.)
    private static func peakBytes(loading file: String, in folder: String) throws -> Int {
        let script = folder + "/load-\(UUID().uuidString).wb"
        // describe after the load keeps the process alive a moment past the load's peak.
        try "load \"\(file)\" as d\ndescribe d\n".write(toFile: script, atomically: false, encoding: .utf8)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments: [String] = [binary, "run", script]
        let variables: [String] = ["WORKBENCH_HOME=\(folder)/home", "HOME=\(folder)", "PATH=/usr/bin:/bin"]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer { for p in argv + environment { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environment)
        try #require(spawned == 0)
        var peak = 0
        var status: Int32 = 0
        while true {
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kilobytes = Int(
                    line.dropFirst(6).trimmingCharacters(in: .whitespaces).dropLast(3).trimmingCharacters(
                        in: .whitespaces))
            {
                peak = max(peak, kilobytes * 1024)
            }
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            try #require(done == 0)
            usleep(2_000)
        }
        try #require(status == 0, "workbench run failed loading \(file)")
        return peak
    }

    /// The estimate the loader makes from the file's first 64 KiB.
    private static func estimate(_ path: String) throws -> Int {
        let data = try #require(FileManager.default.contents(atPath: path))
        let bytes = [UInt8](data)
        return bytes.withUnsafeBufferPointer {
            CSVReader.estimatedBytes(
                sample: UnsafeBufferPointer(rebasing: $0.prefix(CSVFileSource.sampleBytes)), totalBytes: bytes.count,
                separator: UInt8(ascii: ","))
        }
    }

    /// Files of about 20 MB, generated from arithmetic (no randomness).
    private static func generate(_ kind: String, to path: String) throws {
        var text = ""
        text.reserveCapacity(24 << 20)
        switch kind {
        case "numeric":
            text += (0..<8).map { "c\($0)" }.joined(separator: ",") + "\n"
            for r in 0..<300_000 {
                text +=
                    (0..<8).map { c in String(Double((r &* 7_919 &+ c &* 104_729) % 1_000_003) / 1_000) }.joined(
                        separator: ",") + "\n"
            }
        case "text":
            let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
            text += "id,name,comment,city,value\n"
            for r in 0..<200_000 {
                let comment = (0..<(3 + r % 9)).map { words[(r &* 31 &+ $0 &* 7) % words.count] }.joined(separator: " ")
                text +=
                    "u\(r + 10_000_000),person \((r &* 2_654_435_761) % 1_000_000_007),\"\(comment) \(r)\",\(words[r % words.count]),\(Double(r % 1000) / 8)\n"
            }
        default:  // wide
            text += (0..<500).map { "f\($0)" }.joined(separator: ",") + "\n"
            for r in 0..<12_000 {
                text += (0..<500).map { c in String((r &* 31 &+ c &* 17) % 100) }.joined(separator: ",") + "\n"
            }
        }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test(arguments: ["numeric", "text", "wide"])
    func estimateIsWithinOneAndAHalfOfThePeak(_ kind: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "\(BuiltProducts.missingBinaryHint)")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "a,b\n1,2\n".write(toFile: folder + "/tiny.csv", atomically: false, encoding: .utf8)
        try Self.generate(kind, to: folder + "/\(kind).csv")
        let baseline = try Self.peakBytes(loading: folder + "/tiny.csv", in: folder)
        let peak = try Self.peakBytes(loading: folder + "/\(kind).csv", in: folder) - baseline
        let estimate = try Self.estimate(folder + "/\(kind).csv")
        let ratio = Double(estimate) / Double(peak)
        print("load memory \(kind): estimate \(estimate >> 20) MiB, measured \(peak >> 20) MiB, ratio \(ratio)")
        #expect(
            ratio > 1 / 1.5 && ratio < 1.5,
            "\(kind): estimate \(estimate >> 20) MiB, measured \(peak >> 20) MiB (ratio \(ratio))")
    }
}
