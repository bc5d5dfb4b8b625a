import Foundation
import Testing
import TestSupport
@testable import Workbench
@testable import Learning
import Tabular

/// Issue 22: the task read from a whole-number target, column roles in `describe`, columns left
/// out by default, shortcut warnings and class balance in `compare`.
@Suite("Data checks")
struct DataChecksTests {
    /// A session in a scratch folder holding `files` (name → CSV text), with examples/ linked.
    private func session(with files: [String: String]) throws -> (Session, String) {
        let folder = try temporaryFolder()
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        try FileManager.default.createSymbolicLink(atPath: folder + "/examples", withDestinationPath: exampleData)
        return (makeSession(in: folder), folder)
    }

    /// Handwritten-digits style: the target is written 0–9; two noisy features carry the digit.
    private static let digits: String = {
        var lines = ["pixel_sum,stroke_count,digit"]
        var generator = SeededGenerator(seed: 5)
        for i in 0..<200 {
            let d = i % 10
            let noise = Double(Int.random(in: 0..<100, using: &generator)) / 100
            lines.append("\(Double(d) * 3 + noise),\(d * 2 + Int.random(in: 0..<2, using: &generator)),\(d)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func digitsTargetIsTenClassesWithAnOverride() throws {
        let (s, folder) = try session(with: ["digits.csv": Self.digits])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        run(s, #"load "digits.csv" as d"#)
        let train = try #require(run(s, "m = train linear on d target=digit"))
        #expect(train.succeeded, "\(train.output.plainText)")
        let lines = train.output.plainText.split(separator: "\n").map(String.init)
        #expect(
            lines[0]
                == "note: 'digit' holds 10 whole-number values, each repeated, so it is read as 10 classes (task=regression to predict it as a number)"
        )
        #expect(lines[1].hasPrefix("m: linear on d → digit (classification, 10 classes: 0, 1, 2, 3, 4, 5, …)"))
        guard case .model(let model)? = s.lookup("m") else {
            Issue.record("m is not a model")
            return
        }
        #expect(model.pipeline.task == .classification)
        #expect(model.pipeline.target.classes == (0...9).map(String.init))

        let regression = try #require(run(s, "r = train linear on d target=digit task=regression"))
        #expect(regression.succeeded)
        #expect(!regression.output.plainText.contains("note: 'digit'"))
        #expect(regression.output.plainText.contains("→ digit (regression)"))

        // compare and tune read the target by the same rule.
        let compare = try #require(run(s, "lb = compare [tree, linear] on d target=digit"))
        #expect(compare.succeeded, "\(compare.output.plainText)")
        #expect(compare.output.plainText.contains("read as 10 classes"))
        #expect(compare.output.plainText.contains("stratified cross-validation on d → digit"))
        let tune = try #require(run(s, "t = tune tree on d target=digit max_depth=[2, 4]"))
        #expect(tune.succeeded, "\(tune.output.plainText)")
        #expect(tune.output.plainText.contains("read as 10 classes"))
        guard case .leaderboard(let lb)? = s.lookup("t") else {
            Issue.record("t is not a leaderboard")
            return
        }
        #expect(lb.task == .classification)
    }

    @Test func manyWholeNumbersStayRegressionAndSaySo() throws {
        let s = makeSession()
        run(s, #"load "examples/diabetes.csv""#)
        let train = try #require(run(s, "r = train linear on diabetes target=progression"))
        #expect(train.succeeded)
        #expect(
            train.output.plainText.contains(
                "note: 'progression' holds whole numbers with 214 distinct values, so it is read as a quantity: regression (task=classification to predict classes)"
            ))
        #expect(train.output.plainText.contains("→ progression (regression)"))
    }

    @Test func describeShowsRolesAndSuggestions() throws {
        let s = makeSession()
        let load = try #require(run(s, #"load "examples/penguins_messy.csv" as messy"#))
        #expect(
            load.output.plainText.contains(
                "roles: studyName (constant), Sample Number (identifier), Region (constant), Individual ID (identifier), Date Egg (date), Comments (free text) — 'describe messy' for suggestions"
            ))
        let describe = try #require(run(s, "describe messy"))
        let text = describe.output.plainText
        #expect(text.contains("column         type  role        count  missing  distinct  top values"))
        #expect(text.contains("Individual ID  text  identifier    344        0       344"))
        #expect(text.contains("Date Egg       text  date          341        3        88"))
        #expect(text.contains("suggestions:"))
        #expect(text.contains("- studyName is constant ('PAL0708' in every row): models leave it out"))
        #expect(text.contains("- Sample Number is an identifier (it counts up row by row): models leave it out"))
        #expect(text.contains("- Individual ID is an identifier (a different value in every row): models leave it out"))
        #expect(
            text.contains("- Date Egg holds dates (MM/dd/yy): models use its year, month, day of week, day of year"))
        #expect(text.contains("- Comments is free text ("))
        // The plain example has no roles: no suggestions, no roles line.
        let plain = try #require(run(s, #"load "examples/penguins.csv""#))
        #expect(!plain.output.plainText.contains("roles:"))
        let plainDescribe = try #require(run(s, "describe penguins")).output.plainText
        #expect(!plainDescribe.contains("suggestions:") && !plainDescribe.contains("role"))
    }

