import Workbench

/// The lesson-file parser on arbitrary text: it returns a lesson or a `LessonError`, never traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLesson(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    do {
        let lesson = try LessonParser.parse(text, path: "fuzz.md", name: "fuzz")
        _ = lesson.steps.count
    } catch {
        _ = error.description
    }
    return 0
}
