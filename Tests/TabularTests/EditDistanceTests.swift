import Testing
@testable import Tabular
@Test func editDistanceCountsEdits() { #expect(editDistance("kitten", "sitting") == 3) }

@Test func editDistanceCountsASwapAsOne() { #expect(editDistance("sa", "as") == 1) }
@Test func closestMatchIgnoresFarWords() {
    #expect(closestMatch("specis", among: ["species", "island"]) == "species")
    #expect(closestMatch("zzzz", among: ["species", "island"]) == nil)
}
