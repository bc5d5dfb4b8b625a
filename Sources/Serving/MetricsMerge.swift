import Foundation

/// One `/metrics` for a server of several models, as Prometheus scrapes it: every model's series
/// with a `model` label, each metric family once (its `# TYPE` line, then all its samples — the
/// text format wants a family's samples together), and the process's own series (`process_…`,
/// the same whichever model's registry reports them) once, without the label.
enum MetricsMerge {
    static func merge(_ parts: [(model: String, exposition: String)]) -> String {
        var order: [String] = []
        var headers: [String: [String]] = [:]
        var samples: [String: [String]] = [:]
        for (index, part) in parts.enumerated() {
            var family = ""
            for line in part.exposition.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("#") {
                    // `# TYPE name kind` and `# HELP name text` name the family that follows.
                    let words = line.split(separator: " ", maxSplits: 3)
                    guard words.count >= 3, words[1] == "TYPE" || words[1] == "HELP" else { continue }
                    family = String(words[2])
                    if headers[family] == nil {
                        order.append(family)
                        headers[family] = []
                        samples[family] = []
                    }
                    if !(headers[family] ?? []).contains(String(line)) {
                        headers[family, default: []].append(String(line))
                    }
                    continue
                }
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                if family.isEmpty || !name.hasPrefix(family) {
                    // A sample without a header of its own: its name is its family.
                    family = name
                    if headers[family] == nil {
                        order.append(family)
                        headers[family] = []
                        samples[family] = []
                    }
                }
                if family.hasPrefix("process_") {
                    if index == 0 { samples[family, default: []].append(String(line)) }
                    continue
                }
                samples[family, default: []].append(labelled(String(line), name: name, model: part.model))
            }
        }
        var out = ""
        for family in order {
            for line in headers[family] ?? [] { out += line + "\n" }
            for line in samples[family] ?? [] { out += line + "\n" }
        }
        return out
    }

    /// `name{a="b"} v` → `name{model="M",a="b"} v`; `name v` → `name{model="M"} v`.
    private static func labelled(_ line: String, name: String, model: String) -> String {
        let label = "model=\"" + escaped(model) + "\""
        let rest = line.dropFirst(name.count)
        if rest.hasPrefix("{") {
            let inner = rest.dropFirst()
            return name + "{" + label + (inner.hasPrefix("}") ? "" : ",") + inner
        }
        return name + "{" + label + "}" + rest
    }

    /// A label value as the text format writes it: backslash, quote and line feed escaped.
    private static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
