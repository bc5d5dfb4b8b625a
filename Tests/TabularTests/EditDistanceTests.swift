import Testing
@testable import Tabular
@Test func editDistanceCountsEdits() { #expect(editDistance("kitten", "sitting") == 3) }
