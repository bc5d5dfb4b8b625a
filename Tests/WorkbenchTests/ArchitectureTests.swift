import Foundation
import Testing
import TestSupport

/// ARCHITECTURE.md's table of targets is the package's, checked against `Package.swift`: every
/// non-test target listed, with exactly its dependencies inside the package, each of them listed
/// above it (arrows point down).
@Suite("ARCHITECTURE.md against Package.swift")
struct ArchitectureTests {
    /// Target name → its dependencies inside the package (`.product(…)` dependencies are outside).
    static func packageTargets(_ manifest: String) throws -> [String: Set<String>] {
        var targets: [String: Set<String>] = [:]
        let declaration = try Regex(#"\.(?:target|executableTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
        let starts = manifest.matches(of: declaration)
        for (i, match) in starts.enumerated() {
            guard let name = match.output[1].substring.map(String.init) else { continue }
            let end = i + 1 < starts.count ? starts[i + 1].range.lowerBound : manifest.endIndex
            var body = String(manifest[match.range.upperBound..<end])
            // Only the target's own dependency list, without the products of other packages.
            guard let open = body.range(of: "dependencies: [") else {
                targets[name] = []
                continue
            }
            body = String(body[open.upperBound...])
            var depth = 1
            var close = body.startIndex
            for index in body.indices {
                if body[index] == "[" { depth += 1 }
                if body[index] == "]" {
                    depth -= 1
                    if depth == 0 {
                        close = index
                        break
                    }
                }
            }
            let list = String(body[..<close]).replacing(try Regex(#"\.product\([^)]*\)"#), with: "")
            targets[name] = Set(
                list.matches(of: try Regex(#""([^"]+)""#)).compactMap { $0.output[1].substring.map(String.init) })
        }
        return targets
    }

    /// The rows of ARCHITECTURE.md's table in order: target and the dependencies it names.
    static func documentedTargets(_ text: String) -> [(name: String, dependencies: Set<String>)] {
        text.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4, cells[1].hasPrefix("`"), cells[1].hasSuffix("`") else { return nil }
            let name = String(cells[1].dropFirst().dropLast())
            let dependencies =
                cells[2] == "—"
                ? []
                : cells[2].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            return (name, Set(dependencies))
        }
    }

    @Test func theTableIsThePackage() throws {
        let manifest = try String(contentsOfFile: repositoryRoot + "/Package.swift", encoding: .utf8)
        let document = try String(contentsOfFile: repositoryRoot + "/ARCHITECTURE.md", encoding: .utf8)
        let package = try Self.packageTargets(manifest)
        let rows = Self.documentedTargets(document)
        try #require(package.count >= 15, "read \(package.count) targets from Package.swift")
        #expect(
            Set(rows.map(\.name)) == Set(package.keys),
            "in Package.swift only: \(Set(package.keys).subtracting(rows.map(\.name)).sorted()); in ARCHITECTURE.md only: \(Set(rows.map(\.name)).subtracting(package.keys).sorted())"
        )
        var above: Set<String> = []
        for row in rows {
            if let declared = package[row.name] {
                #expect(
                    row.dependencies == declared,
                    "\(row.name): ARCHITECTURE.md says \(row.dependencies.sorted()), Package.swift \(declared.sorted())"
                )
            }
            let up = row.dependencies.subtracting(above)
            #expect(up.isEmpty, "\(row.name) depends on \(up.sorted()), listed below it: arrows must point down")
            above.insert(row.name)
        }
    }

    /// The readers above, on a small manifest and table whose answers are plain.
    @Test func theReadersReadWhatTheySee() throws {
        let manifest = """
            targets: [
                .systemLibrary(name: "CZ", pkgConfig: "z"),
                .target(name: "A", swiftSettings: strict),
                .target(
                    name: "B",
                    dependencies: ["A", "CZ", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: strict
                ),
                .executableTarget(name: "b", dependencies: ["B"], path: "x"),
            ]
            """
        #expect(try Self.packageTargets(manifest) == ["CZ": [], "A": [], "B": ["A", "CZ"], "b": ["B"]])
        let table = """
            | target | depends on | what |
            |---|---|---|
            | `A` | — | a |
            | `B` | `A`, `CZ` | b |
            """
        let rows = Self.documentedTargets(table)
        #expect(rows.map(\.name) == ["A", "B"])
        #expect(rows.map(\.dependencies) == [[], ["A", "CZ"]])
    }

    /// Errors are rendered in one place (`Diagnostic.rendered`): no source outside `Diagnostics`
    /// glues a `hint:` line onto its own message, where a front end could not spell its settings.
    @Test func noErrorGluesItsOwnHint() throws {
        let sources = repositoryRoot + "/Sources"
        let files = try #require(FileManager.default.subpathsOfDirectory(atPath: sources) as [String]?)
        var glued: [String] = []
        for file in files where file.hasSuffix(".swift") && !file.hasPrefix("Diagnostics/") {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(#"\nhint:"#) {
                glued.append("\(file):\(number + 1)")
            }
        }
        try #require(files.count > 100, "read \(files.count) files under Sources")
        #expect(glued.isEmpty, "a hint glued into a message (use Diagnostic(_:remedy:)): \(glued)")
    }
}
