import Bundles
import Foundation
import Tabular
import Testing
import TestSupport
@testable import Workbench
import Learning

/// Runs the real binary with arguments and optional stdin; returns status, stdout and stderr.
func runBinary(_ arguments: [String], input: String? = nil, in folder: String = repositoryRoot, home: String? = nil)
    throws -> (status: Int32, out: String, err: String)
{
    let binary = BuiltProducts.workbench
    try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
    var environment = ProcessInfo.processInfo.environment
    environment["WORKBENCH_HOME"] = home ?? NSTemporaryDirectory() + "wb-bin-\(UUID().uuidString)"
    let process = try Subprocess(binary, arguments, in: folder, environment: environment, input: input)
    let status = process.wait() ?? -1
    return (status, process.output, process.errorOutput)
}

@Suite("Deploying: export, import, predict and verify from the shell", .serialized)
struct DeployTests {
    private func exportPenguins(to bundle: String, extra: String = "") throws {
        let session = makeSession()
        run(session, #"load "examples/penguins.csv""#, "m = train boost on penguins target=species")
        let cell = try #require(run(session, "export m to \"\(bundle)\" \(extra)"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
    }

    @Test func exportImportInTheSession() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        run(session, #"load "examples/penguins.csv""#, "m = train linear on penguins target=species")
        let export = try #require(run(session, "export m to \"\(folder)/b\""))
        #expect(export.output.lines[0].hasPrefix("exported m to \(folder)/b: 9 files"))
        #expect(
            export.output.lines[1] == "provenance: cells 1, 2 of this session, reading penguins.csv, in provenance.wbt")
        #expect(export.output.lines[2].hasPrefix("model.onnx: the whole pipeline in standard ONNX operators"))
        let again = try #require(run(session, "export m to \"\(folder)/b\""))
        #expect(again.output.plainText.contains("already exists"))
        let imported = try #require(run(session, "m2 = import \"\(folder)/b\""))
        #expect(imported.succeeded)
        guard case .model(let a)? = session.lookup("m"), case .model(let b)? = session.lookup("m2"),
            case .dataset(let d)? = session.lookup("penguins")
        else {
            Issue.record("models not bound")
            return
        }
        #expect(try a.pipeline.predict(d.frame).prediction == b.pipeline.predict(d.frame).prediction)
        let card = try String(contentsOfFile: folder + "/b/MODEL_CARD.md", encoding: .utf8)
        #expect(card.contains("# Model card: m"))
        #expect(card.contains("Predicts **species** (classification)"))
    }

