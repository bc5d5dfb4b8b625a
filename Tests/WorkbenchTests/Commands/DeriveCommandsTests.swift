import Bundles
import Foundation
import Learning
import Testing
import TestSupport
import Tabular
@testable import Workbench
import ColumnExpressions

/// `derive` and `rename` (Commands/DeriveCommands.swift), and derived columns travelling into
/// the model and the bundle.
@Suite("derive and rename")
struct DeriveCommandsTests {
    @Test func deriveAddsColumnsAndCountsWhatCannotBeComputed() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = try DataVerbFixture.lines(
            session, "derive tiny per_len = mass / len, big = mass >= 4500, kind = upper(island)")
        #expect(
            out == [
                "tiny: 6 rows × 8 columns; added per_len (number), big (0/1), kind (text)",
                "note: division by zero in 1 row: missing there",
            ])
        let frame = try DataVerbFixture.frame(session, "tiny")
        // 3000/40, missing len, 5000/50, missing mass, 4500/0, 4000/40.
        #expect(DataVerbFixture.texts(frame, "per_len") == ["75", "·", "100", "·", "·", "100"])
        #expect(DataVerbFixture.texts(frame, "big") == ["0", "0", "1", "·", "1", "0"])
        #expect(DataVerbFixture.texts(frame, "kind") == ["A", "A", "B", "B", "C", "A"])
        guard case .dataset(let d)? = session.lookup("tiny") else {
            Issue.record("tiny is gone")
            return
        }
        #expect(d.derivations.map(\.name) == ["per_len", "big", "kind"])
        #expect(d.derivations.map(\.source) == ["mass / len", "mass >= 4500", "upper(island)"])
    }

    @Test func deriveRefusesWhatItCannotType() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let exists = try DataVerbFixture.failure(session, "derive tiny mass = len * 2")
        #expect(exists.contains("'mass' is already a column"))
        let typed = try DataVerbFixture.failure(session, "derive tiny x = sex * 2")
        #expect(typed.contains("'*' needs a number, but 'sex' is text"))
        #expect(typed.contains("\n" + String(repeating: " ", count: 2 + "derive tiny x = ".count) + "^^^\n"))
        let later = try DataVerbFixture.failure(session, "derive tiny a = mass + 1, b = a + island")
        #expect(later.contains("'+' needs a number, but 'island' is text"))
        // Nothing of a failed derive is bound.
        #expect(try DataVerbFixture.frame(session, "tiny").column(named: "a") == nil)
        #expect(
            try DataVerbFixture.failure(session, "derive tiny x = mass +").contains("the expression ends too early"))
        #expect(try DataVerbFixture.failure(session, "derive tiny x mass").contains("error"))
    }

    @Test func renameFollowsDerivedColumns() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try DataVerbFixture.lines(session, "derive tiny per_len = mass / len, twice = per_len * 2")
        #expect(try DataVerbFixture.lines(session, "rename tiny twice=double") == ["tiny: renamed twice → double"])
        guard case .dataset(let d)? = session.lookup("tiny") else {
            Issue.record("tiny is gone")
            return
        }
        #expect(d.derivations.map(\.name) == ["per_len", "double"])
        #expect(
            try DataVerbFixture.lines(session, #"rename tiny {"mass": "weight (g)"}"#) == [
                "tiny: renamed mass → weight (g)",
                "note: per_len is now a plain column (its formula reads mass)",
            ])
        #expect(try DataVerbFixture.failure(session, "rename tiny nope=x").contains("no column named 'nope'"))
        #expect(try DataVerbFixture.failure(session, "rename tiny islnd=x").contains("did you mean 'island'?"))
        #expect(try DataVerbFixture.failure(session, "rename tiny len=id").contains("'id' is already a column"))
    }

    /// A model trained on derived columns takes the raw ones: predict on a table without the
    /// derived columns gives what it gives on the session's table, and the bundle's pipeline
    /// computes the same derived values, bit for bit.
    @Test func derivedColumnsTravelIntoTheModelAndTheBundle() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for line in [
            "derive tiny per_len = mass / len, big = if(island == \"A\", log(mass), sqrt(mass)) % 7",
            "m = train tree on tiny target=sex features=[per_len, big, island]",
            "raw = select tiny id, island, mass, len, sex",
            "predict m on raw",
            #"export m to "m.bundle""#,
            #"write raw to "raw.csv""#,
        ] { _ = try DataVerbFixture.lines(session, line) }
        guard case .model(let model)? = session.lookup("m") else {
            Issue.record("no model")
            return
        }
        #expect(model.pipeline.derivations.map(\.name) == ["per_len", "big"])
        #expect(model.pipeline.inputs.map(\.name) == ["island", "mass", "len"])
        #expect(model.pipeline.preprocessor.features.map(\.name) == ["per_len", "big", "island"])
        let predicted = try model.pipeline.predict(try DataVerbFixture.frame(session, "raw"))
        let expected = try model.pipeline.predict(try DataVerbFixture.frame(session, "tiny"))
        #expect(
            predicted.labels(classes: model.pipeline.target.classes)
                == expected.labels(classes: model.pipeline.target.classes))

        let bundle = try BundleReader.open(folder + "/m.bundle")
        #expect(bundle.manifest.inputs.map(\.name) == ["island", "mass", "len"])
        #expect(
            bundle.manifest.derivedColumns?.map(\.expression) == [
                "mass / len", "if(island == \"A\", log(mass), sqrt(mass)) % 7",
            ])
        let session_ = try DataVerbFixture.frame(session, "tiny")
        let recomputed = try bundle.pipeline.derived(try DataVerbFixture.frame(session, "raw"))
        for name in ["per_len", "big"] {
            guard case .numeric(let a)? = session_.column(named: name)?.data,
                case .numeric(let b)? = recomputed.column(named: name)?.data
            else {
                Issue.record("\(name) is not numeric")
                continue
            }
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(name)")
        }
        // The shell's batch prediction takes the raw columns too.
        let process = try Subprocess(
            BuiltProducts.workbench, ["predict", "m.bundle", "--input", "raw.csv"], in: folder,
            environment: ["WORKBENCH_HOME": folder + "/home"])
        #expect(process.wait() == 0, "\(process.errorOutput)")
        let shellLabels = process.output.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)[5]
        }.map(String.init)
        #expect(shellLabels == expected.labels(classes: model.pipeline.target.classes))
        let card = try String(contentsOfFile: folder + "/m.bundle/MODEL_CARD.md", encoding: .utf8)
        #expect(card.contains("  - `per_len = mass / len`"))
    }

    /// A stored derivation is checked when the model is read: a formula that does not parse, or
    /// reads a column the model does not take, is refused.
    @Test func aTamperedDerivationIsRefused() throws {
        let (session, folder) = try DataVerbFixture.session()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try DataVerbFixture.lines(session, "derive tiny per_len = mass / len")
        _ = try DataVerbFixture.lines(session, "m = train tree on tiny target=sex features=[per_len]")
        guard case .model(let model)? = session.lookup("m") else {
            Issue.record("no model")
            return
        }
        let json = String(decoding: try ModelCoding.encoder().encode(model.pipeline), as: UTF8.self)
        #expect(json.contains("\"source\":\"mass \\/ len\"") || json.contains("\"source\":\"mass / len\""))
        for (from, to) in [("mass / len", "mass / "), ("mass / len", "island / len"), ("mass / len", "height / len")] {
            let tampered = json.replacingOccurrences(of: from, with: to).replacingOccurrences(
                of: from.replacingOccurrences(of: "/", with: "\\/"), with: to)
            #expect(throws: (any Error).self, "\(to)") {
                try ModelCoding.decoder().decode(PipelineModel.self, from: Data(tampered.utf8))
            }
        }
        #expect(try ModelCoding.decoder().decode(PipelineModel.self, from: Data(json.utf8)).derivations.count == 1)
    }
}
