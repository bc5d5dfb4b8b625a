import Foundation
#if canImport(CDispatch)
// POSIX structs' members (stat, timespec) belong, for MemberImportVisibility, to whichever of
// Linux Foundation's C modules included their header first, which varies from build to build.
import CoreFoundation
import CDispatch
#endif

/// Writes a report in the format its path's extension names.
public enum ReportWriter {
    public enum Format: String, CaseIterable, Sendable {
        case html, md, ipynb
    }

    /// The format for `path`, or a user-facing error naming the ones there are.
    public static func format(of path: String) throws -> Format {
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "htm" { return .html }
        if ext == "markdown" { return .md }
        guard let format = Format(rawValue: ext) else {
            throw CommandError(
                "cannot tell the report format from '\((path as NSString).lastPathComponent)'",
                hint:
                    "end the path in .html (a notebook page), .md (Markdown with SVG files beside it) or .ipynb (Jupyter)"
            )
        }
        return format
    }

    /// Writes the report (each file atomically, each refused if it exists unless `target.overwrite`);
    /// returns the paths written, the main file first. Every target is checked before anything is written.
    @discardableResult
    public static func write(_ report: SessionReport, to target: FileTarget) throws -> [String] {
        let path = target.path
        let folder = (path as NSString).deletingLastPathComponent
        let format = try format(of: path)
        _ = try target.destination()
        switch format {
        case .html:
            try target.write(Data(HTMLReport.render(report).utf8))
            return [path]
        case .ipynb:
            try target.write(Data(NotebookReport.render(report).utf8))
            return [path]
        case .md:
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let filesFolderName = base + "_files"
            let (markdown, files) = MarkdownReport.render(report, filesFolder: filesFolderName)
            var written = [path]
            if !files.isEmpty {
                let filesFolder = (folder as NSString).appendingPathComponent(filesFolderName)
                let shownFolder = ((target.shown as NSString).deletingLastPathComponent as NSString)
                    .appendingPathComponent(filesFolderName)
                var info = stat()
                if lstat(filesFolder, &info) == 0 {
                    guard (info.st_mode & S_IFMT) == S_IFDIR else {
                        throw FileWriteError.notRegular(
                            path: shownFolder,
                            kind: FileTarget.kind(of: info.st_mode) + " where the report's chart folder goes")
                    }
                } else if mkdir(filesFolder, 0o755) != 0 {
                    throw FileWriteError.failed(path: shownFolder, reason: String(cString: strerror(errno)))
                }
                let targets = files.map { name, svg in
                    (
                        FileTarget(
                            path: (filesFolder as NSString).appendingPathComponent(name),
                            shown: (shownFolder as NSString).appendingPathComponent(name),
                            overwrite: target.overwrite, caveat: target.caveat), svg
                    )
                }
                for (fileTarget, _) in targets { _ = try fileTarget.destination() }
                for (fileTarget, svg) in targets {
                    try fileTarget.write(Data(svg.utf8))
                    written.append(fileTarget.path)
                }
            }
            // The Markdown last, so it never points at charts that are not there yet.
            try target.write(Data(markdown.utf8))
            return written
        }
    }
}
