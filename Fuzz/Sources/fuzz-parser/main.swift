import CommandLanguage

/// The command-language lexer and parser on arbitrary text: a line either parses or fails with an
/// error whose range lies inside the line (so the caret can be drawn), and rendering never traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let line = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    do throws(LanguageError) {
        // With expression tails as filter and derive declare them: the tail's range is in the line too.
        _ = try Parser.parse(line, tails: { ["filter": .afterKeyword("where"), "derive": .fromFirstDefinition][$0] })
    } catch {
        let length = line.count
        let range = error.range
        precondition(
            range.start >= 0 && range.start <= range.end && range.end <= length,
            "error range \(range.start)..<\(range.end) outside a line of \(length) characters")
        _ = error.render(line: line)
    }
    return 0
}
