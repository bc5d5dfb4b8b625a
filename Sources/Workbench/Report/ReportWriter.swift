import Foundation

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
            throw CommandError("cannot tell the report format from '\((path as NSString).lastPathComponent)'",
                               hint: "end the path in .html (a notebook page), .md (Markdown with SVG files beside it) or .ipynb (Jupyter)")
        }
        return format
    }

    /// Writes the report (each file atomically); returns the paths written, the main file first.
    @discardableResult
    public static func write(_ report: SessionReport, to path: String) throws -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("no folder \(folder) to write the report into", hint: "create it first, or choose an existing folder")
        }
        switch try format(of: path) {
        case .html:
            try writeFileAtomically(HTMLReport.render(report), to: path)
            return [path]
        case .ipynb:
            try writeFileAtomically(NotebookReport.render(report), to: path)
            return [path]
        case .md:
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let filesFolderName = base + "_files"
            let (markdown, files) = MarkdownReport.render(report, filesFolder: filesFolderName)
            var written = [path]
            if !files.isEmpty {
                let filesFolder = (folder as NSString).appendingPathComponent(filesFolderName)
                do {
                    try FileManager.default.createDirectory(atPath: filesFolder, withIntermediateDirectories: true)
                } catch {
                    throw CommandError("cannot create \(filesFolder): \(error.localizedDescription)")
                }
                for (name, svg) in files {
                    let filePath = (filesFolder as NSString).appendingPathComponent(name)
                    try writeFileAtomically(svg, to: filePath)
                    written.append(filePath)
                }
            }
            // The Markdown last, so it never points at charts that are not there yet.
            try writeFileAtomically(markdown, to: path)
            return written
        }
    }
}
