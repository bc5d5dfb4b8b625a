// swift-tools-version:6.1
// Coverage-guided fuzz targets (libFuzzer), kept out of the main package so they never slow down
// or break its build. Built and run by Fuzz/run.sh; see Fuzz/README.md.
import PackageDescription

// A path dependency is named after its folder, which differs between checkouts (main, worktrees, CI).
let workbench = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "Workbench")

// libFuzzer supplies `main`; each target only exports LLVMFuzzerTestOneInput.
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: products.map { .product(name: $0, package: workbench) },
        path: "Sources/\(name)",
        swiftSettings: settings)
}

let package = Package(
    name: "WorkbenchFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        fuzzTarget("fuzz-csv", ["Tabular"]),
        fuzzTarget("fuzz-parser", ["CommandLanguage"]),
        fuzzTarget("fuzz-expression", ["ColumnExpressions", "Tabular"]),
        fuzzTarget("fuzz-transcript", ["Interpreter"]),
        fuzzTarget("fuzz-bundle", ["Bundles", "Learning", "Tabular"]),
        fuzzTarget("fuzz-lesson", ["Interpreter"]),
        fuzzTarget("fuzz-http", ["Serving", "Bundles", "Learning", "Tabular"]),
        fuzzTarget("fuzz-model", ["Learning", "Tabular"]),
    ]
)
