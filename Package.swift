// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "Workbench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "workbench", targets: ["workbench"]),
        .library(name: "Tabular", targets: ["Tabular"]),
        .library(name: "Learning", targets: ["Learning"]),
        .library(name: "Bundles", targets: ["Bundles"]),
        // The interpreter (language, transcripts, lessons), for the fuzz targets in Fuzz/.
        .library(name: "Interpreter", targets: ["Workbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // Generators for the property tests (test targets only).
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // libedit, from Debian's libedit-dev.
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // Tables: typed columns, CSV and SQLite readers, fingerprints, splits.
        .target(
            name: "Tabular",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Estimators, preprocessing, metrics, model selection. Knows nothing of files, HTTP or the REPL.
        .target(
            name: "Learning",
            dependencies: ["Tabular"],
            swiftSettings: strict
        ),
        // Small C helpers for system calls Swift cannot reach (renameat2).
        .target(name: "CSystem"),
        // Deployable bundles: manifest, checksums, signatures, verification rows, zip, OpenAPI,
        // and the ONNX writer (generated protobuf types in ONNX/Generated).
        .target(
            name: "Bundles",
            dependencies: [
                "Learning", "Tabular", "CSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["ONNX/Generated/README.md"],
            swiftSettings: strict
        ),
        // The command language, session state, command handlers, transcripts, replay, line editor.
        .target(
            name: "Workbench",
            dependencies: [
                "Tabular", "Learning", "Bundles", "CEditLine",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // Thin executable: argument parsing only.
        .executableTarget(
            name: "workbench",
            dependencies: [
                "Workbench", "Bundles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // CSV reader benchmark, driven by Benchmarks/csv/run.sh; not shipped.
        .executableTarget(
            name: "csv-bench",
            dependencies: ["Tabular"],
            path: "Benchmarks/csv/Sources",
            swiftSettings: strict
        ),
        // Benchmark driver: a bundle's in-process prediction speed (Benchmarks/bundle/run.sh).
        .executableTarget(
            name: "bundle-bench",
            dependencies: ["Bundles", "Tabular"],
            path: "Benchmarks/bundle/Sources",
            swiftSettings: strict
        ),
        .testTarget(name: "TabularTests", dependencies: ["Tabular", .product(name: "PropertyBased", package: "swift-property-based")], swiftSettings: strict),
        // Reference/ holds the scikit-learn script and its JSON output, read by path in tests.
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Tabular", .product(name: "PropertyBased", package: "swift-property-based")], exclude: ["Reference"], swiftSettings: strict),
        // Interop/ holds the onnxruntime check script and its runner, not Swift; Fixtures/ fuzz finds.
        .testTarget(name: "BundlesTests", dependencies: ["Bundles", "Learning", "Tabular"], exclude: ["Interop", "Fixtures"], swiftSettings: strict),
        // Fixtures/ holds broken lesson files, read by path in the tutorial parser tests.
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench", .product(name: "PropertyBased", package: "swift-property-based")], exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
