import Diagnostics
import Foundation
import Tabular
import WorkbenchResources

/// One lesson the library can offer: built into the binary, or a Markdown file of the user's.
public struct LessonSource: Sendable, Equatable {
    /// The lesson's name (`first-steps` for `01-first-steps.md`).
    public let name: String
    /// The file name, which orders the listing (`01-…` before `02-…`).
    public let fileName: String
    /// The path of a user's lesson file; nil for a built-in lesson.
    public let path: String?
    /// A built-in lesson's text.
    let builtinText: String?

    /// "built-in", or the file's path as shown in messages.
    public var origin: String { path.map(LessonParser.displayName) ?? "built-in" }

    /// Reads and checks the lesson.
    public func load() throws(LessonError) -> Lesson {
        if let path { return try LessonParser.load(path: path) }
        return try LessonParser.parse(builtinText ?? "", path: "built-in lesson \(fileName)", name: name)
    }

    /// The lesson's bytes, to tell a copy of a lesson from a different lesson of the same name.
    func text() -> String? {
        if let builtinText { return builtinText }
        guard let path, let data = try? BoundedFile.read(path, limit: LessonParser.maximumBytes) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}

/// The lessons on offer: those built into `workbench`, then the user's `.md` files from
/// `$WORKBENCH_TUTORIALS` (one folder, or several separated by `:`) and `tutorials/` in the
/// session's folder, in that order. User lessons add to the built-in ones and never hide them:
/// a file whose lesson name is taken by an earlier lesson is reported as a clash (an identical
/// copy — the checkout's own `tutorials/` — is the same lesson and is not).
public enum LessonLibrary {
    /// What the library holds, and the files it could not offer because their names were taken.
    public struct Catalog: Sendable {
        public var lessons: [LessonSource] = []
        /// One sentence per clash, naming both lessons and what to do.
        public var clashes: [String] = []

        public var names: [String] { lessons.map(\.name) }
    }

    /// The folders searched for user lessons that exist, without repeats.
    public static func userFolders(workingDirectory: String) -> [String] {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["WORKBENCH_TUTORIALS"], !env.isEmpty {
            candidates += env.split(separator: ":").map {
                DataFileLocation.resolvePath(String($0), workingDirectory: workingDirectory)
            }
        }
        candidates.append((workingDirectory as NSString).appendingPathComponent("tutorials"))
        var seen = Set<String>()
        return candidates.filter { folder in
            var isDirectory: ObjCBool = false
            let standard = (folder as NSString).standardizingPath
            return FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue
                && seen.insert(standard).inserted
        }
    }

    /// The `.md` files of a folder, sorted by name (so `01-…` comes before `02-…`).
    public static func files(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".md") && !$0.hasPrefix(".") && $0.lowercased() != "readme.md" }.sorted().map
        { (folder as NSString).appendingPathComponent($0) }
    }

    /// Every lesson on offer, built-in first, and the clashes.
    public static func catalog(workingDirectory: String) -> Catalog {
        var catalog = Catalog()
        for file in BuiltinFiles.lessons {
            catalog.lessons.append(
                LessonSource(
                    name: LessonParser.lessonName(fromFile: file.name), fileName: file.name, path: nil,
                    builtinText: file.text))
        }
        for folder in userFolders(workingDirectory: workingDirectory) {
            for path in files(in: folder) {
                let source = LessonSource(
                    name: LessonParser.lessonName(fromFile: path), fileName: (path as NSString).lastPathComponent,
                    path: path, builtinText: nil)
                if let earlier = catalog.lessons.first(where: { $0.name == source.name }) {
                    if earlier.text() != source.text() {
                        catalog.clashes.append(
                            "\(source.origin) is also a lesson named '\(source.name)' (\(earlier.origin)); 'tutorial start \(source.name)' opens the \(earlier.origin) one — rename the file to offer both"
                        )
                    }
                    continue
                }
                catalog.lessons.append(source)
            }
        }
        return catalog
    }

    /// One lesson by name; only that lesson is parsed, so one broken lesson does not block the others.
    public static func lesson(named name: String, workingDirectory: String) throws(LessonError) -> Lesson {
        let catalog = catalog(workingDirectory: workingDirectory)
        guard let source = catalog.lessons.first(where: { $0.name == name }) else {
            throw .unknownLesson(name, suggestion: closestMatch(name, among: catalog.names), known: catalog.names)
        }
        return try source.load()
    }
}
