import Diagnostics
import Foundation

/// Writes `error` to standard error as the shell shows errors: `error: ` and the message, the
/// remedy on a `hint:` line, every setting spelled as a flag (`--overwrite`, not `overwrite=yes`).
func reportError(_ error: any Error) {
    FileHandle.standardError.write(Data("error: \(shellText(error))\n".utf8))
}

/// Writes a diagnostic the shell itself raises, as `reportError` writes an error's.
func reportError(_ diagnostic: Diagnostic) {
    FileHandle.standardError.write(Data("error: \(diagnostic.rendered(.commandLine))\n".utf8))
}

/// `error` as the shell words it, also for swift-argument-parser's `ValidationError`.
func shellText(_ error: any Error) -> String {
    (error as? any UserFacingError)?.diagnostic.rendered(.commandLine) ?? "\(error)"
}
