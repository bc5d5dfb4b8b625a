import Charts
import FoundationEssentials

/// The small part of Markdown that model cards use, as HTML: headings, paragraphs, nested
/// bullet lists, pipe tables, and inline `code`, **bold** and _emphasis_. Everything else is text.
enum MarkdownHTML {
    static func render(_ markdown: String) -> String {
        var html = ""
        var paragraph: [String] = []
        var listDepth = 0
        var tableRows: [[String]] = []

        func closeParagraph() {
            if !paragraph.isEmpty { html += "<p>" + inline(paragraph.joined(separator: " ")) + "</p>\n" }
            paragraph = []
        }
        func closeLists(to depth: Int = 0) {
            while listDepth > depth {
                html += "</li></ul>\n"
                listDepth -= 1
            }
        }
        func closeTable() {
            guard !tableRows.isEmpty else { return }
            html +=
                "<table>\n<thead><tr>" + tableRows[0].map { "<th>\(inline($0))</th>" }.joined()
                + "</tr></thead>\n<tbody>\n"
            for row in tableRows.dropFirst() {
                html += "<tr>" + row.map { "<td>\(inline($0))</td>" }.joined() + "</tr>\n"
            }
            html += "</tbody></table>\n"
            tableRows = []
        }

        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingSpaces()
            if trimmed.hasPrefix("|") {
                closeParagraph()
                closeLists()
                let cells = trimmed.dropFirst().split(separator: "|", omittingEmptySubsequences: false).map {
                    String($0).trimmingSpaces()
                }
                let row = cells.last == "" ? Array(cells.dropLast()) : cells
                if row.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 == "-" || $0 == ":" } }) { continue }
                tableRows.append(row)
                continue
            }
            closeTable()
            if trimmed.isEmpty {
                closeParagraph()
                closeLists()
                continue
            }
            if let level = headingLevel(trimmed) {
                closeParagraph()
                closeLists()
                html += "<h\(level)>" + inline(String(trimmed.dropFirst(level + 1))) + "</h\(level)>\n"
                continue
            }
            if trimmed.hasPrefix("- ") {
                closeParagraph()
                let indent = line.prefix { $0 == " " }.count
                let depth = indent / 2 + 1
                if depth > listDepth {
                    while listDepth < depth {
                        html += "<ul>\n<li>"
                        listDepth += 1
                    }
                } else {
                    closeLists(to: depth)
                    html += "</li>\n<li>"
                }
                html += inline(String(trimmed.dropFirst(2)))
                continue
            }
            if listDepth > 0 {
                html += " " + inline(trimmed)
                continue
            }
            paragraph.append(trimmed)
        }
        closeTable()
        closeParagraph()
        closeLists()
        return html
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    /// Escapes the text, then turns `code`, **bold** and _emphasis_ into elements.
    static func inline(_ text: String) -> String {
        if text.count > 2, text.hasPrefix("_"), text.hasSuffix("_") {
            return "<em>" + inline(String(text.dropFirst().dropLast())) + "</em>"
        }
        var out = ""
        var rest = Substring(text)
        while let tick = rest.firstIndex(of: "`") {
            out += emphasis(ChartFormat.escapeXML(String(rest[..<tick])))
            let after = rest[rest.index(after: tick)...]
            guard let close = after.firstIndex(of: "`") else {
                rest = rest[tick...]
                break
            }
            out += "<code>" + ChartFormat.escapeXML(String(after[..<close])) + "</code>"
            rest = after[after.index(after: close)...]
        }
        return out + emphasis(ChartFormat.escapeXML(String(rest)))
    }

    static func emphasis(_ escaped: String) -> String {
        // Emphasis with _ only around a whole text (see inline), so snake_case names stay as they are.
        replacePairs(escaped, marker: "**", open: "<strong>", close: "</strong>")
    }

    static func replacePairs(_ s: String, marker: String, open: String, close: String) -> String {
        let parts = s.components(separatedBy: marker)
        guard parts.count >= 3 else { return s }
        var out = parts[0]
        for (i, part) in parts.dropFirst().enumerated() {
            let opening = i % 2 == 0
            // An unpaired last marker stays as text.
            if opening && i == parts.count - 2 {
                out += marker + part
                continue
            }
            out += (opening ? open : close) + part
        }
        return out
    }
}
