import Foundation
import PostgresAccess
import Testing
import TestSupport
@testable import Workbench
import Tabular

/// The run registry shared through PostgreSQL (WORKBENCH_REGISTRY=postgresql://…), against the
/// real server named by WORKBENCH_TEST_POSTGRES (a private cluster in CI).
@Suite(
    "A run registry shared through PostgreSQL", .serialized,
    .enabled(if: TestPostgres.isAvailable, "needs WORKBENCH_TEST_POSTGRES (.ci/run starts a private cluster)"))
struct PostgresRegistryTests {
    private static var binary: String { BuiltProducts.workbench }

    /// A database for one test, dropped after it; `body` gets its URL.
    static func withFreshDatabase(_ body: (String) async throws -> Void) async throws {
        let admin = try PostgresPool(PostgresLocation(parsing: try #require(TestPostgres.url)))
        defer { admin.close() }
        let name = TestPostgres.freshDatabaseName()
        try await admin.execute("CREATE DATABASE \(name)")
        var failure: (any Error)?
        do { try await body(try #require(TestPostgres.url(database: name))) } catch { failure = error }
        try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
        if let failure { throw failure }
    }

    @Test func fourWritersAtOnceLoseAndDuplicateNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "\(BuiltProducts.missingBinaryHint)")
        try await Self.withFreshDatabase { url in
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let script =
                ["load \"examples/iris.csv\""]
                + (1...5).map { "m\($0) = train tree on iris target=species max_depth=\($0)" }
            try (script.joined(separator: "\n") + "\n").write(
                toFile: folder + "/train.wb", atomically: true, encoding: .utf8)
            // Four processes that all find the database empty: they race to create the schema too.
            let writers = try (0..<4).map { i in
                try Subprocess(
                    Self.binary, ["run", "train.wb"], in: folder,
                    environment: [
                        "WORKBENCH_HOME": folder + "/home\(i)", "WORKBENCH_REGISTRY": url, "PATH": "/usr/bin:/bin",
                        "USER": "writer\(i)",
                    ])
            }
            var reported: [Int] = []
            for writer in writers {
                #expect(writer.wait(timeout: 240) == 0, "\(writer.output)\n\(writer.errorOutput)")
                let ids = writer.output.split(separator: "\n").compactMap { line in
                    line.range(of: "recorded as run ").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
                }
                #expect(ids.count == 5, "\(writer.output)")
                reported += ids
            }
            #expect(Set(reported).count == 20)
            // The registry's calls block their thread: off Swift's cooperative pool, as the REPL's are.
            let (count, runs, linear, trees) = try await offPool {
                let registry = try RunRegistry(postgres: PostgresLocation(parsing: url))
                return (
                    try registry.count(), try registry.runs(last: 100),
                    try registry.runs(last: 100, algorithm: "linear"),
                    try registry.runs(last: 3, algorithm: "tree", kind: "train", data: "iris")
                )
            }
            #expect(count == 20)
            #expect(Set(runs.compactMap(\.id)) == Set(reported.map(Int64.init)))
            #expect(Set(runs.compactMap(\.user)) == ["writer0", "writer1", "writer2", "writer3"])
            #expect(
                runs.allSatisfy {
                    $0.host?.isEmpty == false && $0.kind == "train" && $0.algorithm == "tree" && $0.dataName == "iris"
                })
            #expect(linear.isEmpty)
            #expect(trees.count == 3)
        }
    }

    @Test func runsListsAndShowsTheSharedRunsAndNeverThePassword() async throws {
        try await Self.withFreshDatabase { url in
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let output = try await offPool {
                let session = Session(
                    environment: SessionEnvironment(workingDirectory: folder, home: folder + "/home", registry: url))
                return [
                    "load \"examples/penguins.csv\"", "train linear on penguins target=species",
                    "compare tree, bayes on penguins target=species folds=3",
                    "runs", "runs where algo=bayes", "runs show 1",
                ]
                .map { session.display(session.execute($0)?.output ?? Output()) }
            }
            #expect(output[1].contains("recorded as run 1"), "\(output[1])")
            #expect(
                output[3].contains("linear") && output[3].contains("tree") && output[3].contains("bayes"),
                "\(output[3])")
            #expect(output[4].contains("bayes") && !output[4].contains("linear"), "\(output[4])")
            #expect(output[5].contains("run 1: train linear on penguins"), "\(output[5])")
            let password = try #require(PostgresLocation(parsing: url).password)
            #expect(!output.joined().contains(password))
            let count = try await offPool { try RunRegistry(postgres: PostgresLocation(parsing: url)).count() }
            #expect(count == 4, "\(output[3])")
        }
    }

