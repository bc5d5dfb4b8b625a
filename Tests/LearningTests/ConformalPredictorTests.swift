import Foundation
import Testing
import Tabular
import TestSupport
@testable import Learning

/// Split conformal: the quantile by hand, the refusals, and coverage on exchangeable data.
@Suite struct ConformalPredictorTests {
    @Test func theQuantileIsTheCeilOfNPlusOneTimesOneMinusAlphaSmallestScore() throws {
        // Residuals 1…9 of nine rows; alpha 0.2: ⌈10 · 0.8⌉ = 8 → q̂ = 8.
        let truth = Target.values((1...9).map(Double.init))
        let c = try ConformalPredictor.fit(
            alpha: 0.2, truth: truth, prediction: .values([Double](repeating: 0, count: 9)))
        #expect(c.quantile == 8 && c.calibrationRows == 9)
        #expect(c.interval(10) == (2, 18))
        // Classes: scores 1 − p(true) = 0.1, 0.4, 0.7 with alpha 0.5: ⌈4 · 0.5⌉ = 2 → q̂ = 0.4; the set
        // holds the classes with p ≥ 0.6.
        let p = Matrix([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]])
        let sets = try ConformalPredictor.fit(
            alpha: 0.5, truth: .classes([0, 1, 1], classCount: 2), prediction: .probabilities(p))
        #expect(isClose(sets.quantile, 0.4))
        #expect(sets.set([0.9, 0.1]) == [0] && sets.set([0.5, 0.5]) == [] && sets.set([0.61, 0.39]) == [0])
    }

    @Test func tooFewRowsNameTheSmallestAlpha() {
        // Four rows: ⌈5 · 0.9⌉ = 5 > 4; the smallest alpha is 1/5.
        #expect(throws: ConformalError.tooFewRows(rows: 4, alpha: 0.1, smallestAlpha: 0.2)) {
            _ = try ConformalPredictor.fit(
                alpha: 0.1, truth: .values([1, 2, 3, 4]), prediction: .values([0, 0, 0, 0]))
        }
        #expect(throws: ConformalError.alphaOutOfRange(1)) {
            _ = try ConformalPredictor.fit(alpha: 1, truth: .values([1]), prediction: .values([0]))
        }
    }

    /// Exchangeable synthetic rows: over 200 seeded calibration / test draws the mean coverage is
    /// at least 1 − alpha − 0.02 and at most 1 − alpha + 1/(n + 1) + 0.02.
    @Test(arguments: [0.1, 0.2])
    func coverageHoldsOnExchangeableData(alpha: Double) throws {
        var regression = 0.0, classification = 0.0
        let n = 100
        for seed in 0..<200 {
            var g = SeededGenerator(seed: UInt64(seed))
            // Regression: y = x + noise, the "model" predicts x.
            let x = (0..<(n + 300)).map { _ in g.nextGaussian() }
            let y = x.map { $0 + 0.5 * g.nextGaussian() }
            let c = try ConformalPredictor.fit(
                alpha: alpha, truth: .values(Array(y[..<n])), prediction: .values(Array(x[..<n])))
            regression +=
                Double(
                    c.covers(truth: .values(Array(y[n...])), prediction: .values(Array(x[n...]))).filter { $0 }.count)
                / 300
            // Classification: P(class 1) = σ(2x), the class drawn from it.
            let probabilities = x.map { 1 / (1 + exp(-2 * $0)) }
            let codes = probabilities.map { g.nextUnit() < $0 ? 1 : 0 }
            let p = Matrix(rows: x.count, columns: 2, values: probabilities.flatMap { [1 - $0, $0] })
            let k = try ConformalPredictor.fit(
                alpha: alpha, truth: .classes(Array(codes[..<n]), classCount: 2),
                prediction: .probabilities(Matrix(rows: n, columns: 2, values: Array(p.values[..<(2 * n)]))))
            let test = Matrix(rows: 300, columns: 2, values: Array(p.values[(2 * n)...]))
            classification +=
                Double(
                    k.covers(truth: .classes(Array(codes[n...]), classCount: 2), prediction: .probabilities(test))
                        .filter { $0 }.count) / 300
        }
        regression /= 200
        classification /= 200
        print(
            "conformal coverage over 200 draws, alpha \(alpha): regression \(regression), classification \(classification)"
        )
        for coverage in [regression, classification] {
            #expect(
                coverage >= 1 - alpha - 0.02 && coverage <= 1 - alpha + 1 / Double(n + 1) + 0.02, "coverage \(coverage)"
            )
        }
    }

    /// The example datasets: 200 seeded splits into training (50%), calibration (25%) and test
    /// (25%) rows; linear on iris and breast_cancer (sets) and diabetes (intervals). (The penguins
    /// have text columns this numeric loader does not encode.)
    @Test func coverageOnTheExampleDatasets() throws {
        for (name, target, task) in [
            ("iris", "species", Task.classification), ("breast_cancer", "diagnosis", Task.classification),
            ("diabetes", "progression", Task.regression),
        ] {
            let data = try TreeTestSupport.load(name, target: target, task: task)
            var total = 0.0
            for seed in 0..<200 {
                var g = SeededGenerator(seed: UInt64(1_000 + seed))
                var rows = Array(0..<data.x.rows)
                g.shuffle(&rows)
                let a = rows.count / 2, b = rows.count * 3 / 4
                let train = Array(rows[..<a]), calibration = Array(rows[a..<b]), test = Array(rows[b...])
                let scaler = Standardizer(fittedOn: data.x.selectingRows(train))
                let model = try Linear.make().fit(
                    scaler.transform(data.x.selectingRows(train)), data.y.selecting(train), context: FitContext())
                let c = try ConformalPredictor.fit(
                    alpha: 0.1, truth: data.y.selecting(calibration),
                    prediction: model.predict(scaler.transform(data.x.selectingRows(calibration))))
                let covered = c.covers(
                    truth: data.y.selecting(test),
                    prediction: model.predict(scaler.transform(data.x.selectingRows(test))))
                total += Double(covered.filter { $0 }.count) / Double(covered.count)
            }
            let mean = total / 200
            print("conformal coverage on \(name), 200 splits, alpha 0.1: mean \(mean)")
            #expect(mean >= 0.9 - 0.02, "\(name): mean coverage \(mean)")
        }
    }

    /// The penguins (text columns, missing values) through the whole pipeline: 200 seeded
    /// 50/25/25 splits of penguins.csv, linear, sets at alpha 0.1.
    @Test func coverageOnThePenguinsThroughThePipeline() throws {
        let frame = try CSVReader.read(path: exampleData + "/penguins.csv")
        let known = (0..<frame.rowCount).filter { frame.column(named: "species")?.text(at: $0) != nil }
        var total = 0.0
        for seed in 0..<200 {
            var g = SeededGenerator(seed: UInt64(2_000 + seed))
            var rows = known
            g.shuffle(&rows)
            let a = rows.count / 2, b = rows.count * 3 / 4
            let model = try PipelineModel.train(
                algorithm: Linear.self, parameters: [:], frame: frame, target: "species",
                features: [
                    "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year",
                ],
                rows: Array(rows[..<a]), context: FitContext(seed: UInt64(seed)))
            func scored(_ part: [Int]) throws -> (Target, Prediction) {
                let subset = frame.selectingRows(part)
                guard let column = subset.column(named: "species") else {
                    throw TestSetupError(description: "no species")
                }
                return (
                    model.target.encode(column: column, rows: Array(0..<subset.rowCount)).0,
                    try model.predict(subset).prediction
                )
            }
            let (calibrationTruth, calibrationPrediction) = try scored(Array(rows[a..<b]))
            let c = try ConformalPredictor.fit(alpha: 0.1, truth: calibrationTruth, prediction: calibrationPrediction)
            let (testTruth, testPrediction) = try scored(Array(rows[b...]))
            let covered = c.covers(truth: testTruth, prediction: testPrediction)
            total += Double(covered.filter { $0 }.count) / Double(covered.count)
        }
        let mean = total / 200
        print("conformal coverage on penguins, 200 splits, alpha 0.1: mean \(mean)")
        #expect(mean >= 0.9 - 0.02, "penguins: mean coverage \(mean)")
    }
}
