import Foundation
@testable import Serving
import Testing
import TestSupport

/// How the server shares the cores: event loops give the core away after a long stretch without a
/// break, and the drift monitor runs only on cores nobody else wants.
@Suite("Serving: sharing the cores", .serialized)
struct SchedulingTests {
    static let folder: String = (try? temporaryFolder()) ?? NSTemporaryDirectory()
    static let bundle: Result<String, any Error> = Result { try exportPenguins(to: folder) }

    @Test func aLoopYieldsOnlyAfterALongStretchOnTheCore() {
        let stretch = LoopPacer.stretchNanoseconds
        // On the core the whole time, for the stretch or longer: yield.
        #expect(LoopPacer.shouldYield(running: stretch, during: stretch))
        #expect(LoopPacer.shouldYield(running: 4_000_000, during: 4_000_000))
        // Nearly all of the time still counts (interrupts, clock reads a few ns apart).
        #expect(LoopPacer.shouldYield(running: 900_000, during: 1_000_000))
        // A shorter stretch: keep going.
        #expect(!LoopPacer.shouldYield(running: stretch - 1, during: stretch - 1))
        // The loop waited for work or for the core during the stretch: it already gave it up.
        #expect(!LoopPacer.shouldYield(running: 899_999, during: 1_000_000))
        #expect(!LoopPacer.shouldYield(running: 500_000, during: 4_000_000))
        #expect(!LoopPacer.shouldYield(running: 0, during: 4_000_000))
    }

    @Test func answeringRequestsStillWorksWhenTheLoopsYield() async throws {
        // More answers than a pacer's check interval on each loop, from several connections at once.
        let server = try await startServer(try Self.bundle.get())
        let port = server.port
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var ok = 0
                    for _ in 0..<(LoopPacer.checkEvery * 8)
                    where try await HTTP.post("/v1/predict", port: port, body: sampleRow).status == 200 {
                        ok += 1
                    }
                    return ok
                }
            }
            var total = 0
            for try await ok in group { total += ok }
            #expect(total == 4 * LoopPacer.checkEvery * 8)
        }
        await server.shutdown()
    }

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
            #expect(
                sched_getscheduler(tid) == 5, "monitor thread \(tid) has scheduling policy \(sched_getscheduler(tid))")
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
                comm.trimmingCharacters(in: .whitespacesAndNewlines) == name
            else { return nil }
            return Int32(tid)
        }
    }
    #endif
}