    @Test func aReplayNeverWritesToTheSharedRegistry() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "\(BuiltProducts.missingBinaryHint)")
        try await Self.withFreshDatabase { url in
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try "load \"examples/iris.csv\"\ntrain tree on iris target=species\n".write(
                toFile: folder + "/t.wb", atomically: true, encoding: .utf8)
            let environment = ["WORKBENCH_HOME": folder + "/home", "WORKBENCH_REGISTRY": url, "PATH": "/usr/bin:/bin"]
            let run = try Subprocess(
                Self.binary, ["run", "t.wb", "--record", "t.wbt"], in: folder, environment: environment)
            #expect(run.wait(timeout: 120) == 0, "\(run.output)\(run.errorOutput)")
            let replay = try Subprocess(Self.binary, ["replay", "t.wbt"], in: folder, environment: environment)
            #expect(replay.wait(timeout: 120) == 0, "\(replay.output)\(replay.errorOutput)")
            let count = try await offPool { try RunRegistry(postgres: PostgresLocation(parsing: url)).count() }
            #expect(count == 1)
        }
    }

    @Test func anUnreachableRegistryTrainsAnywayAndSaysWhyWithTheURLMasked() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let url = "postgresql://ana:hunter2@127.0.0.1:1/team?connect_timeout=2"
        let output = try await offPool {
            let session = Session(
                environment: SessionEnvironment(workingDirectory: folder, home: folder + "/home", registry: url))
            return ["load \"examples/iris.csv\"", "train tree on iris target=species", "runs"].map {
                session.display(session.execute($0)?.output ?? Output())
            }
        }
        #expect(
            output[1].contains(
                "note: not recorded in the run registry (cannot reach postgresql://ana@127.0.0.1:1/team"),
            "\(output[1])")
        #expect(
            output[2].contains("the run registry cannot be opened: cannot reach postgresql://ana@127.0.0.1:1/team"),
            "\(output[2])")
        #expect(!output.joined().contains("hunter2"))
    }
}

/// `workbench predict` reading from and writing to PostgreSQL, against the private cluster.
@Suite(
    "Batch prediction through PostgreSQL",
    .enabled(if: TestPostgres.isAvailable, "needs WORKBENCH_TEST_POSTGRES (.ci/run starts a private cluster)"))
struct PostgresPredictTests {
    private static var binary: String { BuiltProducts.workbench }

    @Test func aQueryInAndANewTableOutGiveTheFilesPredictions() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "\(BuiltProducts.missingBinaryHint)")
        try await PostgresRegistryTests.withFreshDatabase { url in
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let environment = ["WORKBENCH_HOME": folder + "/home", "PATH": "/usr/bin:/bin"]
            try "load \"examples/penguins.csv\"\nm = train tree on penguins target=species\nexport m to \"bundle\"\n"
                .write(toFile: folder + "/e.wb", atomically: true, encoding: .utf8)
            let export = try Subprocess(Self.binary, ["run", "e.wb"], in: folder, environment: environment)
            #expect(export.wait(timeout: 120) == 0, "\(export.output)\(export.errorOutput)")
            // The same rows as a file and as a table: NULLs, quotes and non-ASCII text included.
            let csv = #"""
                island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year
                Torgersen,39.1,18.7,181,3750,male,2007
                Dream,,17,190,3800,"fémale ""quoted""",2008
                Biscoe,50.5,15.9,225,5400,,2009
                """#
            try (csv + "\n").write(toFile: folder + "/rows.csv", atomically: true, encoding: .utf8)
            let db = try PostgresPool(PostgresLocation(parsing: url))
            try await db.execute(
                "CREATE TABLE rows (island text, bill_length_mm float8, bill_depth_mm numeric, flipper_length_mm int4, body_mass_g int8, sex varchar(20), year int2)",
                #"INSERT INTO rows VALUES ('Dream', NULL, 17, 190, 3800, 'fémale "quoted"', 2008), ('Torgersen', 39.1, 18.7, 181, 3750, 'male', 2007), ('Biscoe', 50.5, 15.9, 225, 5400, NULL, 2009)"#
            )
            let fromFile = try Subprocess(
                Self.binary, ["predict", "bundle", "--input", "rows.csv"], in: folder, environment: environment)
            #expect(fromFile.wait(timeout: 60) == 0, "\(fromFile.errorOutput)")
            let input = url.replacingOccurrences(of: "?", with: "?query=select * from rows order by year&")
            let output = url.replacingOccurrences(of: "?", with: "?table=scored&")
            let toTable = try Subprocess(
                Self.binary, ["predict", "bundle", "--input", input, "--output", output], in: folder,
                environment: environment)
            #expect(toTable.wait(timeout: 60) == 0, "\(toTable.errorOutput)")
            #expect(toTable.errorOutput.contains("scored 3 of 3 rows"), "\(toTable.errorOutput)")
            let password = try #require(PostgresLocation(parsing: url).password)
            #expect(!toTable.errorOutput.contains(password))
            // The table holds what the file run printed, row for row.
            let back = try Subprocess(
                Self.binary,
                [
                    "predict", "bundle", "--input",
                    url.replacingOccurrences(
                        of: "?",
                        with:
                            "?query=select island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year from scored order by year&"
                    ),
                ],
                in: folder, environment: environment)
            #expect(back.wait(timeout: 60) == 0, "\(back.errorOutput)")
            #expect(back.output == fromFile.output)
            let stored = try await PostgresTableReader.read(
                db, source: .query(#"select sex, predicted_species, "probability_Adelie" from scored order by year"#),
                budgetBytes: nil
            ).frame
            #expect(stored.columns[0].text(at: 1) == #"fémale "quoted""# && stored.columns[0].text(at: 2) == nil)
            #expect(stored.columns[2].kind == .number && stored.columns[1].kind == .text)
            // An existing table is refused without --overwrite, and left as it was.
            let again = try Subprocess(
                Self.binary, ["predict", "bundle", "--input", input, "--output", output], in: folder,
                environment: environment)
            #expect(again.wait(timeout: 60) == 2)
            #expect(
                again.errorOutput.contains("table 'scored' already exists\nhint: add --overwrite to replace it"),
                "\(again.errorOutput)")
            db.close()
        }
    }
}
