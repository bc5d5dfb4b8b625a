import Diagnostics
import Testing

@testable import Tabular

/// The wording of the data errors, pinned per case in both front ends' syntax: the message says
/// what and where, the remedy what to do, and a setting is spelled by the front end.
@Suite("Data errors: wording")
struct TabularErrorWordingTests {
    let at = FileLocation(file: "d.csv", line: 3, column: 2)

    @Test func settingsInRemediesFollowTheFrontEnd() {
        let ragged = TabularError.raggedRow(at, expected: 4, found: 5)
        #expect(
            ragged.diagnostic.rendered(.commandLanguage)
                == "row at d.csv:3 has 5 fields, expected 4 like the header\nhint: quote fields that contain the separator, or check the separator with sep="
        )
        #expect(
            ragged.diagnostic.rendered(.commandLine)
                == "row at d.csv:3 has 5 fields, expected 4 like the header\nhint: quote fields that contain the separator, or check the separator with --sep"
        )
        let join = TabularError.joinKeyKinds("id", left: "text", right: "number")
        #expect(
            join.description
                == "the key 'id' is text in the left table and number in the right one\nhint: make both the same type (load with types= or derive a text copy)"
        )
        #expect(join.diagnostic.remedy?.spelled(.commandLine).contains("load with --types or") == true)
    }

    @Test func didYouMeanIsARemedy() {
        let unknown = TabularError.unknownColumn("specie", available: ["species", "island"])
        #expect(unknown.diagnostic == Diagnostic("no column named 'specie'", remedy: "did you mean 'species'?"))
        let far = TabularError.unknownColumn("zzz", available: ["species"])
        #expect(far.diagnostic.remedy == nil && far.description == "no column named 'zzz'")
        let table = TabularError.noTable(path: "db.sqlite", name: "order", tables: ["orders"])
        #expect(
            table.description
                == "SQLite error in db.sqlite: no table named 'order'; tables: orders\nhint: did you mean 'orders'?")
        #expect(
            TabularError.noTable(path: "e.sqlite", name: "t", tables: []).description
                == "SQLite error in e.sqlite: no table named 't' (the database has no tables)")
    }

    @Test func messagesWithoutRemedy() {
        #expect(TabularError.unreadable(path: "x", reason: "EIO").description == "cannot read x: EIO")
        #expect(
            TabularError.fileNotFound(path: "x.csv").diagnostic
                == Diagnostic(
                    "no such file: x.csv", remedy: "check the path; relative paths start from the current folder"))
    }
}
