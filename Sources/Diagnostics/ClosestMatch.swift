/// The candidate closest to `word` by edit distance, if close enough to be a plausible typo.
///
/// Case is ignored; the first of several equally close candidates wins. "Close enough" is one edit
/// for words of up to two characters, two for three to five, and three for longer words.
///
/// - Complexity: O(*k* × *m* × *n*) for *k* candidates of length about *n* and a word of length *m*.
package func closestMatch(_ word: String, among candidates: [String]) -> String? {
    let lower = word.lowercased()
    var best: (name: String, distance: Int)?
    for c in candidates {
        let d = editDistance(lower, c.lowercased())
        if d < (best?.distance ?? Int.max) { best = (c, d) }
    }
    guard let (name, distance) = best else { return nil }
    let limit = max(1, min(3, word.count / 3 + 1))
    return distance <= limit ? name : nil
}
