import Foundation
import Serving
import Testing
import TestSupport
import Workbench

/// Trains `algorithm` on the repository's own `examples/penguins.csv` (nothing outside the
/// repository) and exports it to `folder`; returns the bundle path.
func exportExamplePenguins(to folder: String, algorithm: String = "linear", extra: String = "") throws -> String {
    let session = makeSession()
    let bundle = folder + "/penguins-\(algorithm)"
    for line in [
        "load \"\(repositoryRoot)/examples/penguins.csv\" as penguins",
        "m = train \(algorithm) on penguins target=species",
        "export m to \"\(bundle)\" \(extra)",
    ] {
        let cell = try #require(session.execute(line))
        try #require(cell.succeeded, "\(line): \(cell.output.plainText)")
    }
    return bundle
}

/// Milliseconds since `start`.
func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

/// The value at fraction `p` of sorted `values` (nearest rank).
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)
    return sorted[min(sorted.count - 1, rank)]
}
