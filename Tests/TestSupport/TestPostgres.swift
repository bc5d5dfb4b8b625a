import Foundation

/// The PostgreSQL server the tests may use: `WORKBENCH_TEST_POSTGRES`, a superuser's URL, set by
/// `.ci/run` after starting a private cluster (Tests/Postgres/cluster.sh). Tests that need it are
/// enabled only when it is set; `.ci/run` always sets it, so there they always run.
package enum TestPostgres {
    package static let url: String? = ProcessInfo.processInfo.environment["WORKBENCH_TEST_POSTGRES"].flatMap {
        $0.isEmpty ? nil : $0
    }
    package static var isAvailable: Bool { url != nil }

    /// `url` with its database replaced by `database`, keeping user, password and parameters.
    package static func url(database: String) -> String? {
        guard let url, var components = URLComponents(string: url) else { return nil }
        components.path = "/" + database
        return components.string
    }

    /// A fresh database for one test, named `wb_<random>`, made with `psql`-free SQL by the caller's
    /// client; the name only.
    package static func freshDatabaseName() -> String {
        "wb_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    }
}