    @Test func mixedDateFormatsNameTheFirstValueThatDoesNotParse() throws {
        // 'when' is ISO in 23 rows but day-first in row 4; 'note' has a value in 2 rows of 24 (22/24 = 92% missing).
        var lines = ["when,note,size,label"]
        for i in 0..<24 {
            let date = i == 3 ? "16/11/2007" : "2007-11-" + (i < 9 ? "0" : "") + String(i + 1)
            let note = i == 0 ? "checked" : (i == 1 ? "skipped" : "")
            lines.append("\(date),\(note),\((i * 5) % 7),\(i % 2 == 0 ? "a" : "b")")
        }
        let (s, folder) = try session(with: ["mixed.csv": lines.joined(separator: "\n") + "\n"])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        run(s, #"load "mixed.csv""#)
        let text = try #require(run(s, "describe mixed")).output.plainText
        #expect(
            text.contains(
                "- when holds dates (yyyy-MM-dd (ISO 8601)); mixed formats: '16/11/2007' (row 4) is not yyyy-MM-dd (ISO 8601): models use its year, month, day of week, day of year"
            ))
        #expect(
            text.contains(
                "- note is missing in 92% of rows: drop=[note] to leave it out, or missing_indicators=yes to learn from its absence"
            ))
        // Mostly missing is advice only: the column stays a feature; the date becomes numbers, and
        // the value in another format is a missing date (1 of 24 rows).
        let train = try #require(run(s, "m = train tree on mixed target=label"))
        #expect(train.succeeded, "\(train.output.plainText)")
        #expect(!train.output.plainText.contains("left out:"))
        guard case .model(let model)? = s.lookup("m") else {
            Issue.record("m is not a model")
            return
        }
        #expect(model.pipeline.preprocessor.inputNames == ["when", "note", "size"])
        let when = try #require(model.pipeline.preprocessor.features.first?.date)
        #expect(when.format == DateFormat(order: .yearFirst, separator: "-"))
        #expect(model.pipeline.preprocessor.features[0].missingRate == 1.0 / 24)
        #expect(
            Array(model.pipeline.preprocessor.outputNames.prefix(4)) == [
                "when (year)", "when (month)", "when (day of week)", "when (day of year)",
            ])
    }

    @Test func compareOnTheMessyFileMatchesTheCleanFile() throws {
        let s = makeSession()
        run(s, #"load "examples/penguins_messy.csv" as messy"#, #"load "examples/penguins.csv" as clean"#)
        let messy = try #require(run(s, "lm = compare all on messy target=Species seed=3"))
        #expect(messy.succeeded, "\(messy.output.plainText)")
        #expect(
            messy.output.plainText.contains(
                "left out: studyName (constant), Sample Number (identifier), Region (constant), Individual ID (identifier), Comments (free text) — features=[…] to keep them"
            ))
        #expect(!messy.output.plainText.contains("warning:"))
        let clean = try #require(run(s, "lc = compare all on clean target=species seed=3"))
        #expect(clean.succeeded)
        guard case .leaderboard(let a)? = s.lookup("lm"), case .leaderboard(let b)? = s.lookup("lc") else {
            Issue.record("leaderboards not bound")
            return
        }
        #expect(
            a.features == [
                "Island", "Date Egg", "Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)", "Body Mass (g)",
                "Sex",
            ])
        let best = { (lb: Leaderboard) in lb.rows[0].result.mean(of: lb.metric) }
        #expect(abs(best(a) - best(b)) <= 0.02, "messy \(best(a)) vs clean \(best(b))")
    }

    @Test func explicitFeaturesAlwaysWin() throws {
        let s = makeSession()
        run(s, #"load "examples/penguins_messy.csv" as messy"#)
        let train = try #require(
            run(s, #"m = train tree on messy target=Species features=["Sample Number", "Culmen Length (mm)"]"#))
        #expect(train.succeeded, "\(train.output.plainText)")
        #expect(!train.output.plainText.contains("left out:"))
        guard case .model(let model)? = s.lookup("m") else {
            Issue.record("m is not a model")
            return
        }
        #expect(model.pipeline.preprocessor.inputNames == ["Sample Number", "Culmen Length (mm)"])
    }

    @Test func compareWarnsAboutRelabellingsShortcutsAndSharedRows() throws {
        // code relabels the label; x alone separates the classes; noise does not.
        var lines = ["x,noise,code,label"]
        for i in 0..<60 {
            let positive = i % 3 == 0
            lines.append(
                "\(positive ? 100 + (i * 7) % 50 : (i * 7) % 50),\((i * 7) % 11),\(positive ? "P" : "N"),\(positive ? "yes" : "no")"
            )
        }
        let training = lines.joined(separator: "\n") + "\n"
        let fresh = (["x,noise,code,label"] + Array(lines[1...4]) + ["500,3,N,no"]).joined(separator: "\n") + "\n"
        let (s, folder) = try session(with: ["leaky.csv": training, "leaky_fresh.csv": fresh])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        run(s, #"load "leaky.csv""#, #"load "leaky_fresh.csv""#)
        let compare = try #require(run(s, "compare [tree] on leaky target=label"))
        #expect(compare.succeeded, "\(compare.output.plainText)")
        let text = compare.output.plainText
        #expect(text.contains("warning: code is a relabelling of label"))
        #expect(
            text.contains(
                "warning: x alone predicts label almost perfectly (a one-feature tree scores accuracy 1.000 in cross-validation)"
            ))
        #expect(!text.contains("warning: noise"))
        #expect(text.contains("warning: 4 of 5 rows of leaky_fresh repeat rows of leaky"))
        // The warnings come before the leaderboard.
        let warning = try #require(text.range(of: "warning: code"))
        let board = try #require(text.range(of: "cross-validation on leaky"))
        #expect(warning.lowerBound < board.lowerBound)
    }

    @Test func rareClassIsNotedWithTheBaselineAndStratify() throws {
        // 4 of 60 rows (6.7%) are class 'rare'.
        var lines = ["x,label"]
        for i in 0..<60 {
            lines.append("\(i % 15 == 0 ? 100 + (i * 7) % 50 : (i * 7) % 50),\(i % 15 == 0 ? "rare" : "common")")
        }
        let (s, folder) = try session(with: ["rare.csv": lines.joined(separator: "\n") + "\n"])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        run(s, #"load "rare.csv""#, "split rare test=0.2 seed=1")
        let compare = try #require(run(s, "compare [tree] on rare.train target=label folds=3"))
        #expect(compare.succeeded, "\(compare.output.plainText)")
        let text = compare.output.plainText
        #expect(text.contains("note: class rare is "))
        #expect(text.contains("the baseline's balanced accuracy is 0.500; metric=balanced_accuracy ranks by it"))
        #expect(
            text.contains(
                "note: rare was split without stratify=: split rare stratify=label keeps each class's share in both parts"
            ))
    }
}
