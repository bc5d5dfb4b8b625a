// swift-tools-version:6.1
import PackageDescription
import Foundation

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// The learning library's kernels (distances, histograms, tree walks) are compiled for AVX2 on x86-64:
// twice the vector width of the baseline SSE2, the same arithmetic in the same order, so the same
// bits. `workbench` checks the CPU at start and says what to do on one without AVX2:
// build with WORKBENCH_PORTABLE=1 for a baseline x86-64 build.
#if arch(x86_64)
let vectorKernels: [SwiftSetting] =
    ProcessInfo.processInfo.environment["WORKBENCH_PORTABLE"] == "1"
    ? [] : [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
#else
let vectorKernels: [SwiftSetting] = []
#endif
/// Tells `workbench` to check the CPU before anything runs the kernels.
let checksVectorKernels: [SwiftSetting] = vectorKernels.isEmpty ? [] : [.define("WORKBENCH_AVX2_KERNELS")]

let package = Package(
    name: "Workbench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "workbench", targets: ["workbench"]),
        .library(name: "Tabular", targets: ["Tabular"]),
        .library(name: "Learning", targets: ["Learning"]),
        .library(name: "Bundles", targets: ["Bundles"]),
        .library(name: "Charts", targets: ["Charts"]),
        .library(name: "Serving", targets: ["Serving"]),
        // The command language alone (lexer, parser, signatures, completion), for the parser fuzz target.
        .library(name: "CommandLanguage", targets: ["CommandLanguage"]),
        // Column expressions, for the expression fuzz target.
        .library(name: "ColumnExpressions", targets: ["ColumnExpressions"]),
        // The interpreter (language, transcripts, lessons), for the fuzz targets in Fuzz/.
        .library(name: "Interpreter", targets: ["Workbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // Already in the graph through Hummingbird; named so Serving can quiet its logger, run its
        // service group and read the bound port.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        // PostgreSQL: the shared run registry, the replicas' prediction log, tables read from a database.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Already in the graph through postgres-nio; named for the TLS settings of sslmode=.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
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
        // zlib (Debian's zlib1g-dev), to inflate bundle archives within each entry's own bytes.
        .systemLibrary(
            name: "CWorkbenchZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Did-you-mean for every layer: edit distance and the closest plausible name. No dependencies.
        .target(name: "Diagnostics", swiftSettings: strict),
        // Work split across cores: one parallelMap, the spinning pool behind it, SharedPointer.
        // No dependencies.
        .target(name: "Parallelism", swiftSettings: strict),
        // Tables: typed columns, CSV and SQLite readers, fingerprints, splits.
        .target(
            name: "Tabular",
            dependencies: [
                "Diagnostics", "Parallelism",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Column expressions: the typed language of filter, derive and group, evaluated a column at a
        // time; derivations a model carries to compute its derived inputs.
        .target(
            name: "ColumnExpressions", dependencies: ["Tabular", "Diagnostics", "Parallelism"], swiftSettings: strict),
        // Estimators, preprocessing, metrics, model selection. Knows nothing of files, HTTP or the REPL.
        .target(
            name: "Learning",
            dependencies: ["Tabular", "ColumnExpressions", "Diagnostics", "Parallelism", "CWorkbenchPrefetch"],
            swiftSettings: strict + vectorKernels
        ),
        // The CPU's prefetch hint, which Swift cannot emit, for the learning library's gathers.
        .target(name: "CWorkbenchPrefetch"),
        // Small C helpers for system calls Swift cannot reach (renameat2). Not named CSystem: swift-system
        // (via swift-nio) declares a target of that name.
        .target(name: "CWorkbenchSystem"),
        // Deployable bundles: manifest, checksums, signatures, verification rows, zip, OpenAPI,
        // and the ONNX writer (generated protobuf types in ONNX/Generated).
        .target(
            name: "Bundles",
            dependencies: [
                "Learning", "ColumnExpressions", "Tabular", "Diagnostics", "CWorkbenchSystem", "CWorkbenchZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["ONNX/Generated/README.md"],
            swiftSettings: strict
        ),
        // Charts as data, drawn as terminal text (ASCII or Unicode with colour) or as SVG.
        // Knows nothing of sessions, models or the REPL.
        .target(name: "Charts", swiftSettings: strict),
        // PostgreSQL through PostgresNIO: connection strings as libpq reads them (masked whenever
        // shown), a pooled client with typed errors, and tables streamed into the column store.
        .target(
            name: "PostgresAccess",
            dependencies: [
                "Tabular", "Diagnostics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // HTTP serving of a bundle: routes as request → response handlers, metrics, the prediction
        // log and drift monitoring. HummingbirdCore's server with NIO's HTTP/1.1 decoder per
        // connection (see ServingChannel.swift).
        .target(
            name: "Serving",
            dependencies: [
                "Bundles", "Learning", "Tabular", "Diagnostics", "PostgresAccess",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The example data and lessons compiled into the binary (generated from examples/ and
        // tutorials/ by Scripts/embed-resources.py), so `workbench` works from any folder.
        .target(name: "WorkbenchResources", swiftSettings: strict),
        // The command language: lexer, parser with source ranges, command signatures, invocation
        // matching, completion. Pure: knows no session, handler or terminal.
        .target(name: "CommandLanguage", dependencies: ["Diagnostics"], swiftSettings: strict),
        // A line editor that knows no language: libedit (keys, history, Tab calling back its
        // owner) or plain lines from a pipe; the interpreter's REPL reads through it.
        .target(name: "LineEditing", dependencies: ["CEditLine"], swiftSettings: strict),
        // Session state, the command table and handlers, transcripts, replay, line editor.
        .target(
            name: "Workbench",
            dependencies: [
                "CommandLanguage", "Diagnostics", "Tabular", "ColumnExpressions", "Learning", "Bundles", "Charts",
                "Serving", "PostgresAccess", "LineEditing", "WorkbenchResources",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        // Thin executable: argument parsing only.
        .executableTarget(
            name: "workbench",
            dependencies: [
                "Workbench", "Bundles", "Serving", "PostgresAccess", "Diagnostics", "LineEditing", "CWorkbenchSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict + checksVectorKernels
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
        // The benchmark suite's Workbench side: runs REPL command lines and times them
        // (Benchmarks/suite/bench.py drives it beside the Python peers); not shipped.
        .executableTarget(
            name: "workbench-bench",
            dependencies: ["Workbench", "Learning", "CWorkbenchSystem"],
            path: "Benchmarks/suite/Sources",
            swiftSettings: strict
        ),
        // Shared by every test target, never shipped: the subprocess runner, the built `workbench`
        // (BuiltProducts), seeded property helpers, repository paths, scratch folders, line assertions.
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "PropertyBased", package: "swift-property-based")],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"], swiftSettings: strict),
        .testTarget(name: "LineEditingTests", dependencies: ["LineEditing"], swiftSettings: strict),
        .testTarget(name: "ParallelismTests", dependencies: ["Parallelism"], swiftSettings: strict),
        .testTarget(
            name: "CommandLanguageTests", dependencies: ["CommandLanguage", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "ColumnExpressionsTests",
            dependencies: [
                "ColumnExpressions", "Tabular", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ], swiftSettings: strict),
        // Against a real server when WORKBENCH_TEST_POSTGRES names one (.ci/run starts a private cluster).
        .testTarget(
            name: "PostgresAccessTests", dependencies: ["PostgresAccess", "Tabular", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "TabularTests",
            dependencies: ["Tabular", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict),
        // Reference/ holds the scikit-learn script and its JSON output, read by path in tests.
        .testTarget(
            name: "LearningTests",
            dependencies: [
                "Learning", "Tabular", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
            ], exclude: ["Reference"], swiftSettings: strict),
        // Interop/ holds the onnxruntime check script and its runner, not Swift; Fixtures/ fuzz finds.
        .testTarget(
            name: "BundlesTests", dependencies: ["Bundles", "Learning", "Tabular", "TestSupport"],
            exclude: ["Interop", "Fixtures"], swiftSettings: strict),
        // Fixtures/ holds the SVG goldens (WORKBENCH_RECORD=1 rewrites them).
        .testTarget(
            name: "ChartsTests", dependencies: ["Charts", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        // Fixtures/ holds broken lesson files, read by path in the tutorial parser tests;
        // ReportCheck/ renders a report in headless Chromium, ServingLayouts/ checks export format=triton
        // and format=kserve with the peers' parsers (both run by .ci/run).
        .testTarget(
            name: "WorkbenchTests",
            dependencies: [
                "Workbench", "CommandLanguage", "PostgresAccess", "WorkbenchResources", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ], exclude: ["Fixtures", "ReportCheck", "ServingLayouts"], swiftSettings: strict),
        // Real loopback HTTP against served bundles; Schemathesis/ holds the schema-conformance script,
        // OpenInference/ the /v2 check with tritonclient, Promotion/ promote under wrk (all run by .ci/run).
        .testTarget(
            name: "ServingTests",
            dependencies: [
                "Serving", "Workbench", "Bundles", "Learning", "Tabular", "TestSupport", "PostgresAccess",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: [
                "Schemathesis", "OpenInference", "Promotion", "SharedLog", "Reload", "lib.sh",
                "tritonclient-requirements.txt",
            ],
            swiftSettings: strict
        ),
    ]
)
