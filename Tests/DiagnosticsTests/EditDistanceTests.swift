import Diagnostics
import Testing

@Suite("Edit distance")
struct EditDistanceTests {
    /// Hand-counted: kitten → sitten (k→s) → sittin (e→i) → sitting (+g) = 3.
    @Test(arguments: [
        ("kitten", "sitting", 3),
        ("", "abc", 3),
        ("abc", "", 3),
        ("same", "same", 0),
        // A swap of neighbours is one edit, not two substitutions.
        ("sa", "as", 1),
        ("specis", "species", 1),
        // Unrestricted Damerau would say 2 (swap to ac, insert b); optimal string alignment never
        // edits inside a swapped pair again, so 3 (c→a, a→b, insert c).
        ("ca", "abc", 3),
        // Unicode scalars, not bytes: é → e is one substitution.
        ("café", "cafe", 1),
    ])
    func distances(a: String, b: String, expected: Int) {
        #expect(editDistance(a, b) == expected)
        #expect(editDistance(b, a) == expected)
    }
}

@Suite("Closest match")
struct ClosestMatchTests {
    @Test func picksTheNearestPlausibleTypo() {
        #expect(closestMatch("specis", among: ["species", "island"]) == "species")
        #expect(closestMatch("descrbe", among: ["show", "describe", "drop"]) == "describe")
    }

    @Test func ignoresFarWords() {
        #expect(closestMatch("zzzz", among: ["species", "island"]) == nil)
        #expect(closestMatch("x", among: []) == nil)
    }

    @Test func ignoresCase() {
        #expect(closestMatch("SPECIES", among: ["species"]) == "species")
    }

    /// The limit grows with the word: 1 edit up to 2 characters, 2 for 3–5, 3 from 6 on.
    @Test(arguments: [
        ("ab", "xy", false),  // 2 edits, limit 1
        ("ab", "ax", true),  // 1 edit, limit 1
        ("abcde", "axcxe", true),  // 2 edits, limit 2
        ("abcde", "xxcxe", false),  // 3 edits, limit 2
        ("abcdef", "xxcxef", true),  // 3 edits, limit 3
        ("abcdefghijkl", "xxxxefghijkl", false),  // 4 edits, limit still 3
    ])
    func limitGrowsWithTheWord(word: String, candidate: String, accepted: Bool) {
        #expect((closestMatch(word, among: [candidate]) != nil) == accepted)
    }

    @Test func firstOfEquallyCloseCandidatesWins() {
        // "bat" is one edit from both "cat" and "hat".
        #expect(closestMatch("bat", among: ["cat", "hat"]) == "cat")
        #expect(closestMatch("bat", among: ["hat", "cat"]) == "hat")
    }
}
