import Foundation
@testable import Serving
import Testing

/// How the server shares the cores: the drift monitor runs only on cores nobody else wants.
@Suite("Serving: sharing the cores", .serialized)
struct SchedulingTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let bundle: Result<String, any Error> = Result { try exportPenguins(to: folder) }

    #if os(Linux)
    @Test func theMonitorThreadRunsInTheIdleClassAndStillAlerts() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let alerts = folder + "/alerts.jsonl"
        let server = try await startServer(try Self.bundle.get()) { options in
            options.monitor.window = 69
            options.alertCommand = try? AlertCommand(arguments: ["tee", "-a", alerts])
        }
        var monitors: [Int32] = []
        for _ in 0..<100 {
            monitors = Self.threads(named: MonitorService.threadName)
            if !monitors.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!monitors.isEmpty, "no thread named \(MonitorService.threadName)")
        for tid in monitors {
            // SCHED_IDLE is 5.
            #expect(sched_getscheduler(tid) == 5, "monitor thread \(tid) has scheduling policy \(sched_getscheduler(tid))")
        }
        // At the idle class it still evaluates on its own (no explicit evaluation here): shifted
        // rows make it run the alert command.
        for row in try penguinRows("penguins_fresh_drift.csv") {
            #expect(try await HTTP.post("/v1/predict", port: server.port, body: row).status == 200)
        }
        var alerted: [Substring] = []
        for _ in 0..<300 {
            alerted = ((try? String(contentsOfFile: alerts, encoding: .utf8)) ?? "").split(separator: "\n")
            if !alerted.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!alerted.isEmpty, "the monitor thread ran no alert within 15 s")
        await server.shutdown()
    }

    /// Thread ids of this process whose name is `name`.
    static func threads(named name: String) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { tid in
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .whitespacesAndNewlines) == name else { return nil }
            return Int32(tid)
        }
    }
    #endif
}
