import Bundles
import Foundation
import PostgresAccess
@testable import Serving
import Synchronization
import Tabular
import Testing
import TestSupport
import Learning
import PostgresNIO

/// A store that fails while told to, and keeps what it was given: the writer's behaviour when
/// the log's database is away, without stopping a real one.
final class FlakyStore: PredictionLogStore {
    let location = "flaky"
    let ids = PredictionIDs(after: 0)
    let hashingKey = [UInt8](repeating: 7, count: 32)
    let failing = Atomic<Bool>(true)
    let attempts = Atomic<Int>(0)
    let written = Mutex<[LoggedRequest]>([])

    struct Away: Error {}

    func write(_ requests: [LoggedRequest], rejected: [(time: Double, status: Int)]) throws {
        attempts.add(1, ordering: .relaxed)
        if failing.load(ordering: .relaxed) { throw Away() }
        written.withLock { $0 += requests }
    }

    func replenishIDs() throws {}
    func missing(_ ids: [Int64]) throws -> [Int64] { [] }
    func insert(_ outcomes: [Outcome], time: Double) throws -> OutcomeStorage {
        .stored(recorded: outcomes.count, unchanged: 0)
    }
    func writeShadow(_ rows: [ShadowRow]) throws {}
    func recordPromotion(champion: LoadedBundle, challenger: LoadedBundle?) throws {}
    func close() {}
}

/// A scored row of the penguins model with id `id` (inputs in the bundle's order).
private func row(_ id: Int64, island: String = "Biscoe", label: String = "Adelie") -> ScoredRow {
    var r = ScoredRow(
        inputs: [
            .text(island), .number(39.1), .number(18.7), .number(181), .number(3750), .text("male"), .number(2007),
        ],
        label: label, probabilities: [0.9, 0.05, 0.05], value: nil, warnings: [])
    r.id = id
    return r
}

@Suite("The prediction log's writer when its store is away", .serialized)
struct LogWriterOutageTests {
    static let bundle: LoadedBundle? = {
        guard let folder = try? temporaryFolder(), let path = try? exportPenguins(to: folder) else { return nil }
        return try? BundleReader.open(path)
    }()

    @Test func keepsTheRowsAndWritesThemOnceTheStoreIsBack() throws {
        let bundle = try #require(Self.bundle)
        let store = FlakyStore()
        let errors = Atomic<Int>(0), dropped = Atomic<Int>(0)
        let log = PredictionLog(
            store: store, bundle: bundle, redacted: [], flushInterval: 0.02, maximumQueued: 1_000,
            onDrop: { dropped.add($0, ordering: .relaxed) }, onWriteError: { errors.add(1, ordering: .relaxed) })
        defer { log.close() }
        for id in 1...300 {
            log.append(time: Double(id), status: 200, latencyMilliseconds: 1, rows: [row(Int64(id))], model: "m")
        }
        #expect(!log.waitUntilWritten(timeout: 2), "a failing store is not 'written'")
        // Backoff: after the first failure the writer waits (0.04 s, doubling) rather than retrying every cycle.
        let deadline = Date().addingTimeInterval(5)
        // Each failed attempt is counted once (the count follows the store's throw).
        while errors.load(ordering: .relaxed) < 2, Date() < deadline { usleep(10_000) }
        #expect(errors.load(ordering: .relaxed) >= 2)
        #expect(store.attempts.load(ordering: .relaxed) - errors.load(ordering: .relaxed) <= 1)
        store.failing.store(false, ordering: .relaxed)
        for id in 301...310 {
            log.append(time: Double(id), status: 200, latencyMilliseconds: 1, rows: [row(Int64(id))], model: "m")
        }
        #expect(log.waitUntilWritten(timeout: 10))
        let ids = store.written.withLock { $0.flatMap { $0.rows.map(\.id) } }
        #expect(ids == (1...310).map(Int64.init), "every row, once, in order")
        #expect(dropped.load(ordering: .relaxed) == 0)
        // Each request keeps the sequence number it was given, across the retries.
        #expect(store.written.withLock { $0.map(\.sequence) } == (1...310).map(Int64.init))
    }

