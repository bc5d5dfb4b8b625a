import Foundation

/// The package's built executables, found beside the running test bundle rather than at a fixed
/// `.build/debug` path, so `swift test --scratch-path …` (and a release build) test what it built.
package enum BuiltProducts {
    /// The environment variable naming a `workbench` binary to test instead of the built one
    /// (a release or static build, a copied binary).
    package static let binaryOverride = "WORKBENCH_BINARY"

    /// The folder the build wrote its products to: the one holding the `.xctest` test bundle.
    ///
    /// On Linux the test bundle is itself the running executable (`…/debug/WorkbenchPackageTests.xctest`);
    /// on macOS it is a bundle whose executable sits in `….xctest/Contents/MacOS/`. Either way the
    /// products folder is the parent of the first path component ending in `.xctest`.
    package static let folder: String? = {
        let arguments: [String?] = [ProcessInfo.processInfo.arguments.first, CommandLine.arguments.first]
        let candidates = [Bundle.main.executablePath] + arguments + Bundle.allBundles.map(\.bundlePath)
        for case let path? in candidates where !path.isEmpty {
            var url = URL(fileURLWithPath: path).standardizedFileURL
            while url.path != "/" && !url.path.isEmpty {
                if url.pathExtension == "xctest" { return url.deletingLastPathComponent().path }
                url.deleteLastPathComponent()
            }
        }
        return nil
    }()

    /// The `workbench` executable to test: `$WORKBENCH_BINARY` when set, otherwise the one built beside
    /// the test bundle. Tests check it exists with `#require(FileManager.default.isExecutableFile(…))`.
    package static var workbench: String {
        if let path = ProcessInfo.processInfo.environment[binaryOverride], !path.isEmpty { return path }
        return (folder ?? "(no .xctest bundle in this process's paths)") + "/workbench"
    }

    /// What to do when `workbench` is missing, for a test's failure message.
    package static var missingBinaryHint: String {
        if let path = ProcessInfo.processInfo.environment[binaryOverride], !path.isEmpty {
            return "\(binaryOverride) names \(path), which is not an executable file"
        }
        return
            "no executable at \(workbench): build it with `swift build` (same --scratch-path), or set \(binaryOverride)"
    }
}
