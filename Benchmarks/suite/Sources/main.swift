// workbench-bench: Workbench's side of the benchmark suite (Benchmarks/suite/bench.py drives it).
//
//   workbench-bench STEP.json
//
// STEP.json: {"folder": F, "setup": [LINES], "measure": [LINES], "quality": NAME?, "metric": M?}
// (quality "rows": the row count of the dataset the last measured line bound, for the data verbs)
// Runs the setup lines in a fresh session (untimed), then each measured line, timing each one,
// then reads metric M ("accuracy", "r2", …) from the value bound to NAME: an evaluation, a
// leaderboard (its best row's cross-validated mean) or a model (its held-out score).
// Prints one JSON line: {"seconds": [...], "peak_rss_mb": X, "quality": Q or null}.
//
//   workbench-bench --folds CSV TARGET K SEED OUT
//
// Writes the fold number of each row exactly as `compare ... folds=K seed=SEED` assigns them, so
// the peers cross-validate on the very same folds.
// The commands are exactly what a user types, so the suite measures the product, not a harness.
#if canImport(Glibc)
import Glibc
#endif
import CWorkbenchSystem
import Foundation
import Learning
import Tabular
import Workbench

struct Step: Decodable {
    var folder: String
    var setup: [String]
    var measure: [String]
    var quality: String?
    var metric: String?
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// The process's peak resident set (VmHWM) in MiB.
func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kib = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
        return kib / 1024
    }
    return .nan
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

let arguments = CommandLine.arguments
if arguments.count == 7, arguments[1] == "--folds", let k = Int(arguments[4]), let seed = UInt64(arguments[5]) {
    do {
        let frame = try CSVReader.read(path: arguments[2])
        let (rows, task, strata) = try CrossValidation.usableRows(frame: frame, target: arguments[3], task: nil)
        let folds = KFold.folds(rowCount: rows.count, k: k, strata: task == .classification ? strata : nil, seed: seed)
        var assignment = [Int](repeating: -1, count: frame.rowCount)
        for (fold, members) in folds.enumerated() { for i in members { assignment[rows[i]] = fold } }
        try Data(assignment.map(String.init).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: arguments[6]))
        exit(0)
    } catch {
        fail("cannot assign folds: \(error)")
    }
}
guard arguments.count == 2, let data = FileManager.default.contents(atPath: arguments[1]) else {
    fail("usage: workbench-bench STEP.json")
}
let step: Step
do { step = try JSONDecoder().decode(Step.self, from: data) } catch { fail("bad step file: \(error)") }

// As `workbench` does for a session: the tables' freed memory is kept for reuse.
wb_keep_freed_memory()
let home = NSTemporaryDirectory() + "workbench-bench-home-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: home) }
let session = Session(environment: SessionEnvironment(workingDirectory: step.folder, home: home, width: 120))

/// The names the last measured cell bound (for the "rows" quality of a data verb).
nonisolated(unsafe) var lastBound: [String] = []

@MainActor func execute(_ line: String) {
    guard let cell = session.execute(line) else { return }
    if !cell.succeeded { fail("workbench failed on `\(line)`:\n\(cell.output.plainText)") }
    lastBound = cell.boundNames
}

for line in step.setup { execute(line) }
var seconds: [Double] = []
for line in step.measure {
    let start = now()
    execute(line)
    seconds.append(now() - start)
}

var quality: Double?
if step.quality == "rows" {
    // A data verb: the rows of the dataset the measured line bound.
    guard let name = lastBound.first, case .dataset(let d)? = session.lookup(name) else {
        fail("the measured line bound no dataset")
    }
    quality = Double(d.frame.rowCount)
} else if let name = step.quality, let metricName = step.metric {
    guard let metric = MetricCatalog.named(metricName) else { fail("no metric named \(metricName)") }
    switch session.lookup(name) {
    case .evaluation(let e): quality = metric.value(e.scores)
    case .leaderboard(let lb): quality = lb.rows.first.map { $0.result.mean(of: metric) }
    case .model(let m): quality = m.heldOut.map { metric.value($0.scores) }
    case .validation(let v): quality = v.freshScores.map { metric.value($0) }
    default: fail("\(name) holds nothing with a \(metricName)")
    }
}

func json(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "null" }
    return String(x)
}
print(
    "{\"seconds\": [\(seconds.map { json($0) }.joined(separator: ", "))], \"peak_rss_mb\": \(json(peakResidentMiB())), \"quality\": \(json(quality))}"
)