    @Test func dropsTheOldestBeyondItsBoundAndCountsThem() throws {
        let bundle = try #require(Self.bundle)
        let store = FlakyStore()
        let dropped = Atomic<Int>(0)
        let log = PredictionLog(
            store: store, bundle: bundle, redacted: [], flushInterval: 0.02, maximumQueued: 100,
            onDrop: { dropped.add($0, ordering: .relaxed) })
        defer { log.close() }
        for id in 1...250 {
            log.append(time: Double(id), status: 200, latencyMilliseconds: 1, rows: [row(Int64(id))], model: "m")
            if id % 50 == 0 { usleep(50_000) }
        }
        store.failing.store(false, ordering: .relaxed)
        #expect(log.waitUntilWritten(timeout: 10))
        let ids = store.written.withLock { $0.flatMap { $0.rows.map(\.id) } }
        // The newest rows survive, a contiguous run up to the last; everything else was counted.
        try #require(ids.last == 250)
        #expect(ids == Array((250 - Int64(ids.count) + 1)...250))
        #expect((90...100).contains(ids.count), "\(ids.count) kept")
        #expect(ids.count + dropped.load(ordering: .relaxed) == 250)
    }
}

@Suite(
    "One prediction log for many replicas, in PostgreSQL", .serialized,
    .enabled(if: TestPostgres.isAvailable, "needs WORKBENCH_TEST_POSTGRES (.ci/run starts a private cluster)"))
struct SharedLogTests {
    static let bundles: (linear: String, tree: String)? = {
        guard let folder = try? temporaryFolder(), let linear = try? exportPenguins(to: folder),
            let tree = try? exportPenguins(to: folder, algorithm: "tree")
        else { return nil }
        return (linear, tree)
    }()

