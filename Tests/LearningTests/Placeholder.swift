@testable import Learning
