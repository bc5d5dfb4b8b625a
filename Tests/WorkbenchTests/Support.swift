import Foundation
import TestSupport
@testable import Workbench

/// A fresh session working in `folder` (default: the repository root) with a throwaway home.
func makeSession(in folder: String = repositoryRoot, width: Int = 100) -> Session {
    let home = NSTemporaryDirectory() + "wb-test-home-\(UUID().uuidString)"
    return Session(environment: SessionEnvironment(workingDirectory: folder, home: home, width: width))
}

/// Runs lines and returns the last cell.
@discardableResult
func run(_ session: Session, _ lines: String...) -> Cell? {
    var last: Cell?
    for line in lines { last = session.execute(line) }
    return last
}
