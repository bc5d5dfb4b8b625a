import Foundation
import Testing
@testable import PostgresAccess

@Suite("PostgreSQL connection strings")
struct PostgresLocationTests {
    let empty: [String: String] = [:]

    @Test func readsEveryPartOfTheURL() throws {
        let l = try PostgresLocation(
            parsing:
                "postgresql://ana:s%40cret@db.example.org:6543/shop?sslmode=require&connect_timeout=3&table=orders",
            environment: empty, homeDirectory: "/nonexistent")
        #expect(l.user == "ana")
        #expect(l.password == "s@cret")
        #expect(l.passwordSource == "the URL")
        #expect(l.host == "db.example.org")
        #expect(l.port == 6543)
        #expect(l.database == "shop")
        #expect(l.sslMode == .require)
        #expect(l.connectTimeout == 3)
        #expect(l.parameter("table") == "orders")
        #expect(l.masked == "postgresql://ana@db.example.org:6543/shop")
        #expect(!"\(l)".contains("cret"))
    }

    @Test func takesAQueryTypedWithSpaces() throws {
        let l = try PostgresLocation(
            parsing: "postgresql://ana@db/shop?query=select * from orders where total > 10 and note = 'a b'",
            environment: [:], homeDirectory: "/nonexistent")
        #expect(l.parameter("query") == "select * from orders where total > 10 and note = 'a b'")
        let encoded = try PostgresLocation(
            parsing: "postgresql://ana@db/shop?query=select%20id%20from%20t", environment: [:],
            homeDirectory: "/nonexistent")
        #expect(encoded.parameter("query") == "select id from t")
    }

    @Test func fillsTheGapsFromTheEnvironmentAsLibpqDoes() throws {
        let env = ["PGUSER": "bo", "PGHOST": "pg.local", "PGPORT": "7000", "PGPASSWORD": "pw"]
        let l = try PostgresLocation(parsing: "postgres://", environment: env, homeDirectory: "/nonexistent")
        #expect(l.user == "bo" && l.host == "pg.local" && l.port == 7000 && l.database == "bo")
        #expect(l.password == "pw" && l.passwordSource == "PGPASSWORD")
        #expect(l.sslMode == .prefer && l.connectTimeout == 10)
    }

    @Test func refusesWhatIsNotAConnection() {
        for bad in [
            "mysql://x@y/z", "postgresql://a@b/c?sslmode=sometimes", "postgresql://a@b/c?connect_timeout=0",
            "postgresql://a@b/c?table=x&table=y", "postgresql://a@b:99999/c",
        ] {
            #expect(throws: PostgresError.self, "\(bad)") {
                try PostgresLocation(parsing: bad, environment: empty, homeDirectory: "/nonexistent")
            }
        }
    }

    @Test func passwordFileMatchesWildcardsAndEscapesAndIsIgnoredWhenOthersCanReadIt() throws {
        let folder = NSTemporaryDirectory() + "pgpass-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/.pgpass"
        try "# comment\nother:5432:*:ana:wrong\ndb:*:shop:ana:pa\\:ss\\\\word\n*:*:*:*:fallback\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let l = try PostgresLocation(parsing: "postgresql://ana@db/shop", environment: [:], homeDirectory: folder)
        #expect(l.password == "pa:ss\\word")
        #expect(l.passwordSource == file)
        let other = try PostgresLocation(
            parsing: "postgresql://bo@elsewhere/x", environment: ["PGPASSFILE": file], homeDirectory: "/nonexistent")
        #expect(other.password == "fallback")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let ignored = try PostgresLocation(parsing: "postgresql://ana@db/shop", environment: [:], homeDirectory: folder)
        #expect(ignored.password == nil)
    }

    @Test func masksPasswordsInAnyLine() {
        #expect(
            PostgresLocation.mask(#"load "postgresql://ana:secret@db/x" table=t"#)
                == #"load "postgresql://ana@db/x" table=t"#)
        #expect(
            PostgresLocation.mask("postgres://a:b:c@h:1/d?password=zz&table=t and postgresql://u@h/d")
                == "postgres://a@h:1/d?table=t and postgresql://u@h/d")
        #expect(PostgresLocation.mask("postgresql://h/d?password=zz") == "postgresql://h/d")
        #expect(
            PostgresLocation.starPasswords(in: #"load "postgresql://ana:secret@db/x?password=pw" table=t"#)
                == #"load "postgresql://ana:******@db/x?***********" table=t"#)
        #expect(PostgresLocation.mask("no url here: secret") == "no url here: secret")
        #expect(
            PostgresLocation.mask("POSTGRESQL://x:y@z and https://u:p@web") == "POSTGRESQL://x@z and https://u:p@web")
    }
}
