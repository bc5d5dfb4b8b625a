import Foundation
public import GRDB
public import PostgresAccess
import Learning

/// One recorded training, comparison or tuning run.
public struct RunRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runs"

    public var id: Int64?
    /// train, compare or tune.
    public var kind: String
    public var algorithm: String
    /// Hyperparameters as JSON (sorted keys).
    public var parameters: String
    public var seed: Int64
    public var dataName: String
    public var dataFingerprint: String
    public var rows: Int
    public var columns: Int
    public var target: String
    public var task: String
    /// Metric name → value as JSON; for cross-validated runs the mean, with `_std` entries.
    public var metrics: String
    public var fitSeconds: Double
    public var sessionFile: String?
    public var cell: Int
    public var createdAt: String
    public var workbenchVersion: String
    /// Who recorded it and on which machine: in a shared registry, whose run this is.
    public var user: String?
    public var host: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The run registry: every train, compare and tune, across sessions. By default SQLite under
/// `$WORKBENCH_HOME/runs.sqlite`, where WAL mode and a busy timeout let several workbench processes
/// write at once without corrupting it or failing; with `WORKBENCH_REGISTRY=postgresql://…` a
/// PostgreSQL database that a team shares (`PostgresRunStore`), same records and commands.
public final class RunRegistry: Sendable {
    private enum Store: Sendable {
        case sqlite(DatabasePool)
        case postgres(PostgresRunStore)
    }

    private let store: Store
    /// Where the runs are, as messages show it (a database URL without its password).
    public let location: String

    /// The registry named by `WORKBENCH_REGISTRY` (a PostgreSQL URL, or a SQLite file path), or
    /// the SQLite file under `home`.
    public convenience init(setting: String?, home: String) throws {
        if let setting, PostgresLocation.isPostgresURL(setting) {
            try self.init(postgres: PostgresLocation(parsing: setting))
        } else {
            try self.init(path: setting ?? home + "/runs.sqlite")
        }
    }

    public init(postgres location: PostgresLocation) throws {
        self.location = location.masked
        store = .postgres(try PostgresRunStore(location))
    }

    public init(path: String) throws {
        self.location = path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(15)
        // Processes that create the file at the same moment can see SQLITE_BUSY while one of
        // them switches it to WAL or migrates it (SQLite skips the busy handler there to avoid
        // deadlock), so opening is retried for a while before giving up.
        let pool = try Self.retryingWhileBusy { try DatabasePool(path: path, configuration: configuration) }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "runs", ifNotExists: true) { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("algorithm", .text).notNull()
                t.column("parameters", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("dataName", .text).notNull()
                t.column("dataFingerprint", .text).notNull()
                t.column("rows", .integer).notNull()
                t.column("columns", .integer).notNull()
                t.column("target", .text).notNull()
                t.column("task", .text).notNull()
                t.column("metrics", .text).notNull()
                t.column("fitSeconds", .double).notNull()
                t.column("sessionFile", .text)
                t.column("cell", .integer).notNull()
                t.column("createdAt", .text).notNull()
                t.column("workbenchVersion", .text).notNull()
            }
            try db.create(index: "runs_algorithm", on: "runs", columns: ["algorithm"], ifNotExists: true)
        }
        migrator.registerMigration("v2: user and host") { db in
            // Only what is missing: another process may have added the columns already.
            let existing = Set(try db.columns(in: "runs").map(\.name))
            guard !existing.contains("user") || !existing.contains("host") else { return }
            try db.alter(table: "runs") { t in
                if !existing.contains("user") { t.add(column: "user", .text) }
                if !existing.contains("host") { t.add(column: "host", .text) }
            }
        }
        // Two processes can both find a migration unapplied and race to apply and record it; the
        // loser's UNIQUE failure, or its "duplicate column" when it read the schema before the
        // winner committed, means it is applied, and the retry finds nothing left to do.
        try Self.retryingWhileBusy(alsoOn: [.SQLITE_CONSTRAINT], orMessage: "duplicate column name") {
            try migrator.migrate(pool)
        }
        store = .sqlite(pool)
    }

    private static func retryingWhileBusy<T>(
        alsoOn extraCodes: [ResultCode] = [], orMessage message: String? = nil, _ body: () throws -> T
    ) throws -> T {
        let deadline = ContinuousClock.now + .seconds(20)
        var pause = Duration.milliseconds(5)
        func retryable(_ error: DatabaseError) -> Bool {
            ([.SQLITE_BUSY, .SQLITE_LOCKED] + extraCodes).contains(error.resultCode)
                || message.map { (error.message ?? "").contains($0) } == true
        }
        while true {
            do {
                return try body()
            } catch let error as DatabaseError where retryable(error) && ContinuousClock.now < deadline {
                // Jitter breaks lockstep between processes that started together.
                Thread.sleep(
                    forTimeInterval: Double(pause.components.attoseconds) / 1e18 * Double.random(in: 0.5...1.5))
                pause = min(pause * 2, .milliseconds(200))
            }
        }
    }

    /// Inserts a run and returns its id.
    public func insert(_ record: RunRecord) throws -> Int64? {
        switch store {
        case .sqlite(let pool):
            return try pool.write { db in
                var r = record
                try r.insert(db)
                return r.id
            }
        case .postgres(let runs):
            return try runs.insert(record)
        }
    }

    /// The most recent runs first, optionally filtered.
    public func runs(last: Int, algorithm: String? = nil, kind: String? = nil, data: String? = nil) throws
        -> [RunRecord]
    {
        guard case .sqlite(let pool) = store else {
            guard case .postgres(let runs) = store else { return [] }
            return try runs.runs(last: last, algorithm: algorithm, kind: kind, data: data)
        }
        return try pool.read { db in
            var request = RunRecord.all()
            if let algorithm { request = request.filter(Column("algorithm") == algorithm) }
            if let kind { request = request.filter(Column("kind") == kind) }
            if let data { request = request.filter(Column("dataName") == data) }
            return try request.order(Column("id").desc).limit(last).fetchAll(db)
        }
    }

    public func run(id: Int64) throws -> RunRecord? {
        switch store {
        case .sqlite(let pool): try pool.read { db in try RunRecord.fetchOne(db, key: id) }
        case .postgres(let runs): try runs.run(id: id)
        }
    }

    public func count() throws -> Int {
        switch store {
        case .sqlite(let pool): try pool.read { db in try RunRecord.fetchCount(db) }
        case .postgres(let runs): try runs.count()
        }
    }
}

