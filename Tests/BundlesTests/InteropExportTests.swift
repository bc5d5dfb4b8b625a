import ColumnExpressions
import Foundation
import Learning
import Tabular
import Testing
@testable import Bundles

/// Writes exported models with Workbench's own predictions for `Interop/onnxruntime_check.py`.
///
/// Runs only when `WORKBENCH_ONNX_EXPORT_DIR` names a folder (see `Interop/run.sh`). Each case
/// gets a subfolder with `model.onnx`, `input.csv` (the table scored: the dataset plus, for
/// penguins, rows with unseen categories, missing values and out-of-range numbers),
/// `predictions.csv` (`label,p0,p1,…` in class order, or `value`; doubles printed round-trip)
/// and `info.json`.
@Suite("ONNX interop export")
struct InteropExportTests {
    static let folder = ProcessInfo.processInfo.environment["WORKBENCH_ONNX_EXPORT_DIR"]

    /// One model to export: how it is trained and which table it scores.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var algorithm: String
        var train: String
        var score: String
        var target: String
        var parameters: [String: ParameterValue] = [:]
        var missingIndicators = false
        var features: [String]?
        /// Derived columns (`name = expression`), computed on the training table; the model's
        /// features are then these (see `derivedFeatures`).
        var derivations: [(name: String, source: String)] = []
        /// A decision threshold set on the trained model (two classes only).
        var threshold: Double?
        /// Calibration fitted on the scored table's rows (issue 26): the graph maps the probabilities.
        var calibration: ProbabilityCalibration.Method?
        /// Split conformal at this alpha, fitted on the scored table's rows: the graph adds set or lower/upper.
        var conformalAlpha: Double?
        /// Decision costs (rows: true class, columns: decided): the graph labels by the lowest expected cost.
        var costs: [[Double]]?
        /// `.float`: the graph takes float32 numbers (`onnx_precision=float`); predictions.csv then
        /// holds Workbench's on the inputs rounded to float32, which the graph must match to 1e-12.
        var precision: ONNXExport.Precision = .double
        var testDescription: String { name }
    }

    static let edgeRows: [String: [String]] = [
        "penguins": [
            "Adelie,Atlantis,40.1,18.0,190,3700,male,2007",  // unseen island
            "Gentoo,Biscoe,,,,,,2008",  // every measurement and sex missing
            "Chinstrap,,45.0,17.0,,3500,female,",  // island, flipper and year missing
            ",Dream,50.0,15.0,220,5000,unknown,2009",  // unseen sex
            "Adelie,Torgersen,1000,-5,0,100000,female,2030",  // far outside the training range
        ],
        // studyName … Comments of the messy export: dates missing, in another format, not dates,
        // impossible, and outside the training years and months.
        "penguins_messy": [
            "PAL0708,1,Adelie,Anvers,TORGERSEN,X1,,39.1,18.7,181,3750,MALE,",
            "PAL0708,2,Adelie,Anvers,DREAM,X2,2008-11-16,39.5,17.4,186,3800,FEMALE,",
            "PAL0708,3,Gentoo,Anvers,BISCOE,X3,soon,47.5,15,218,4950,,",
            "PAL0708,4,Gentoo,Anvers,BISCOE,X4,2/30/08,47.5,15,218,4950,FEMALE,",
            "PAL0708,5,Chinstrap,Anvers,DREAM,X5,3/1/15,50,19,195,3700,MALE,",
            "PAL0708,6,Adelie,Anvers,TORGERSEN,X6,12/31/99,40,18,190,3700,,",
        ],
    ]

    static let cases: [Case] = {
        var cases: [Case] = []
        let ensembles: [String: [String: ParameterValue]] = [
            "forest": ["n_estimators": .int(30)],
            "boost": ["max_iter": .int(40)],
            "mlp": ["max_iter": .int(60), "hidden": .int(16), "hidden2": .int(8)],
        ]
        for algorithm in ["baseline", "linear", "tree", "forest", "boost", "mlp", "bayes"] {
            let p = ensembles[algorithm] ?? [:]
            let regression = algorithm != "bayes"
            cases.append(
                Case(
                    name: "\(algorithm)-penguins", algorithm: algorithm, train: "penguins_train", score: "penguins",
                    target: "species", parameters: p))
            cases.append(
                Case(
                    name: "\(algorithm)-breast_cancer", algorithm: algorithm, train: "breast_cancer_train",
                    score: "breast_cancer", target: "diagnosis", parameters: p))
            cases.append(
                Case(
                    name: "\(algorithm)-iris", algorithm: algorithm, train: "iris", score: "iris", target: "species",
                    parameters: p))
            if regression {
                cases.append(
                    Case(
                        name: "\(algorithm)-penguins-mass", algorithm: algorithm, train: "penguins_train",
                        score: "penguins", target: "body_mass_g", parameters: p))
                cases.append(
                    Case(
                        name: "\(algorithm)-diabetes", algorithm: algorithm, train: "diabetes", score: "diabetes",
                        target: "progression", parameters: p))
            }
        }
        // min_samples_leaf above half the rows: every boosting tree is a lone leaf.
        cases.append(
            Case(
                name: "boost-iris-lone-leaves", algorithm: "boost", train: "iris", score: "iris", target: "species",
                parameters: ["max_iter": .int(3), "min_samples_leaf": .int(100)]))
        cases.append(
            Case(
                name: "linear-penguins-indicators", algorithm: "linear", train: "penguins_train", score: "penguins",
                target: "species", missingIndicators: true))
        // Indicators without imputation (trees route NaN themselves); year never misses, so the
        // graph picks the flags of 4 of the 5 numbers.
        cases.append(
            Case(
                name: "forest-penguins-indicators", algorithm: "forest", train: "penguins_train", score: "penguins",
                target: "species",
                parameters: ensembles["forest"] ?? [:], missingIndicators: true))
        cases.append(
            Case(
                name: "mlp-penguins-indicators", algorithm: "mlp", train: "penguins_train", score: "penguins",
                target: "species",
                parameters: ensembles["mlp"] ?? [:], missingIndicators: true))
        // A date feature (issue 22, item 4): the graph takes its derived numbers, which
        // onnxruntime_check.py computes from the date text itself (info.json's dateInputs).
        let dated = ["Island", "Date Egg", "Culmen Length (mm)", "Flipper Length (mm)", "Sex"]
        for algorithm in ["linear", "tree", "forest", "boost", "mlp", "bayes", "baseline"] {
            let p = ensembles[algorithm] ?? [:]
            cases.append(
                Case(
                    name: "\(algorithm)-messy-dates", algorithm: algorithm, train: "penguins_messy",
                    score: "penguins_messy", target: "Species",
                    parameters: p, missingIndicators: algorithm == "linear", features: dated))
        }
        // Derived columns (issue 25): the graph computes every one but the text function's
        // (lower), which it takes as an input of its own; derived.csv holds Workbench's values,
        // which onnxruntime_check.py compares with the graph's to 1e-12.
        for algorithm in ["linear", "tree", "boost", "mlp"] {
            cases.append(
                Case(
                    name: "\(algorithm)-penguins-derived", algorithm: algorithm, train: "penguins_train",
                    score: "penguins", target: "species",
                    parameters: ensembles[algorithm] ?? [:], derivations: derivedColumns))
        }
        cases.append(
            Case(
                name: "boost-penguins-derived-mass", algorithm: "boost", train: "penguins_train", score: "penguins",
                target: "body_mass_g",
                parameters: ensembles["boost"] ?? [:],
                derivations: derivedColumns.filter { !["heavy", "either"].contains($0.name) }))
        // A decision threshold (issue 26): the graph labels malignant from P(malignant) ≥ 0.3, not
        // from the larger probability, in every family.
        for algorithm in ["baseline", "linear", "tree", "forest", "boost", "mlp", "bayes"] {
            cases.append(
                Case(
                    name: "\(algorithm)-breast_cancer-threshold", algorithm: algorithm, train: "breast_cancer_train",
                    score: "breast_cancer",
                    target: "diagnosis", parameters: ensembles[algorithm] ?? [:], threshold: 0.3))
        }
        // Calibration and conformal (issue 26): every map kind, two and three classes, with a
        // threshold on calibrated probabilities, sets and intervals.
        for method in ProbabilityCalibration.Method.allCases {
            cases.append(
                Case(
                    name: "forest-penguins-\(method.rawValue)", algorithm: "forest", train: "penguins_train",
                    score: "penguins",
                    target: "species", parameters: ensembles["forest"] ?? [:], calibration: method, conformalAlpha: 0.1)
            )
            cases.append(
                Case(
                    name: "boost-breast_cancer-\(method.rawValue)", algorithm: "boost", train: "breast_cancer_train",
                    score: "breast_cancer",
                    target: "diagnosis", parameters: ensembles["boost"] ?? [:], threshold: 0.35, calibration: method,
                    conformalAlpha: 0.05))
        }
        // Decision costs that move labels away from the most probable class (issue 26).
        cases.append(
            Case(
                name: "forest-penguins-costs", algorithm: "forest", train: "penguins_train", score: "penguins",
                target: "species",
                parameters: ensembles["forest"] ?? [:], costs: [[0, 1, 1], [6, 0, 1], [1, 3, 0]]))
        cases.append(
            Case(
                name: "linear-iris-costs", algorithm: "linear", train: "iris", score: "iris", target: "species",
                costs: [[0, 2, 2], [1, 0, 9], [1, 1, 0]]))
        cases.append(
            Case(
                name: "linear-iris-conformal", algorithm: "linear", train: "iris", score: "iris", target: "species",
                conformalAlpha: 0.2))
        cases.append(
            Case(
                name: "tree-diabetes-conformal", algorithm: "tree", train: "diabetes", score: "diabetes",
                target: "progression", conformalAlpha: 0.1))
        // Float32 inputs (issue 27): the graph casts them to double, so it computes exactly what the
        // model computes on the rounded inputs, in every family and for regression.
        for algorithm in ["linear", "forest", "boost", "mlp"] {
            cases.append(
                Case(
                    name: "\(algorithm)-penguins-float", algorithm: algorithm, train: "penguins_train",
                    score: "penguins", target: "species",
                    parameters: ensembles[algorithm] ?? [:], precision: .float))
        }
        cases.append(
            Case(
                name: "boost-diabetes-float", algorithm: "boost", train: "diabetes", score: "diabetes",
                target: "progression",
                parameters: ensembles["boost"] ?? [:], precision: .float))
        cases.append(
            Case(
                name: "linear-penguins-derived-float", algorithm: "linear", train: "penguins_train", score: "penguins",
                target: "species",
                derivations: derivedColumns.filter { $0.name != "isl" }, precision: .float))
        cases.append(
            Case(
                name: "boost-messy-dates-mass", algorithm: "boost", train: "penguins_messy", score: "penguins_messy",
                target: "Body Mass (g)",
                parameters: ensembles["boost"] ?? [:], features: dated.filter { $0 != "Body Mass (g)" }))
        return cases
    }()

    /// Every operator the graph computes, and one it cannot (lower).
    static let derivedColumns: [(name: String, source: String)] = [
        ("ratio", "bill_length_mm / bill_depth_mm"),
        ("heavy", "body_mass_g > 4500 and island != \"Torgersen\""),
        (
            "mix",
            "round(ratio * 3 % 2, 1) + if(sex is missing, 1, 0) - abs(flipper_length_mm - 200) / 10 + round(-ratio)"
        ),
        (
            "curve",
            "clip(log(flipper_length_mm) - 5, 0, 0.3) + sqrt(bill_depth_mm) + exp(bill_depth_mm / 10) + floor(ratio) * ceil(ratio)"
        ),
        (
            "pick",
            "coalesce(bill_length_mm, 0 - 1) * if(island in [\"Dream\", \"Biscoe\"], 1, 2) + if(sex not in [\"male\"], 1, 0)"
        ),
        ("either", "not (year >= 2008 or bill_length_mm is not missing) or heavy == 1 or -bill_depth_mm <= -18"),
        ("zero", "bill_length_mm / (year - 2008) + year % (year - 2007)"),
        ("isl", "lower(island)"),
    ]

    @Test("export model, table and Workbench predictions", .enabled(if: folder != nil), arguments: cases)
    func export(_ c: Case) throws {
        let root = try #require(Self.folder)
        let directory = URL(fileURLWithPath: root).appendingPathComponent(c.name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        var trainFrame = try Fixtures.frame(c.train)
        let derivations = try c.derivations.map { try Derivation(name: $0.name, source: $0.source) }
        if !derivations.isEmpty { trainFrame = try derivations.apply(to: trainFrame).frame }
        var model = try Fixtures.train(
            c.algorithm, trainFrame, target: c.target, parameters: c.parameters, missingIndicators: c.missingIndicators,
            features: derivations.isEmpty ? c.features : derivations.map(\.name), derivations: derivations)
        if let method = c.calibration {
            let frame = try Fixtures.frame(c.score)
            let column = try #require(frame.column(named: c.target))
            let (truth, kept) = model.target.encode(column: column, rows: Array(0..<frame.rowCount))
            guard case .classes(let codes, _) = truth else {
                Issue.record("calibration needs classes")
                return
            }
            let (x, _) = try model.preprocessor.transform(try model.derived(frame.selectingRows(kept)))
            guard case .probabilities(let raw) = model.fitted.model.predict(x) else {
                Issue.record("no probabilities")
                return
            }
            model = try model.withCalibration(
                ProbabilityCalibration.fit(method: method, truth: codes, probabilities: raw))
        }
        if let threshold = c.threshold { model = try model.withDecisionThreshold(threshold) }
        if let costs = c.costs { model = try model.withDecisionCosts(costs) }
        if let alpha = c.conformalAlpha {
            let frame = try Fixtures.frame(c.score)
            let column = try #require(frame.column(named: c.target))
            let (truth, kept) = model.target.encode(column: column, rows: Array(0..<frame.rowCount))
            let output = try model.predict(frame.selectingRows(kept))
            model = model.withConformal(
                try ConformalPredictor.fit(alpha: alpha, truth: truth, prediction: output.prediction))
        }
        let export = try ONNXExporter.export(model, precision: c.precision)
        try export.data.write(to: directory.appendingPathComponent("model.onnx"))

        var table = try String(contentsOfFile: Fixtures.path(c.score), encoding: .utf8)
        for row in Self.edgeRows[c.score] ?? [] { table += row + "\n" }
        let inputPath = directory.appendingPathComponent("input.csv").path
        try Data(table.utf8).write(to: URL(fileURLWithPath: inputPath))

        var scored = try CSVReader.read(path: inputPath)
        if c.precision == .float {
            // What the graph computes: the raw numeric inputs rounded to float32, as onnxruntime_check.py feeds them.
            let numeric = Set(ONNXExporter.onnxInputs(model).filter { $0.number && $0.date == nil }.map(\.name))
            scored = try DataFrame(
                columns: scored.columns.map { column in
                    guard numeric.contains(column.name), case .numeric(let v) = column.data else { return column }
                    return Column(name: column.name, data: .numeric(v.map { $0.isNaN ? $0 : Double(Float($0)) }))
                })
        }
        let output = try model.predict(scored)
        if !derivations.isEmpty {
            // Workbench's derived values for the scored table, doubles printed round-trip.
            let derived = try derivations.apply(to: scored).frame
            let columns = derivations.compactMap { derived.column(named: $0.name) }
            var text = columns.map { Self.quoted($0.name) }.joined(separator: ",") + "\n"
            for r in 0..<derived.rowCount {
                text +=
                    columns.map { column in
                        switch column.data {
                        case .numeric(let v): v[r].isNaN ? "" : "\(v[r])"
                        case .categorical: Self.quoted(column.text(at: r) ?? "")
                        }
                    }.joined(separator: ",") + "\n"
            }
            try Data(text.utf8).write(to: directory.appendingPathComponent("derived.csv"))
        }
        var lines: [String]
        switch output.prediction {
        case .probabilities(let p):
            let labels = try #require(output.labels(classes: model.target.classes))
            // With conformal: s0, s1, … (1 when the class is in the row's set).
            let sets = model.conformal.map { conformal in (0..<p.rows).map { Set(conformal.set(p.row($0))) } }
            lines = [
                (["label"] + (0..<p.columns).map { "p\($0)" } + (sets == nil ? [] : (0..<p.columns).map { "s\($0)" }))
                    .joined(separator: ",")
            ]
            for r in 0..<p.rows {
                let members = sets.map { sets in (0..<p.columns).map { sets[r].contains($0) ? "1" : "0" } } ?? []
                lines.append(([Self.quoted(labels[r])] + p.row(r).map { "\($0)" } + members).joined(separator: ","))
            }
        case .values(let v):
            if let conformal = model.conformal {
                lines =
                    ["value,lower,upper"]
                    + v.map { value in
                        let ends = conformal.interval(value)
                        return "\(value),\(ends.lower),\(ends.upper)"
                    }
            } else {
                lines = ["value"] + v.map { "\($0)" }
            }
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(
            to: directory.appendingPathComponent("predictions.csv"))

        struct Info: Encodable {
            var algorithm: [String], task: [String], classes: [String], float32Notes: [String], inputs: [String],
                outputs: [String]
            var dateInputs: [ONNXExport.DateInput]
            /// The conformal q̂: a set membership may differ only where 1 − p lies within rounding of it.
            var conformalQuantile: Double?
            /// A tighter bound than the run's for this model (float32 inputs: the graph is exact).
            var tolerance: Double?
        }
        let info = Info(
            algorithm: [c.algorithm], task: [model.task.rawValue], classes: model.target.classes,
            float32Notes: export.float32Notes, inputs: export.inputNames, outputs: export.outputNames,
            dateInputs: export.dateInputs,
            conformalQuantile: model.conformal?.quantile, tolerance: c.precision == .float ? 1e-12 : nil)
        try JSONEncoder().encode(info).write(to: directory.appendingPathComponent("info.json"))
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func quoted(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
