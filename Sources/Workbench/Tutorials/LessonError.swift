public import Diagnostics
/// Why a lesson file or the lesson folder cannot be used; every case that concerns a file names it
/// and the line, so an author can go straight to the problem.
public enum LessonError: Error, Sendable, Equatable, UserFacingError {
    /// A problem at one line of a lesson file, with what to do about it.
    case invalid(file: String, line: Int, message: String, hint: String?)
    case unreadable(file: String)
    case tooLarge(file: String, bytes: Int, limit: Int)
    case unknownLesson(String, suggestion: String?, known: [String])

    public var diagnostic: Diagnostic {
        switch self {
        case .invalid(let file, let line, let message, let hint):
            Diagnostic("\(file):\(line): \(message)", remedy: hint.map { "\($0)" })
        case .unreadable(let file):
            Diagnostic("cannot read lesson file \(file)", remedy: "check that it exists, is readable and is UTF-8 text")
        case .tooLarge(let file, let bytes, let limit):
            Diagnostic(
                "lesson file \(file) is \(bytes) bytes, over the \(limit / 1024) KiB limit for lessons",
                remedy: "a lesson is a short Markdown file; split it into several lessons")
        case .unknownLesson(let name, let suggestion, let known):
            Diagnostic(
                "no lesson named '\(name)'",
                remedy: suggestion.map { "did you mean '\($0)'?" } ?? "lessons: \(known.joined(separator: ", "))")
        }
    }
}
