import Bundles
import Diagnostics
import PostgresAccess
import Serving
import Testing

/// The wording of serving, bundle and PostgreSQL errors, pinned per case: the libraries name a
/// setting as data, the REPL shows `port=`, the shell `--port`.
@Suite("Serving, bundle and PostgreSQL errors: wording")
struct ServingErrorWordingTests {
    @Test func serverErrors() {
        let bind = ServingError.cannotBind(host: "127.0.0.1", port: 80, reason: "Permission denied")
        #expect(
            bind.diagnostic.rendered(.commandLine)
                == "cannot listen on 127.0.0.1:80: Permission denied\nhint: choose another port with --port, or 0 for any free port"
        )
        #expect(
            bind.description
                == "cannot listen on 127.0.0.1:80: Permission denied\nhint: choose another port with port=, or 0 for any free port"
        )
        #expect(
            ServingError.notALog(path: "p.sqlite").diagnostic.rendered(.commandLine)
                == "p.sqlite is not a workbench prediction log\nhint: serve with --log FILE to write one")
        let labels = ServingError.labels(path: "o.csv", reason: "no column 'id'")
        #expect(labels.description == "outcome file o.csv: no column 'id'")
    }

    @Test func bundleErrors() {
        #expect(
            BundleError.exists(path: "b").diagnostic.rendered(.commandLanguage)
                == "b already exists\nhint: add overwrite=yes to replace it")
        #expect(
            BundleError.exists(path: "b").diagnostic.rendered(.commandLine)
                == "b already exists\nhint: add --overwrite to replace it")
        #expect(
            BundleError.unsigned(bundle: "b").description
                == "b is not signed, but a trusted key was given\nhint: export with sign=\"key.pem\"")
        #expect(BundleError.notFound(path: "b").diagnostic.remedy == nil)
    }

    @Test func postgresErrorsStayOnOneLineInLogsAndSplitElsewhere() {
        let exists = PostgresError.tableExists(location: "postgresql://ana@db/x", table: "scored")
        #expect(
            exists.description
                == "postgresql://ana@db/x: table 'scored' already exists; add overwrite=yes to replace it, or name another table"
        )
        #expect(
            exists.diagnostic.rendered(.commandLine)
                == "postgresql://ana@db/x: table 'scored' already exists\nhint: add --overwrite to replace it, or name another table"
        )
        let large = PostgresError.tooLarge(
            location: "postgresql://ana@db/x", estimatedBytes: 300 << 20, budgetBytes: 100 << 20, estimatedRows: 9)
        #expect(large.diagnostic.remedy?.spelled(.commandLine) == "select fewer rows or columns, or raise --memory")
        #expect(
            PostgresError.noSuchTable(location: "db", table: "order", suggestion: "orders").description
                == "db has no table 'order'; did you mean 'orders'?")
    }

    @Test func httpRepliesCarryTheRemedyAsTheirDetail() {
        let reply = APIError(409, Diagnostic("no log", remedy: "start it with \(setting: "log", "FILE")"))
        #expect(reply.message == "no log" && reply.details == ["start it with --log FILE"])
        #expect(reply.response.body == #"{"error":"no log","details":["start it with --log FILE"]}"#)
        #expect(APIError(404, Diagnostic("no such model")).details.isEmpty)
    }
}
