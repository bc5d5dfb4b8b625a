/// Why a lesson file or the lesson folder cannot be used; every case that concerns a file names it
/// and the line, so an author can go straight to the problem.
public enum LessonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A problem at one line of a lesson file, with what to do about it.
    case invalid(file: String, line: Int, message: String, hint: String?)
    case unreadable(file: String)
    case tooLarge(file: String, bytes: Int, limit: Int)
    case unknownLesson(String, suggestion: String?, known: [String])

    public var description: String {
        switch self {
        case .invalid(let file, let line, let message, let hint):
            "\(file):\(line): \(message)" + (hint.map { "\nhint: \($0)" } ?? "")
        case .unreadable(let file):
            "cannot read lesson file \(file)\nhint: check that it exists, is readable and is UTF-8 text"
        case .tooLarge(let file, let bytes, let limit):
            "lesson file \(file) is \(bytes) bytes, over the \(limit / 1024) KiB limit for lessons\nhint: a lesson is a short Markdown file; split it into several lessons"
        case .unknownLesson(let name, let suggestion, let known):
            "no lesson named '\(name)'"
                + (suggestion.map { "\nhint: did you mean '\($0)'?" } ?? "\nhint: lessons: "
                    + known.joined(separator: ", "))
        }
    }
}
