import Foundation
import Testing
import TestSupport
@testable import Workbench
@testable import Learning
import Tabular

@Suite("Model commands")
struct ModelCommandTests {
    private func penguins() -> Session {
        let session = makeSession()
        run(session, #"load "examples/penguins.csv""#, "split penguins stratify=species seed=7")
        return session
    }

    @Test func trainEvaluatePredict() throws {
        let session = penguins()
        let train = try #require(run(session, "m = train linear on penguins.train target=species"))
        #expect(train.succeeded, "\(train.output.plainText)")
        #expect(
            train.output.lines[0]
                == "m: linear on penguins.train → species (classification, 3 classes: Adelie, Chinstrap, Gentoo)")
        guard case .model(let model)? = session.lookup("m") else {
            Issue.record("m is not a model")
            return
        }
        #expect(
            model.pipeline.preprocessor.inputNames == [
                "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year",
            ])
        let evaluate = try #require(run(session, "e = evaluate m on penguins.test"))
        #expect(evaluate.succeeded)
        #expect(evaluate.output.plainText.contains("confusion matrix (rows: true class, columns: predicted)"))
        guard case .number(let accuracy)? = session.lookup("e.accuracy") else {
            Issue.record("e.accuracy is not bound")
            return
        }
        #expect(accuracy > 0.95)
        let one = try #require(
            run(
                session,
                "predict m {island: Biscoe, bill_length_mm: 48.6, bill_depth_mm: 16, flipper_length_mm: 230, body_mass_g: 5800, sex: male, year: 2009}"
            ))
        #expect(one.output.plainText.contains("1  Gentoo"))
        let unseen = try #require(run(session, "predict m {island: Atlantis, flipper_length_mm: 330}"))
        #expect(unseen.succeeded)
        #expect(unseen.output.plainText.contains("island = 'Atlantis' was never seen in training"))
        #expect(unseen.output.plainText.contains("flipper_length_mm = 330 is outside the training range"))
        #expect(
            unseen.output.plainText.contains(
                "note: not given, so treated as missing: bill_length_mm, bill_depth_mm, body_mass_g, sex, year"))
    }

    @Test func predictWritesCSV() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let session = penguins()
        run(session, "m = train tree on penguins.train target=species")
        let cell = try #require(run(session, "predict m on penguins.test to \"\(folder)/out.csv\""))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        run(session, "load \"\(folder)/out.csv\" as out")
        guard case .dataset(let out)? = session.lookup("out") else {
            Issue.record("out.csv did not load")
            return
        }
        #expect(out.frame.rowCount == 69)
        #expect(
            Array(out.frame.columnNames.suffix(4)) == [
                "predicted_species", "probability_Adelie", "probability_Chinstrap", "probability_Gentoo",
            ])
    }

    @Test func regressionTrainAndEvaluate() throws {
        let session = makeSession()
        run(session, "load \"\(exampleData)/diabetes.csv\"", "split diabetes seed=1")
        let train = try #require(run(session, "r = train linear on diabetes.train target=progression"))
        // progression holds whole numbers: one line says they are read as a quantity.
        #expect(train.output.lines[0].hasPrefix("note: 'progression' holds whole numbers with"))
        #expect(train.output.lines[1].hasSuffix("→ progression (regression)"))
        let evaluate = try #require(run(session, "evaluate r on diabetes.test"))
        #expect(evaluate.output.plainText.contains("residuals (true − predicted): 5% "))
        #expect(evaluate.output.plainText.contains("R²"))
    }

    @Test func compareRanksWithBaselineAndTest() throws {
        let session = penguins()
        let cell = try #require(run(session, "lb = compare linear, tree on penguins target=species folds=3"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        guard case .leaderboard(let lb)? = session.lookup("lb") else {
            Issue.record("lb is not a leaderboard")
            return
        }
        #expect(lb.rows.count == 3)  // baseline added
        #expect(lb.rows.last?.candidate.algorithm.name == "baseline")
        #expect(lb.rows.allSatisfy { $0.result.foldScores.count == 3 })
        #expect(cell.output.plainText.contains("corrected resampled t-test, Nadeau & Bengio 2003"))
        // lb.best is a candidate that train accepts.
        let best = try #require(run(session, "final = train lb.best on penguins target=species"))
        #expect(best.succeeded)
    }

    @Test func compareIsDeterministic() throws {
        func scores() -> [Double] {
            let session = penguins()
            run(session, "lb = compare [forest, boost] on penguins target=species folds=3 seed=3")
            guard case .leaderboard(let lb)? = session.lookup("lb") else { return [] }
            return lb.rows.flatMap { $0.result.values(of: lb.metric) }
        }
        #expect(scores() == scores())
    }

    @Test func tuneSearchesAGrid() throws {
        let session = penguins()
        let cell = try #require(
            run(session, "t = tune knn on penguins target=species k=[1, 5] weights=[uniform, distance] folds=3"))
        #expect(cell.succeeded, "\(cell.output.plainText)")
        #expect(cell.output.plainText.hasPrefix("tried 4 of 4 settings (grid search)"))
        let random = try #require(
            run(session, "tune knn on penguins target=species k=[1, 3, 5, 7] search=random trials=2 folds=3"))
        #expect(random.output.plainText.hasPrefix("tried 2 of 4 settings (random search)"))
        let nothing = try #require(run(session, "tune knn on penguins target=species k=5"))
        #expect(nothing.output.plainText.contains("nothing to search"))
    }

    @Test(arguments: [
        ("train forrest on penguins target=species", "no algorithm named 'forrest'", "did you mean 'forest'?"),
        ("train linear on penguins target=specis", "no column named 'specis'", "did you mean 'species'?"),
        ("train linear on penguins", "'train' needs target=COLUMN", nil),
        ("train linear on penguins target=species C=0", "C must be", nil),
        ("train knn on penguins target=species k=2.5", "k must be a whole number", nil),
        (
            "train linear on penguins target=species max_itr=5", "'train linear' has no option 'max_itr'",
            "did you mean 'max_iter'?"
        ),
        ("train bayes on penguins target=body_mass_g", "'bayes' does not do regression", nil),
        (
            "train linear on penguins target=species features=[species]",
            "the target 'species' cannot also be a feature", nil
        ),
        ("compare all on penguins target=species metric=r2", "metric=r2 does not apply to classification", nil),
        ("evaluate penguins on penguins", "'penguins' is a dataset, expected a model", nil),
    ])
    func userErrors(line: String, message: String, hint: String?) throws {
        let session = penguins()
        let cell = try #require(run(session, line))
        #expect(!cell.succeeded)
        #expect(cell.output.plainText.contains(message), "\(cell.output.plainText)")
        if let hint { #expect(cell.output.plainText.contains(hint), "\(cell.output.plainText)") }
    }

    @Test func runsAreRecordedAcrossSessions() throws {
        let home = NSTemporaryDirectory() + "wb-runs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        for _ in 0..<2 {
            let session = Session(environment: SessionEnvironment(workingDirectory: repositoryRoot, home: home))
            run(session, #"load "examples/iris.csv""#, "train tree on iris target=species")
        }
        let session = Session(environment: SessionEnvironment(workingDirectory: repositoryRoot, home: home))
        let list = try #require(run(session, "runs algo=tree"))
        #expect(list.output.lines.count == 4)  // header, rule, two runs
        let show = try #require(run(session, "runs show 1"))
        #expect(show.output.plainText.contains("train tree on iris → species (classification)"))
        #expect(show.output.plainText.contains("training_accuracy"))
        let missing = try #require(run(session, "runs show 99"))
        #expect(missing.output.plainText.contains("there is no run 99"))
    }

    /// On large data the training figure comes from a seeded sample of 2,000 rows, and says so.
    @Test func trainingScoreOnLargeDataUsesASample() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var csv = "x,y,label\n"
        for i in 0..<3_000 { csv += "\(i % 97),\((i * 7) % 13),\(i % 2 == 0 ? "even" : "odd")\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: folder + "/big.csv"))
        let session = makeSession(in: folder)
        run(session, "load \"big.csv\"")
        let cell = try #require(run(session, "m = train knn on big target=label"))
        #expect(
            cell.output.plainText.contains("(measured on 2000 sampled rows it learned from, so optimistic)"),
            "\(cell.output.plainText)")
        let small = try #require(run(session, "s = select big [x, label]", "t = train bayes on s target=label"))
        #expect(small.output.plainText.contains("sampled rows"))
    }

    /// knn's prediction scans every training row, so its training figure takes fewer rows on big data.
    @Test func knnTrainingScoreSampleShrinksWithTrainingRows() {
        #expect(CommandTable.trainingScoreRows(for: KNearestNeighbors.self, trainingRows: 3_000) == 2_000)
        #expect(CommandTable.trainingScoreRows(for: KNearestNeighbors.self, trainingRows: 40_000) == 1_000)
        #expect(CommandTable.trainingScoreRows(for: KNearestNeighbors.self, trainingRows: 80_000) == 500)
        #expect(CommandTable.trainingScoreRows(for: KNearestNeighbors.self, trainingRows: 1_000_000) == 500)
        #expect(CommandTable.trainingScoreRows(for: GradientBoosting.self, trainingRows: 1_000_000) == 2_000)
    }

    @Test func concurrentProcessesShareTheRegistry() throws {
        let binary = BuiltProducts.workbench
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(BuiltProducts.missingBinaryHint)")
        let home = NSTemporaryDirectory() + "wb-concurrent-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script =
            "load \"examples/iris.csv\"\n" + String(repeating: "train baseline on iris target=species\n", count: 10)
        var environment = ProcessInfo.processInfo.environment
        environment["WORKBENCH_HOME"] = home
        let processes = try (0..<4).map { _ in
            try Subprocess(binary, ["--no-record"], in: repositoryRoot, environment: environment, input: script)
        }
        for p in processes {
            let status = p.wait()
            #expect(status == 0, "\(p.errorOutput)")
            #expect(!p.output.contains("not recorded"), "\(p.output)")
        }
        let registry = try RunRegistry(path: home + "/runs.sqlite")
        #expect(try registry.count() == 40)
    }
}
