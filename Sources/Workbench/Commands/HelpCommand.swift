public import CommandLanguage
import Diagnostics
import Foundation

extension CommandTable {
    /// `help [COMMAND]`: the command list, or one command in full.
    static let help = CommandSpec(
        "help", topic: "session",
        summary: "list commands, or explain one: help load",
        positionals: [PositionalSpec(.command, .command, optional: true)],
        examples: ["help", "help split"],
        reopen: .shows,
        run: { context in
            guard let expression = context.invocation.positionals[.command] else {
                context.print(HelpText.overview())
                return
            }
            let name = expression.dottedName ?? (try? context.text(.command)) ?? ""
            guard let spec = command(named: name) else {
                throw LanguageError.unknownCommand(name, at: expression.range, suggestion: closestMatchName(name))
            }
            context.print(HelpText.detail(spec.signature))
        })

    static func closestMatchName(_ name: String) -> String? {
        closestMatch(name, among: names)
    }
}

/// Help text rendered from the command table: in the REPL and in the README's reference.
public enum HelpText {
    public static func overview() -> String {
        var lines: [String] = []
        for topic in CommandTable.topics {
            lines.append("\(topic):")
            let specs = CommandTable.signatures.filter { $0.topic == topic }
            let width = specs.map(\.name.count).max() ?? 0
            for spec in specs {
                lines.append(
                    "  " + spec.name + String(repeating: " ", count: width - spec.name.count + 2) + spec.summary)
            }
        }
        lines.append("")
        lines.append("'help COMMAND' explains one command. Results bind to names: name = command ...")
        return lines.joined(separator: "\n")
    }

    public static func detail(_ spec: CommandSignature) -> String {
        var lines = ["usage: \(spec.usage)", "", spec.summary]
        if !spec.discussion.isEmpty { lines += ["", spec.discussion] }
        if !spec.options.isEmpty {
            lines += ["", "options:"]
            let width = spec.options.map(\.name.count).max() ?? 0
            for option in spec.options {
                let def = option.defaultText.map { " (default: \($0))" } ?? ""
                lines.append(
                    "  " + option.name + String(repeating: " ", count: width - option.name.count + 2) + option.help
                        + def)
            }
        }
        if !spec.examples.isEmpty {
            lines += ["", "examples:"] + spec.examples.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// The README's command reference, in Markdown.
    public static func markdownReference() -> String {
        var lines: [String] = []
        for topic in CommandTable.topics {
            lines.append("### \(topic.prefix(1).uppercased() + topic.dropFirst())")
            lines.append("")
            for spec in CommandTable.signatures where spec.topic == topic {
                lines.append("#### `\(spec.name)`")
                lines.append("")
                lines.append("`\(spec.usage)`")
                lines.append("")
                lines.append(spec.summary.prefix(1).uppercased() + spec.summary.dropFirst() + ".")
                if !spec.discussion.isEmpty { lines += ["", spec.discussion] }
                if !spec.options.isEmpty {
                    lines += ["", "| option | meaning | default |", "|---|---|---|"]
                    for option in spec.options {
                        lines.append(
                            "| `\(option.name)` | \(option.help.replacingOccurrences(of: "|", with: "\\|")) | \(option.defaultText ?? "") |"
                        )
                    }
                }
                if !spec.examples.isEmpty {
                    lines += ["", "```"] + spec.examples + ["```"]
                }
                lines.append("")
            }
        }
        return lines.joined(separator: "\n")
    }
}
