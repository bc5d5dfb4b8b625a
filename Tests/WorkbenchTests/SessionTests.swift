import Foundation
import Testing
import TestSupport
@testable import Workbench
import CommandLanguage
import Tabular

@Suite("Session commands")
struct SessionTests {
    @Test func loadDescribeSplit() throws {
        let session = makeSession()
        let load = try #require(run(session, #"load "examples/penguins.csv""#))
        #expect(load.succeeded)
        #expect(
            load.output.plainText.hasPrefix(
                "loaded penguins: 344 rows × 8 columns (5 number, 3 text), 19 missing cells"))
        #expect(load.dataFiles.count == 1)
        let split = try #require(run(session, "split penguins stratify=species seed=7"))
        #expect(split.succeeded)
        guard case .dataset(let train)? = session.lookup("penguins.train"),
            case .dataset(let test)? = session.lookup("penguins.test")
        else {
            Issue.record("split did not bind both parts")
            return
        }
        #expect(train.frame.rowCount + test.frame.rowCount == 344)
        #expect(test.frame.rowCount == 69)  // ceil(0.2 × 344)
    }

    @Test func twoNamesFromSplit() throws {
        let session = makeSession()
        run(session, #"load "examples/iris.csv""#, "tr, te = split iris test=30%")
        guard case .dataset(let te)? = session.lookup("te") else {
            Issue.record("te not bound")
            return
        }
        #expect(te.frame.rowCount == 45)
        #expect(session.lookup("tr") != nil)
    }

    @Test func failedCommandBindsNothing() throws {
        let session = makeSession()
        run(session, #"load "examples/iris.csv""#)
        let before = session.boundNames
        let cell = try #require(run(session, "x = select iris sepal_length, nope"))
        #expect(!cell.succeeded)
        #expect(session.boundNames == before)
        #expect(cell.output.plainText.contains("no column named 'nope'"))
    }

    @Test func selectAndDrop() throws {
        let session = makeSession()
        run(session, #"load "examples/penguins.csv""#)
        let select = try #require(run(session, #"small = select penguins [species, "island"]"#))
        #expect(select.output.plainText == "small: 344 rows × 2 columns (species, island)")
        let drop = try #require(run(session, "drop penguins year"))
        #expect(drop.output.plainText.hasPrefix("penguins_dropped: 344 rows × 7 columns"))
        let none = try #require(run(session, "select small []"))
        #expect(!none.succeeded)
    }

    @Test func wrongKindAndUnknownName() throws {
        let session = makeSession()
        let cell = try #require(run(session, "describe penguin"))
        #expect(cell.output.plainText.contains("no dataset, model or result named 'penguin'"))
        #expect(cell.output.plainText.contains("nothing is bound yet"))
        run(session, #"load "examples/penguins.csv""#)
        let typo = try #require(run(session, "describe penguin"))
        #expect(typo.output.plainText.contains("did you mean 'penguins'?"))
    }

    @Test func loadErrorsNameTheFile() throws {
        let session = makeSession()
        let missing = try #require(run(session, #"load "nope/missing.csv""#))
        #expect(missing.output.plainText.hasPrefix("error: no such file: nope/missing.csv"))
        let folder = try #require(run(session, #"load "examples""#))
        #expect(folder.output.plainText.hasPrefix("error: examples is a folder"))
        let unquoted = try #require(run(session, "load examples/iris.csv"))
        #expect(unquoted.output.plainText.contains("paths go in double quotes"))
    }

    @Test func sqliteTablesAndQueries() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let db = folder + "/shop.db"
        let python = try Subprocess(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import sqlite3; c = sqlite3.connect('\(db)')
                c.execute('create table orders (id integer, item text, total real)')
                c.executemany('insert into orders values (?,?,?)', [(1,'tea',3.5),(2,'cake',None),(3,'tea',12.0)])
                c.commit()
                """,
            ])
        try #require(python.wait(timeout: 60) == 0, "python3 could not write the database: \(python.errorOutput)")
        let session = makeSession(in: folder)
        let table = try #require(run(session, #"load "sqlite:shop.db" table=orders"#))
        #expect(
            table.output.plainText.hasPrefix("loaded orders: 3 rows × 3 columns (2 number, 1 text), 1 missing cell"))
        let query = try #require(
            run(session, #"load "sqlite:shop.db" query="select item, total from orders where total > 5" as big"#))
        #expect(query.output.plainText.hasPrefix("loaded big: 1 rows × 2 columns"))
        let badTable = try #require(run(session, #"load "sqlite:shop.db" table=ordrs"#))
        #expect(badTable.output.plainText.contains("no table named 'ordrs'"))
        #expect(badTable.output.plainText.contains("did you mean 'orders'?"))
        let badSQL = try #require(run(session, #"load "sqlite:shop.db" query="selec * from orders""#))
        #expect(badSQL.output.plainText.hasPrefix("error: SQLite error in shop.db:"))
        #expect(badSQL.output.plainText.contains("syntax error"))
        let neither = try #require(run(session, #"load "sqlite:shop.db""#))
        #expect(neither.output.plainText.contains("needs table= or query="))
    }

    @Test func historyAndRerun() throws {
        let session = makeSession()
        run(session, #"load "examples/iris.csv""#, "bogus")
        let history = try #require(run(session, "history"))
        #expect(history.output.plainText == "[1]   load \"examples/iris.csv\"\n[2] ! bogus")
        let rerun = try #require(run(session, "rerun 1"))
        #expect(rerun.succeeded)
        #expect(rerun.output.lines.first == "rerun [1]> load \"examples/iris.csv\"")
        let failing = try #require(run(session, "rerun 2"))
        #expect(!failing.succeeded)
        #expect(failing.output.plainText.contains("unknown command 'bogus'"))
        let missing = try #require(run(session, "rerun 99"))
        #expect(missing.output.plainText.contains("there is no cell 99"))
    }

    @Test func helpComesFromTheTable() throws {
        let session = makeSession()
        let overview = try #require(run(session, "help"))
        for spec in CommandTable.all { #expect(overview.output.plainText.contains(spec.name)) }
        let detail = try #require(run(session, "help split"))
        #expect(
            detail.output.plainText.hasPrefix("usage: [NAME[, NAME] =] split NAME [test=0.2] [stratify=…] [seed=42]"))
        let typo = try #require(run(session, "help splt"))
        #expect(typo.output.plainText.contains("did you mean 'split'?"))
    }

    @Test func quitStopsTheSession() {
        let session = makeSession()
        run(session, "quit")
        #expect(session.quitRequested)
    }

    @Test func readmeReferenceIsGeneratedFromTheTable() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let begin = "<!-- BEGIN COMMAND REFERENCE (generated by `workbench reference`) -->\n"
        let end = "<!-- END COMMAND REFERENCE -->"
        let start = try #require(readme.range(of: begin), "README lacks the reference markers")
        let stop = try #require(readme.range(of: end))
        let section = String(readme[start.upperBound..<stop.lowerBound])
        #expect(
            section.trimmingCharacters(in: .whitespacesAndNewlines)
                == HelpText.markdownReference().trimmingCharacters(in: .whitespacesAndNewlines),
            "README's command reference is stale: regenerate it with `swift run workbench reference`")
    }
}