    @Test func predictFromTheShellSkipsBadRows() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try exportPenguins(to: folder + "/b")
        let input = """
            species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year
            Adelie,Torgersen,39.1,18.7,181,3750,male,2007
            broken,row
            Gentoo,Biscoe,47.5,15,218,4950,female,2009

            """
        let (status, out, err) = try runBinary(["predict", folder + "/b"], input: input)
        #expect(status == 1)
        let lines = out.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix("predicted_species,probability_Adelie,probability_Chinstrap,probability_Gentoo"))
        #expect(lines[1].contains(",Adelie,"))
        #expect(lines[2].contains("2009,Gentoo,"))
        #expect(err.contains("row 2 (stdin:3): 2 fields, expected 8; skipped"))
        #expect(err.contains("scored 2 of 3 rows; 1 failed"))
    }

    /// Dates as features end to end (issue 22, item 4): a model trained on the messy export uses
    /// its egg date; the bundle takes the date text, `workbench predict` scores it as the session
    /// does, a date in another format is a missing date with a warning (never a failed row), and
    /// the ONNX graph takes the derived numbers, listed in the manifest.
    @Test func datesRoundTripThroughABundle() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = makeSession()
        run(session, #"load "examples/penguins_messy.csv" as messy"#)
        let train = try #require(
            run(session, #"m = train tree on messy target=Species features=["Date Egg", "Island"] max_depth=4"#))
        #expect(train.succeeded, "\(train.output.plainText)")
        let export = try #require(run(session, "export m to \"\(folder)/b\""))
        #expect(export.succeeded, "\(export.output.plainText)")
        #expect(
            export.output.plainText.contains(
                "model.onnx has no date parsing: it takes Date Egg (MM/dd/yy) as the numbers 'Date Egg (year)', 'Date Egg (month)', 'Date Egg (day of week)', 'Date Egg (day of year)' (listed in manifest.json); model.json, predict and serve take the date text"
            ))
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/b/manifest.json")))
        #expect(
            manifest.onnx.dateInputs == [
                .init(
                    column: "Date Egg", format: "MM/dd/yy",
                    inputs: ["Date Egg (year)", "Date Egg (month)", "Date Egg (day of week)", "Date Egg (day of year)"])
            ])
        #expect(manifest.inputs.map(\.name) == ["Date Egg", "Island"])
        let card = try String(contentsOfFile: folder + "/b/MODEL_CARD.md", encoding: .utf8)
        #expect(card.contains("| Date Egg | date (MM/dd/yy) | 0.9% | years 2007 to 2009, e.g. "))

        let rows = [
            "Date Egg,Island", "11/16/08,BISCOE", "11/9/07,TORGERSEN", "2008-11-16,DREAM", ",DREAM", "soon,BISCOE",
        ]
        let (status, out, err) = try runBinary(["predict", folder + "/b"], input: rows.joined(separator: "\n") + "\n")
        #expect(status == 0, "\(err)")
        #expect(
            err.contains(
                "warning: Date Egg: '2008-11-16' is not a date written MM/dd/yy as in training; treated as missing (rows 3, 5)"
            ))
        #expect(err.contains("scored 5 of 5 rows; 0 failed"))
        // The shell's predictions are the session's, row for row.
        guard case .model(let model)? = session.lookup("m") else {
            Issue.record("m is not a model")
            return
        }
        let frame = try CSVReader.read(data: Array((rows.joined(separator: "\n") + "\n").utf8), name: "rows")
        let labels = try #require(try model.pipeline.predict(frame).labels(classes: model.pipeline.target.classes))
        let predicted = out.split(separator: "\n").dropFirst().map { line in
            String(line.split(separator: ",", omittingEmptySubsequences: false)[2])
        }
        #expect(predicted == labels)
    }

    @Test func predictJSONLinesAndSQLite() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try exportPenguins(to: folder + "/b")
        let (status, out, _) = try runBinary([
            "predict", folder + "/b", "--input", "examples/penguins.csv", "--format", "jsonl", "--output",
            "sqlite:\(folder)/p.db?table=scored",
        ])
        #expect(status == 0)
        #expect(out.isEmpty)
        let (s2, out2, _) = try runBinary([
            "predict", folder + "/b", "--input",
            "sqlite:\(folder)/p.db?query=select * from scored where island = 'Dream'", "--format", "jsonl",
        ])
        #expect(s2 == 0)
        let rows = out2.split(separator: "\n")
        #expect(rows.count == 124)
        #expect(rows[0].contains("\"predicted_species\""))
        let (s3, _, err3) = try runBinary(["predict", folder + "/b", "--input", "examples/iris.csv"])
        #expect(s3 == 2)
        #expect(err3.contains("lacks columns the model needs: island, bill_length_mm"))
    }

    @Test func verifyAndKeygenFromTheShell() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (k, _, _) = try runBinary(["keygen", "--out", folder + "/team"])
        #expect(k == 0)
        try exportPenguins(to: folder + "/b.zip", extra: "sign=\"\(folder)/team.pem\"")
        let (ok, out, _) = try runBinary(["verify", folder + "/b.zip", "--trust", folder + "/team.pub.pem"])
        #expect(ok == 0)
        #expect(out.contains("signature valid"))
        try exportPenguins(to: folder + "/plain")
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: folder + "/plain/example.json"))
        let (bad, _, err) = try runBinary(["verify", folder + "/plain"])
        #expect(bad == 1)
        #expect(err.contains("example.json does not match its checksum"))
    }

    /// kill -9 at random moments of an overwriting export: PATH always holds a complete bundle.
    @Test func interruptedExportLeavesOldOrNewBundle() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try exportPenguins(to: folder + "/b")
        let script = folder + "/export.wb"
        try Data(
            "load \"\(repositoryRoot)/examples/penguins.csv\"\nm = train forest on penguins target=species n_estimators=60\nexport m to \"\(folder)/b\" overwrite=yes\n"
                .utf8
        )
        .write(to: URL(fileURLWithPath: script))
        let binary = BuiltProducts.workbench
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<6 {
            let process = try Subprocess(binary, ["run", script], environment: ["WORKBENCH_HOME": folder + "/home"])
            // Spread the kills over the run (training, then export), one attempt left to finish.
            if attempt < 5 {
                Thread.sleep(forTimeInterval: Double.random(in: 0.2...3.0, using: &generator))
                process.send(SIGKILL)
            }
            let status = process.wait()
            if attempt == 5 { #expect(status == 0, "the export that was left alone failed: \(process.errorOutput)") }
            let bundle = try BundleReader.open(folder + "/b")
            #expect(["boost", "forest"].contains(bundle.manifest.algorithm))
        }
        // The next export removes what killed ones left behind.
        try exportPenguins(to: folder + "/b", extra: "overwrite=yes")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty, "stray staging folders: \(leftovers)")
    }
}
