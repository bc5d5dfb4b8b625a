import Foundation
import Testing
import TestSupport
@testable import Bundles

/// Inputs the bundle fuzz target (Fuzz/) found; each is fixed and replayed here.
@Suite("Bundles: cases found by fuzzing")
struct BundleFuzzRegressionTests {
    /// Fuzz/crashes/bundle-timeout-4877…: a zip whose deflate stream never ends made
    /// ZIPFoundation's Linux inflate loop spin forever on empty reads at the end of the file
    /// (`Data.decode` ignores the entry's size), so `workbench verify` on it was still running
    /// after 120 s. Bundles are now read by `BundleArchive`, which inflates each entry within its
    /// own bytes.
    @Test
    func neverEndingDeflateStreamIsRefusedQuickly() throws {
        let fixture = testsPath("BundlesTests/Fixtures/bundle-timeout-4877938fe0b86a01fffdcabb9b8328a5cc9f48f7")
        // The fuzz input's first byte picks the mode; the zip is the rest.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture)).dropFirst()
        let path = NSTemporaryDirectory() + "wb-fuzz-\(UUID().uuidString).zip"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let started = ContinuousClock.now
        #expect(throws: BundleError.self) { try BundleReader.open(path) }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
