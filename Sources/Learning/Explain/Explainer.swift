import Foundation
public import Tabular

/// Per-prediction explanations for a `PipelineModel`: exact for linear and tree models, an
/// occlusion approximation for the rest.
public enum Explainer {
    /// Explains row `row` of `frame` (columns by name, as in `predict`).
    /// - Parameter className: the class to explain; the predicted class when nil.
    public static func explain(_ model: PipelineModel, row: Int, of frame: DataFrame, className: String? = nil) throws
        -> PredictionExplanation
    {
        guard row >= 0, row < frame.rowCount else {
            throw ExplainError.rowOutOfRange(row: row, rowCount: frame.rowCount)
        }
        // Explained over the model's features: derived ones computed from the raw columns first.
        let single = try model.derived(frame.selectingRows([row]))
        let (x, _) = try model.preprocessor.transform(single)
        let prediction = model.fitted.model.predict(x)
        let classIndex: Int?
        let predicted: String
        switch prediction {
        case .probabilities(let p):
            let label = prediction.labels?.first ?? 0
            predicted = model.target.classes.indices.contains(label) ? model.target.classes[label] : String(label)
            if let name = className {
                guard let k = model.target.classes.firstIndex(of: name) else {
                    throw ExplainError.unknownClass(name, known: model.target.classes)
                }
                classIndex = k
            } else {
                classIndex = min(label, p.columns - 1)
            }
        case .values(let v):
            predicted = formatNumber(v.first ?? .nan)
            classIndex = nil
        }
        let values = model.preprocessor.features.map { single.column(named: $0.name)?.text(at: 0) ?? "" }
        let explainedClass = classIndex.map {
            model.target.classes.indices.contains($0) ? model.target.classes[$0] : String($0)
        }

        var explanation: PredictionExplanation
        switch model.fitted.model {
        case let linear as LinearModel:
            explanation = linearExplanation(linear, model: model, x: x, classIndex: classIndex)
        case let tree as DecisionTreeModel:
            explanation = treeExplanation(
                [tree.tree], model: model, x: x, classIndex: classIndex,
                scale: tree.task == .classification ? .probability : .value)
        case let forest as RandomForestModel:
            explanation = treeExplanation(
                forest.trees, model: model, x: x, classIndex: classIndex,
                scale: forest.task == .classification ? .probability : .value)
        case let boost as GradientBoostingModel:
            explanation = boostExplanation(boost, model: model, x: x, classIndex: classIndex)
        default:
            explanation = try occlusionExplanation(model, row: single, classIndex: classIndex)
        }
        explanation.predicted = predicted
        explanation.explainedClass = explainedClass
        for i in explanation.contributions.indices {
            explanation.contributions[i].value = values[featureIndex(explanation.contributions[i].feature, model)]
        }
        if var changes = explanation.probabilityChanges {
            for i in changes.indices { changes[i].value = values[featureIndex(changes[i].feature, model)] }
            explanation.probabilityChanges = changes
        }
        return explanation
    }

    private static func featureIndex(_ name: String, _ model: PipelineModel) -> Int {
        model.preprocessor.features.firstIndex { $0.name == name } ?? 0
    }

    /// Sums per-encoded-column values into per-input-column contributions, sorted by magnitude.
    static func aggregate(_ encoded: [Double], preprocessor: Preprocessor) -> [FeatureContribution] {
        var perInput = [Double](repeating: 0, count: preprocessor.features.count)
        for (j, source) in preprocessor.outputSources.enumerated() where j < encoded.count {
            perInput[source] += encoded[j]
        }
        return sortedContributions(perInput, preprocessor: preprocessor)
    }

