// csv-bench FILE [THREADS]: loads FILE once with CSVReader and prints one line of JSON with the
// load time, table shape, a checksum (to compare with pandas/polars) and this process's peak RSS.
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

do {
    let start = now()
    let frame = try CSVReader.read(path: arguments[1], options: options)
    let seconds = now() - start
    var sum = 0.0
    var missing = 0
    for column in frame.columns {
        missing += column.data.missingCount
        if case .numeric(let values) = column.data { for v in values where !v.isNaN { sum += v } }
    }
    var usage = rusage()
    #if canImport(Glibc)
getrusage(RUSAGE_SELF.rawValue, &usage)
#else
getrusage(RUSAGE_SELF, &usage)
#endif
    let peakBytes = Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    print("{\"seconds\": \(seconds), \"rows\": \(frame.rowCount), \"columns\": \(frame.columnCount), \"missing\": \(missing), \"sum\": \(sum), \"peak_bytes\": \(peakBytes)}")
} catch {
    print("error: \(error)")
    exit(1)
}