    /// A database for one test, dropped after it; `body` gets its URL.
    static func withFreshDatabase(_ body: @escaping @Sendable (String) throws -> Void) async throws {
        let admin = try PostgresPool(PostgresLocation(parsing: try #require(TestPostgres.url)))
        defer { admin.close() }
        let name = TestPostgres.freshDatabaseName()
        try await admin.execute("CREATE DATABASE \(name)")
        let url = try #require(TestPostgres.url(database: name))
        var failure: (any Error)?
        // The log's calls block their thread: off Swift's cooperative pool, as a server's are.
        do { try await offPool { try body(url) } } catch { failure = error }
        try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
        if let failure { throw failure }
    }

    @Test func replicasGiveDistinctIdsAndAreReadTogether() async throws {
        let paths = try #require(Self.bundles)
        try await Self.withFreshDatabase { url in
            let bundle = try BundleReader.open(paths.linear)
            let a = try PredictionLog(
                location: url, bundle: bundle, redact: ["island"], flushInterval: 0.02, replica: "a", idBlockSize: 1_024
            )
            let b = try PredictionLog(
                location: url, bundle: bundle, redact: ["island"], flushInterval: 0.02, replica: "b", idBlockSize: 1_024
            )
            defer {
                a.close()
                b.close()
            }
            let now = Date().timeIntervalSince1970
            // 600 ids from a's first block: more than half, so its writer fetches the next block.
            let firstA = try #require(a.ids.take(600))
            let firstB = try #require(b.ids.take(10))
            a.append(
                time: now, status: 200, latencyMilliseconds: 1, rows: (0..<600).map { row(firstA + Int64($0)) },
                model: bundle.manifest.modelID)
            b.append(
                time: now + 1, status: 200, latencyMilliseconds: 1,
                rows: (0..<10).map { row(firstB + Int64($0), label: "Gentoo") }, model: bundle.manifest.modelID)
            #expect(a.waitUntilWritten() && b.waitUntilWritten())
            #expect(a.waitUntilWritten(), "a second cycle, after the block was asked for")
            // 600 more do not fit in the 424 left: they come from the spare block, which is nobody else's.
            let secondA = try #require(a.ids.take(600))
            #expect(secondA > firstB + 1_024 || secondA > firstA + 1_023, "a fresh block, not the rest of the first")
            let all = [firstA..<(firstA + 600), firstB..<(firstB + 10), secondA..<(secondA + 600)]
            for i in all.indices {
                for j in all.indices where i < j { #expect(!all[i].overlaps(all[j]), "\(all[i]) and \(all[j])") }
            }
            a.append(
                time: now + 2, status: 200, latencyMilliseconds: 1, rows: (0..<600).map { row(secondA + Int64($0)) },
                model: bundle.manifest.modelID)
            #expect(a.waitUntilWritten())

            let reader = try PredictionLogs.open(url)
            let window = try reader.labelledWindow(rows: 2_000)
            #expect(window.count == 1_210)
            #expect(Set(window.compactMap(\.id)).count == 1_210)
            #expect(window.filter { $0.predicted == .text("Gentoo") }.count == 10)
            let replicas = try reader.replicas()
            #expect(replicas.map(\.replica) == ["a", "b"])
            #expect(replicas.map(\.rowsScored) == [1_200, 10])
            let summary = try LogMonitor.summary(log: reader, options: MonitorOptions())
            #expect(summary.traffic.rowsScored == 1_210)

            // An outcome for a's prediction, sent to b: found, stored once, a different one refused.
            #expect(try b.store([Outcome(id: firstA, label: "Adelie")]) == .stored(recorded: 1, unchanged: 0))
            #expect(try a.store([Outcome(id: firstA, label: "Adelie")]) == .stored(recorded: 0, unchanged: 1))
            guard
                case .conflicting(let c) = try a.store([
                    Outcome(id: firstA, label: "Gentoo"), Outcome(id: firstB, label: "Gentoo"),
                ])
            else {
                Issue.record("a different outcome for one id must be refused")
                return
            }
            #expect(c.map(\.sent.id) == [firstA])
            #expect(
                try a.store([Outcome(id: firstB, label: "Gentoo")]) == .stored(recorded: 1, unchanged: 0),
                "all or nothing: not stored before")
            #expect(try a.store([Outcome(id: 999_999_999, label: "Adelie")]) == .unknown([999_999_999]))
            let labelled = try reader.labelledWindow(rows: 2_000).filter { $0.truth != nil }
            #expect(labelled.count == 2)

            // Sensitive values hashed with one key for the model, whichever replica wrote them.
            let hashes = try PostgresPool(PostgresLocation(parsing: url)).blocking { pool in
                try await pool.withConnection { connection in
                    try await connection.query(
                        "SELECT DISTINCT inputs::jsonb->>'island' FROM workbench_predictions",
                        logger: PostgresPool.quietLogger
                    )
                    .collect().map { try $0.decode(String.self) }
                }
            }
            #expect(hashes.count == 1)
            #expect(hashes.first?.hasPrefix("hmac-sha256:") == true)
        }
    }

    @Test func aServedNameHoldsOneModelAndMonitorSaysWhichToRead() async throws {
        let paths = try #require(Self.bundles)
        try await Self.withFreshDatabase { url in
            let linear = try BundleReader.open(paths.linear), tree = try BundleReader.open(paths.tree)
            let first = try PredictionLog(location: url, bundle: linear, redact: [], replica: "a")
            defer { first.close() }
            #expect(throws: ServingError.self) {
                try PredictionLog(location: url, bundle: tree, redact: [], replica: "b")
            }
            do {
                _ = try PredictionLog(location: url, bundle: tree, redact: [], replica: "b")
            } catch {
                #expect("\(error)".contains("it logs model \(linear.manifest.modelID), not \(tree.manifest.modelID)"))
                #expect(
                    !"\(error)".contains(try #require(PostgresLocation(parsing: url).password)),
                    "the password is never shown")
            }
            let other = try PredictionLog(
                location: url, bundle: tree, redact: [], servedName: "penguins-tree", replica: "b")
            defer { other.close() }
            do {
                _ = try PredictionLogs.open(url)
                Issue.record("two models: monitor must ask which")
            } catch {
                #expect("\(error)".contains("2 models are logged here"))
                #expect("\(error)".contains("penguins-tree"))
            }
            #expect(try PredictionLogs.open(url, model: "penguins-tree").modelID == tree.manifest.modelID)
            #expect(try PredictionLogs.open(url, model: linear.manifest.modelID).modelID == linear.manifest.modelID)
            #expect(throws: ServingError.self) { try PredictionLogs.open(url, model: "nope") }
        }
    }

    @Test func retentionKeepsTheNewestRowsAndNoneOlderThanTheAge() async throws {
        let paths = try #require(Self.bundles)
        try await Self.withFreshDatabase { url in
            let bundle = try BundleReader.open(paths.linear)
            let now = Date().timeIntervalSince1970
            // Retention on every write (a server applies it every ten seconds).
            let description = LogDescription(
                bundle: bundle, shadowBundle: nil, redacted: [], servedName: bundle.manifest.name)
            let store = try PostgresPredictionLogStore(
                url: url, description: description, retention: 50, maximumAge: 3_600, replica: "a",
                blockSize: 1_024, retentionInterval: 0)
            let log = PredictionLog(
                store: store, bundle: bundle, redacted: [], retention: 50, maximumAge: 3_600, flushInterval: 0.02)
            defer { log.close() }
            let first = try #require(log.ids.take(120))
            // 20 rows two hours old, then 100 fresh ones, each request at its own time.
            for i in 0..<120 {
                let time = i < 20 ? now - 7_200 + Double(i) : now - 100 + Double(i)
                log.append(
                    time: time, status: 200, latencyMilliseconds: 1, rows: [row(first + Int64(i))],
                    model: bundle.manifest.modelID)
            }
            #expect(log.waitUntilWritten())
            let window = try PredictionLogs.open(url).labelledWindow(rows: 1_000)
            #expect(window.count == 50, "\(window.count)")
            #expect(window.last?.id == first + 119)
            #expect(window.allSatisfy { ($0.time ?? 0) > now - 3_600 })
        }
    }

    @Test func anEditedLogIsReadWithinBoundsOrRefused() async throws {
        let paths = try #require(Self.bundles)
        try await Self.withFreshDatabase { url in
            let bundle = try BundleReader.open(paths.linear)
            let log = try PredictionLog(location: url, bundle: bundle, redact: [], flushInterval: 0.02, replica: "a")
            let first = try #require(log.ids.take(3))
            log.append(
                time: Date().timeIntervalSince1970, status: 200, latencyMilliseconds: 1,
                rows: (0..<3).map { row(first + Int64($0)) },
                model: bundle.manifest.modelID)
            #expect(log.waitUntilWritten())
            log.close()
            let admin = try PostgresPool(PostgresLocation(parsing: url))
            defer { admin.close() }
            // A 2 MB value: read as missing, not loaded.
            try admin.blocking {
                try await $0.execute(
                    "UPDATE workbench_predictions SET inputs = repeat('x', 2000000), label = repeat('y', 2000000) WHERE id = \(first)"
                )
            }
            let reader = try PredictionLogs.open(url)
            let window = try reader.window(rows: 10, features: bundle.pipeline.inputs, since: nil)
            #expect(window.inputs.count == 3)
            #expect(window.inputs.first?.allSatisfy { $0 == .null } == true)
            #expect(window.outputs.first == .null)
            // A column of another type: one error, no crash.
            try admin.blocking { try await $0.execute("ALTER TABLE workbench_predictions ALTER COLUMN id TYPE text") }
            #expect(throws: ServingError.self) { try reader.labelledWindow(rows: 10) }
        }
    }

    @Test func aWrongPasswordOrAnUnreachableServerIsOneLineWithTheURLMasked() async throws {
        let paths = try #require(Self.bundles)
        let bundle = try BundleReader.open(paths.linear)
        let url = try #require(TestPostgres.url)
        let wrong = url.replacingOccurrences(
            of: try #require(PostgresLocation(parsing: url).password), with: "not-the-password")
        try await offPool {
            for bad in [wrong, "postgresql://workbench:secret@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2"] {
                do {
                    _ = try PredictionLog(location: bad, bundle: bundle, redact: [])
                    Issue.record("\(PostgresLocation.mask(bad)) must be refused")
                } catch {
                    let text = "\(error)"
                    #expect(!text.contains("not-the-password") && !text.contains("secret"), "\(text)")
                    #expect(!text.contains("\n"), "\(text)")
                    #expect(text.contains("refused") || text.contains("cannot reach"), "\(text)")
                }
            }
        }
    }
}
