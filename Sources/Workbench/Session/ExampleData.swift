import Foundation
public import WorkbenchResources

/// Where a data file named in a command is read from.
///
/// `examples/NAME` names one of the example files built into `workbench` (`BuiltinFiles.examples`).
/// Where the working folder has such a file (a checkout), that file is read; anywhere else the
/// built-in copy is, written once under the session's home so every reader (CSV, fingerprint,
/// the shell's batch prediction) sees an ordinary file. Nothing else falls back: a missing
/// `data/x.csv` stays an error.
public struct DataFileLocation: Sendable, Equatable {
    /// The path as the user wrote it.
    public let written: String
    /// The file to read.
    public let path: String
    /// Whether `path` is the built-in copy of an example.
    public let isBuiltin: Bool

    /// What a command says when it reads the built-in copy (nil for an ordinary file).
    public var note: String? {
        isBuiltin ? "note: there is no \(written) here, so this is the copy built into workbench" : nil
    }

    /// The folder every example is named under.
    public static let examplesFolder = "examples/"

    /// Resolves `written` against `workingDirectory`; an example missing there comes from the
    /// built-in copy, materialised in `home/examples/` (when the home cannot be written, the
    /// path stays the missing file and the reader says so).
    public static func resolve(_ written: String, workingDirectory: String, home: String) -> DataFileLocation {
        let resolved = resolvePath(written, workingDirectory: workingDirectory)
        guard let example = builtinExample(named: written), !FileManager.default.fileExists(atPath: resolved),
            let copy = materialise(example, home: home)
        else {
            return DataFileLocation(written: written, path: resolved, isBuiltin: false)
        }
        return DataFileLocation(written: written, path: copy, isBuiltin: true)
    }

    /// The built-in example a path names (`examples/penguins.csv`, `./examples/penguins.csv`), if any.
    public static func builtinExample(named written: String) -> BuiltinFile? {
        var path = Substring(written)
        while path.hasPrefix("./") { path = path.dropFirst(2) }
        guard path.hasPrefix(examplesFolder) else { return nil }
        return BuiltinFiles.example(named: String(path.dropFirst(examplesFolder.count)))
    }

    /// The names of the built-in examples as a user writes them (`examples/penguins.csv`).
    public static var builtinPaths: [String] { BuiltinFiles.examples.map { examplesFolder + $0.name } }

    /// A user's path against the working folder (absolute and `~/` paths as they are).
    public static func resolvePath(_ path: String, workingDirectory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") {
            return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + String(path.dropFirst(1))
        }
        return (workingDirectory as NSString).appendingPathComponent(path)
    }

    /// Writes the example's bytes under `home/examples/` unless an identical copy is there;
    /// atomically, so a reader never sees half a file.
    private static func materialise(_ example: BuiltinFile, home: String) -> String? {
        let bytes = Data(example.text.utf8)
        let folder = (home as NSString).appendingPathComponent("examples")
        let path = (folder as NSString).appendingPathComponent(example.name)
        if let existing = FileManager.default.contents(atPath: path), existing == bytes { return path }
        guard
            (try? FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])) != nil
        else { return nil }
        guard (try? writeFileAtomically(bytes, to: path, permissions: 0o600, durable: false)) != nil else { return nil }
        return path
    }
}

extension Session {
    /// A data file named in a command (see `DataFileLocation`).
    public func locateData(_ written: String) -> DataFileLocation {
        if let dataRedirect {
            // A provenance replay reads the checked files and nothing else: an unlisted path is
            // looked for inside the sandbox, where nothing is.
            return DataFileLocation(
                written: written,
                path: dataRedirect[written] ?? (sandbox?.root ?? "/nonexistent") + "/unlisted-data-file",
                isBuiltin: false)
        }
        return DataFileLocation.resolve(written, workingDirectory: environment.workingDirectory, home: environment.home)
    }
}
