import Foundation

/// The repository root, found from this file's path (`Tests/TestSupport/RepositoryPaths.swift`), so
/// tests find the checkout's files wherever the build products are (`--scratch-path`).
package let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The example data shipped in the repository (`examples/`); every dataset a test reads is here.
package let exampleData = repositoryRoot + "/examples"

/// The golden transcripts (`sessions/`), each replayed by `swift test`.
package let goldenTranscriptFolder = repositoryRoot + "/sessions"

/// The path of `file` in the repository's `examples/` folder.
package func examplePath(_ file: String) -> String {
    exampleData + "/" + file
}

/// The path of `relative` under the repository's `Tests/` folder: fixtures, goldens, reference JSON
/// (`testsPath("WorkbenchTests/Fixtures/tutorials")`).
package func testsPath(_ relative: String) -> String {
    repositoryRoot + "/Tests/" + relative
}