extension RunRecord {
    /// The record of a trained model.
    init(kind: String, model: TrainedModel, session: Session) {
        let pipeline = model.pipeline
        var metrics: [String: Double] = [:]
        for m in MetricCatalog.metrics(for: pipeline.task) {
            let v = m.value(model.trainingScores)
            if v.isFinite { metrics["training_" + m.name] = v }
        }
        self.init(
            id: nil, kind: kind, algorithm: pipeline.algorithm,
            parameters: jsonText(pipeline.parameters.values.mapValues(\.description)),
            seed: Int64(pipeline.seed), dataName: model.dataName, dataFingerprint: model.dataFingerprint,
            rows: model.rowCount,
            columns: pipeline.inputs.count, target: pipeline.target.name, task: pipeline.task.rawValue,
            metrics: jsonText(metrics), fitSeconds: model.fitSeconds, sessionFile: session.transcriptPath,
            cell: session.nextCellNumber,
            createdAt: isoNow(), workbenchVersion: currentVersion, user: RunRecord.currentUser,
            host: RunRecord.currentHost)
    }

    /// The record of one cross-validated candidate.
    init(
        kind: String, result: CrossValidationResult, leaderboard: Leaderboard, dataFingerprint: String, rows: Int,
        columns: Int, session: Session
    ) {
        var metrics: [String: Double] = [:]
        for m in MetricCatalog.metrics(for: leaderboard.task) {
            let mean = result.mean(of: m)
            if mean.isFinite {
                metrics["cv_" + m.name] = mean
                metrics["cv_" + m.name + "_std"] = result.standardDeviation(of: m)
            }
        }
        self.init(
            id: nil, kind: kind, algorithm: result.algorithm,
            parameters: jsonText(result.parameters.values.mapValues(\.description)),
            seed: Int64(leaderboard.seed), dataName: leaderboard.dataName, dataFingerprint: dataFingerprint, rows: rows,
            columns: columns,
            target: leaderboard.target, task: leaderboard.task.rawValue, metrics: jsonText(metrics),
            fitSeconds: result.fitSeconds.reduce(0, +), sessionFile: session.transcriptPath,
            cell: session.nextCellNumber,
            createdAt: isoNow(), workbenchVersion: currentVersion, user: RunRecord.currentUser,
            host: RunRecord.currentHost)
    }
}

private func jsonText<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}

extension RunRecord {
    static let currentUser: String? = {
        let environment = ProcessInfo.processInfo.environment
        return (environment["USER"] ?? environment["LOGNAME"]).flatMap { $0.isEmpty ? nil : $0 }
            ?? ProcessInfo.processInfo.userName
    }()
    static let currentHost: String? = ProcessInfo.processInfo.hostName
}

func isoNow() -> String {
    ISO8601DateFormatter().string(from: Date())
}

extension Session {
    /// The run registry under this session's home, opened on first use; nil (with the reason
    /// kept in `registryProblem`) if it cannot be opened, so training still works.
    public var registry: RunRegistry? {
        if let r = registryStorage.registry { return r }
        do {
            let r = try RunRegistry(setting: environment.registry, home: environment.home)
            registryStorage.registry = r
            return r
        } catch {
            registryStorage.problem = String(describing: error)
            return nil
        }
    }
}

/// Lazily opened registry state held by a session.
final class RegistryStorage {
    var registry: RunRegistry?
    var problem: String?
}

extension CommandContext {
    /// Records a run in the session's registry. A registry that cannot be opened or written never
    /// fails the command, but the user is told the run was not recorded, and why.
    /// While `open` restores a session nothing is recorded: its runs were recorded when it ran.
    mutating func recordRun(_ run: RunRecord) -> Int64? {
        guard session.reopening == nil else { return nil }
        guard let registry = session.registry else {
            print(
                "note: not recorded in the run registry (\(session.registryStorage.problem ?? "it cannot be opened"))")
            return nil
        }
        do {
            return try registry.insert(run)
        } catch {
            print("note: not recorded in the run registry \(registry.location): \(error)")
            return nil
        }
    }
}

/// The running version, under a name record properties do not shadow.
private let currentVersion = workbenchVersion
