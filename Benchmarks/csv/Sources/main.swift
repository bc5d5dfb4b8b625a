// csv-bench FILE [THREADS]: loads FILE once as `load` does (CSVReader, with the file's SHA-256
// fingerprint) and prints one line of JSON with the load time, the CPU time of the load (all threads), table shape, a checksum and this process's peak RSS.
// One load per process, so the peak memory is that of a single load.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tabular

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: csv-bench FILE [THREADS]")
    exit(2)
}
var options = CSVOptions()
if arguments.count >= 3, let threads = Int(arguments[2]) { options.threads = threads }

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// This process's CPU time (all threads, user + system) and peak RSS so far.
func usage() -> (cpu: Double, peakBytes: Int) {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    let cpu =
        Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    return (cpu, Int(usage.ru_maxrss) * 1024)  // ru_maxrss is in kilobytes on Linux
}

do {
    let cpuBefore = usage().cpu
    let start = now()
    let (frame, _) = try CSVReader.readFingerprinted(path: arguments[1], options: options)
    let seconds = now() - start
    let after = usage()
    // `describe`: every column's summary (sorting each numeric column for its quartiles).
    let describeStart = now()
    let summaries = ColumnSummary.summaries(of: frame)
    let describeSeconds = now() - describeStart
    var sum = 0.0
    var missing = 0
    for column in frame.columns {
        missing += column.data.missingCount
        if case .numeric(let values) = column.data { for v in values where !v.isNaN { sum += v } }
    }
    print(
        "{\"seconds\": \(seconds), \"cpu_seconds\": \(after.cpu - cpuBefore), \"rows\": \(frame.rowCount), \"columns\": \(frame.columnCount), \"missing\": \(missing), \"sum\": \(sum), \"peak_bytes\": \(after.peakBytes), \"describe_seconds\": \(describeSeconds), \"summaries\": \(summaries.count)}"
    )
} catch {
    print("error: \(error)")
    exit(1)
}
