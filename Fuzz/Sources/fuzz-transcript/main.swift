import Workbench

/// The transcript reader on arbitrary text. A transcript that parses must print back to text that
/// parses to the same cells (commands, outputs, data files).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTranscript(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    guard let transcript = try? Transcript.parse(text, path: "fuzz.wbt") else { return 0 }
    for line in transcript.entries.flatMap(\.output) { _ = Transcript.normalized(line) }
    do {
        let again = try Transcript.parse(transcript.text, path: "again.wbt")
        precondition(again.entries.count == transcript.entries.count, "printing changed the number of cells")
        for (a, b) in zip(transcript.entries, again.entries) {
            precondition(
                a.command == b.command && a.output == b.output && a.dataFiles == b.dataFiles,
                "printing changed cell \(a.number): \(a) → \(b)")
        }
    } catch {
        preconditionFailure("a printed transcript does not parse: \(error)")
    }
    return 0
}
