import Foundation
import Learning
import Tabular

/// Measures what serving a model costs on this machine: latency, throughput, memory.
enum ResourceProfiler {
    static func measure(_ pipeline: PipelineModel, sample: DataFrame, modelBytes: Int, bundleBytes: Int) -> Manifest
        .ResourceProfile?
    {
        guard sample.rowCount > 0 else { return nil }
        let clock = ContinuousClock()
        let one = sample.selectingRows([0])
        // Single-row latency: median of repeated calls after a warm-up.
        var latencies: [Double] = []
        for i in 0..<60 {
            let d = clock.measure { _ = try? pipeline.predict(one) }
            if i >= 10 { latencies.append(d.seconds) }
        }
        latencies.sort()
        let batchSize = 1000
        let batch = sample.selectingRows((0..<batchSize).map { $0 % sample.rowCount })
        var best = Double.infinity
        for _ in 0..<3 {
            best = min(best, clock.measure { _ = try? pipeline.predict(batch) }.seconds)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Manifest.ResourceProfile(
            modelFileBytes: modelBytes, bundleBytes: bundleBytes,
            // Decoded doubles take about as much memory as their JSON text; a rough, documented estimate.
            modelMemoryBytes: modelBytes,
            singleRowLatencyMicroseconds: (latencies[latencies.count / 2] * 1e6 * 10).rounded() / 10,
            batchRowsPerSecond: best > 0 ? (Double(batchSize) / best).rounded() : 0,
            batchSize: batchSize,
            peakResidentBytes: Int(usage.ru_maxrss) * 1024,
            machine:
                "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB"
        )
    }
}
