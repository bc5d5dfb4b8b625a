import Tabular

extension Explainer {
    /// Model-agnostic fallback (knn, bayes, mlp, baseline): contribution of a feature = output
    /// for the row − output with that feature replaced by its training median (numbers), most
    /// frequent level (text) or median date (dates); base value = output with every feature replaced. Approximate: it
    /// ignores interactions, so base + Σ contributions need not equal the output.
    static func occlusionExplanation(_ model: PipelineModel, row single: DataFrame, classIndex: Int?) throws
        -> PredictionExplanation
    {
        let features = model.preprocessor.features
        let count = features.count + 2  // the row, the all-typical row, one per feature
        var columns: [Column] = []
        for (i, feature) in features.enumerated() {
            guard let column = single.column(named: feature.name) else {
                throw PreprocessingError.missingColumns([feature.name])
            }
            var data = column.data.selecting([Int](repeating: 0, count: count))
            for r in [1, i + 2] { data = replaced(data, row: r, with: feature) }
            columns.append(Column(name: feature.name, data: data))
        }
        let frame = try DataFrame(columns: columns)
        let (x, _) = try model.preprocessor.transform(frame)
        let outputs: [Double]
        switch model.fitted.model.predict(x) {
        case .probabilities(let p):
            let k = min(classIndex ?? 0, p.columns - 1)
            outputs = (0..<p.rows).map { p[$0, k] }
        case .values(let v):
            outputs = v
        }
        let perInput = features.indices.map { outputs[0] - outputs[$0 + 2] }
        return PredictionExplanation(
            method: .occlusion, scale: classIndex == nil ? .value : .probability, explainedClass: nil, predicted: "",
            baseValue: outputs[1], output: outputs[0],
            contributions: sortedContributions(perInput, preprocessor: model.preprocessor), probabilityChanges: nil)
    }

    /// `data` with row `row` set to the feature's typical training value.
    private static func replaced(_ data: ColumnData, row: Int, with feature: FeatureSpec) -> ColumnData {
        switch (data, feature.kind) {
        case (.numeric(var values), .number):
            values[row] = feature.median
            return .numeric(values)
        case (.categorical(var codes, var levels), _):
            let text: String?
            switch feature.kind {
            // A date's typical value is its median training date.
            case .text: text = feature.date?.example ?? feature.mostFrequentLevel.map { feature.levels[$0] }
            case .number: text = feature.median.isNaN ? nil : formatNumber(feature.median)
            }
            guard let text else {
                codes[row] = -1
                return .categorical(codes: codes, levels: levels)
            }
            if let c = levels.firstIndex(of: text) {
                codes[row] = Int32(c)
            } else {
                levels.append(text)
                codes[row] = Int32(levels.count - 1)
            }
            return .categorical(codes: codes, levels: levels)
        case (.numeric(var values), .text):
            // Text feature read as numbers now: the level parsed back if it is numeric.
            values[row] = feature.mostFrequentLevel.flatMap { Double(feature.levels[$0]) } ?? .nan
            return .numeric(values)
        }
    }
}
