import Foundation
import Tabular

/// Finds the lesson files (`tutorials/*.md`) and loads them in file-name order.
public enum LessonLibrary {
    /// Folders searched, first match wins: `$WORKBENCH_TUTORIALS`, `tutorials/` in the session's
    /// folder, then `tutorials/` beside the executable or up to four folders above it (a checkout's
    /// `.build/debug/workbench`).
    public static func folder(workingDirectory: String) throws(LessonError) -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["WORKBENCH_TUTORIALS"], !env.isEmpty { candidates.append(env) }
        candidates.append((workingDirectory as NSString).appendingPathComponent("tutorials"))
        if var dir = Bundle.main.executablePath.map({ ($0 as NSString).deletingLastPathComponent }) {
            for _ in 0..<5 {
                candidates.append((dir as NSString).appendingPathComponent("tutorials"))
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue { return candidate }
        }
        throw .noFolder(searched: Array(candidates.prefix(2)))
    }

    /// The `.md` files of a folder, sorted by name (so `01-…` comes before `02-…`).
    public static func files(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".md") && !$0.hasPrefix(".") && $0.lowercased() != "readme.md" }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

    /// Every lesson, or the first error (a broken lesson is never half-used).
    public static func lessons(workingDirectory: String) throws(LessonError) -> [Lesson] {
        var lessons: [Lesson] = []
        for file in files(in: try folder(workingDirectory: workingDirectory)) {
            lessons.append(try LessonParser.load(path: file))
        }
        return lessons
    }

    /// One lesson by name; only that file is parsed, so one broken lesson does not block the others.
    public static func lesson(named name: String, workingDirectory: String) throws(LessonError) -> Lesson {
        let files = files(in: try folder(workingDirectory: workingDirectory))
        let names = files.map(LessonParser.lessonName(fromFile:))
        guard let index = names.firstIndex(of: name) else {
            throw .unknownLesson(name, suggestion: closestMatch(name, among: names), known: names)
        }
        return try LessonParser.load(path: files[index])
    }
}