    static func sortedContributions(_ perInput: [Double], preprocessor: Preprocessor) -> [FeatureContribution] {
        let items = preprocessor.features.enumerated().map {
            FeatureContribution(feature: $1.name, value: "", contribution: perInput[$0])
        }
        // Stable order for equal magnitudes: input column order.
        return items.enumerated().sorted { a, b in
            let (ma, mb) = (abs(a.element.contribution), abs(b.element.contribution))
            return ma != mb ? ma > mb : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: Linear

    /// Binary: the log-odds of the class, (w_k − w_other)·x + (b_k − b_other). Multiclass: the
    /// class's score w_k·x + b_k. Regression: w·x + b. Contribution of an encoded column =
    /// coefficient × its (standardised) value; the base is the intercept, i.e. the output at
    /// the training mean of every number with no text level set.
    static func linearExplanation(_ linear: LinearModel, model: PipelineModel, x: Matrix, classIndex: Int?)
        -> PredictionExplanation
    {
        let d = linear.featureCount
        let row = x.row(0)
        let weights: [Double], intercept: Double, scale: ExplanationScale
        if let k = classIndex, linear.coefficients.rows == 2 {
            let other = 1 - k
            weights = (0..<d).map { linear.coefficients[k, $0] - linear.coefficients[other, $0] }
            intercept = linear.intercepts[k] - linear.intercepts[other]
            scale = .logOdds
        } else if let k = classIndex {
            weights = linear.coefficients.row(k)
            intercept = linear.intercepts[k]
            scale = .logit
        } else {
            weights = linear.coefficients.row(0)
            intercept = linear.intercepts[0]
            scale = .value
        }
        let encoded = (0..<d).map { weights[$0] * row[$0] }
        let contributions = aggregate(encoded, preprocessor: model.preprocessor)
        var output = intercept
        for term in encoded { output += term }
        var changes: [FeatureContribution]?
        if let k = classIndex {
            changes = probabilityChanges(
                linear, model: model, row: row, classIndex: k, order: contributions.map(\.feature))
        }
        return PredictionExplanation(
            method: .linear, scale: scale, explainedClass: nil, predicted: "", baseValue: intercept,
            output: output, contributions: contributions, probabilityChanges: changes)
    }

    /// p(class | row) − p(class | row with one input column at its training mean encoding).
    private static func probabilityChanges(
        _ linear: LinearModel, model: PipelineModel, row: [Double], classIndex k: Int,
        order: [String]
    ) -> [FeatureContribution] {
        let preprocessor = model.preprocessor
        func probability(_ r: [Double]) -> Double {
            guard case .probabilities(let p) = linear.predict(Matrix(rows: 1, columns: r.count, values: r)) else {
                return .nan
            }
            return p[0, k]
        }
        let actual = probability(row)
        var byName: [String: Double] = [:]
        for (i, feature) in preprocessor.features.enumerated() {
            var typical = row
            var slot = 0
            for (j, source) in preprocessor.outputSources.enumerated() where source == i {
                typical[j] = meanEncoding(feature, options: preprocessor.options, slot: slot)
                slot += 1
            }
            byName[feature.name] = actual - probability(typical)
        }
        return order.map { FeatureContribution(feature: $0, value: "", contribution: byName[$0] ?? .nan) }
    }

    /// The training mean of an encoded column: 0 for a standardised number (the mean itself
    /// otherwise), the missing share for a missing indicator, the level share for a one-hot slot.
    private static func meanEncoding(_ feature: FeatureSpec, options: Preprocessor.Options, slot: Int) -> Double {
        switch feature.kind {
        case .number:
            if slot == 1 { return feature.missingRate }
            return options.standardize ? 0 : feature.mean
        case .text:
            let total = feature.levelCounts.reduce(0, +)
            guard total > 0, feature.levelCounts.indices.contains(slot) else { return 0 }
            return Double(feature.levelCounts[slot]) / Double(total)
        }
    }

    // MARK: Trees

    /// Average (forest, single tree) of per-tree TreeSHAP on slot `classIndex` (probabilities)
    /// or slot 0 (regression values).
    static func treeExplanation(
        _ trees: [Tree], model: PipelineModel, x: Matrix,
        classIndex: Int?, scale: ExplanationScale
    ) -> PredictionExplanation {
        let row = x.row(0)
        let weight = 1 / Double(max(1, trees.count))
        var phi = [Double](repeating: 0, count: x.columns)
        var base = 0.0
        for tree in trees {
            let slot = min(classIndex ?? 0, tree.valueWidth - 1)
            TreeSHAP.accumulate(tree, row: row, slot: slot, scale: weight, into: &phi)
            base += weight * TreeSHAP.expectedValue(tree, slot: slot)
        }
        return finish(.treeSHAP, scale: scale, base: base, phi: phi, model: model)
    }

    /// Boosting in raw-score space: binary log-odds (negated for class 0), the class's own trees
    /// for multiclass, the value for regression; the baseline score is part of the base value.
    static func boostExplanation(_ boost: GradientBoostingModel, model: PipelineModel, x: Matrix, classIndex: Int?)
        -> PredictionExplanation
    {
        let row = x.row(0)
        let k = boost.treesPerIteration
        var phi = [Double](repeating: 0, count: x.columns)
        var base = 0.0
        let scale: ExplanationScale
        let column: Int, sign: Double
        if let c = classIndex {
            if k == 1 {
                column = 0
                sign = c == 1 ? 1 : -1
                scale = .logOdds
            } else {
                column = c
                sign = 1
                scale = .logit
            }
        } else {
            column = 0
            sign = 1
            scale = .value
        }
        base = sign * boost.baseline[column]
        for (i, tree) in boost.trees.enumerated() where i % k == column {
            TreeSHAP.accumulate(tree, row: row, scale: sign, into: &phi)
            base += sign * TreeSHAP.expectedValue(tree)
        }
        return finish(.treeSHAP, scale: scale, base: base, phi: phi, model: model)
    }

    private static func finish(
        _ method: ExplanationMethod, scale: ExplanationScale, base: Double, phi: [Double],
        model: PipelineModel
    ) -> PredictionExplanation {
        var output = base
        for p in phi { output += p }
        return PredictionExplanation(
            method: method, scale: scale, explainedClass: nil, predicted: "", baseValue: base,
            output: output, contributions: aggregate(phi, preprocessor: model.preprocessor),
            probabilityChanges: nil)
    }
}
