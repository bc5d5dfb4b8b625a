// bundle-bench BUNDLE CSV: in-process prediction speed of a bundle's model on rows of CSV —
// single-row latency (median over 2,000 calls, one row at a time, as a server scores requests)
// and batch throughput (batches of 1,000 rows for at least a second). Prints one JSON line.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Bundles
import Tabular
import Learning

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: bundle-bench BUNDLE CSV")
    exit(2)
}
do {
    let bundle = try BundleReader.open(arguments[1])
    let frame = try CSVReader.read(path: arguments[2])
    let pipeline = bundle.pipeline
    let sample = min(frame.rowCount, 2000)
    let singles = (0..<sample).map { frame.selectingRows([$0]) }
    for row in singles.prefix(100) { _ = try pipeline.predict(row) }
    var latencies: [Double] = []
    latencies.reserveCapacity(singles.count)
    for row in singles {
        let start = now()
        _ = try pipeline.predict(row)
        latencies.append(now() - start)
    }
    latencies.sort()
    let batch = frame.selectingRows(Array(0..<min(frame.rowCount, 1000)))
    _ = try pipeline.predict(batch)
    var rows = 0
    let start = now()
    while now() - start < 1.0 {
        _ = try pipeline.predict(batch)
        rows += batch.rowCount
    }
    let rate = Double(rows) / (now() - start)
    print(
        "{\"single_row_us\": \(latencies[latencies.count / 2] * 1e6), \"p99_us\": \(latencies[latencies.count * 99 / 100] * 1e6), \"batch_rows_per_s\": \(rate), \"algorithm\": \"\(bundle.manifest.algorithm)\"}"
    )
} catch {
    print("error: \(error)")
    exit(1)
}
