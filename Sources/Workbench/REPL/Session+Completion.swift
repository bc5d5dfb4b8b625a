public import CommandLanguage
import Foundation
public import LineEditing
import Tabular

extension Session {
    /// Tab completion over this session's names and files and the command table.
    public func complete(line: String, cursor: Int) -> Completion.Result {
        Completion.complete(line: line, cursor: cursor, source: self, commands: CommandTable.signatures)
    }

    /// `complete(line:cursor:)` as the line editor's Tab takes it.
    public func lineCompletion(line: String, cursor: Int) -> LineCompletion {
        let offered = complete(line: line, cursor: cursor)
        return LineCompletion(start: offered.start, candidates: offered.candidates)
    }
}

extension Session: CompletionSource {
    public func columns(of name: String) -> [String]? {
        if case .dataset(let d)? = lookup(name) { return d.frame.columnNames }
        return nil
    }

    public func directoryEntries(_ folder: String) -> [String] {
        let path = resolve(path: folder.isEmpty ? "." : folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return names.map { name in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(
                atPath: (path as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
            return exists && isDirectory.boolValue ? name + "/" : name
        }
    }

    public var lessonNames: [String] {
        LessonLibrary.catalog(workingDirectory: environment.workingDirectory).names
    }
}
