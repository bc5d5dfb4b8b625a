import Learning
import Tabular

extension ONNXExporter {
    /// Emits Workbench's `Preprocessor.transform` for the graph inputs and returns the name of the
    /// encoded matrix `[N, outputNames.count]` (double), columns in `outputNames` order.
    ///
    /// Mirrors the Swift code value for value: a missing number becomes the training median
    /// (0 when training saw none) when the pipeline imputes, else stays NaN; standardisation is
    /// `(x - mean) / std` with std 1 for a constant column; a missing text value becomes the most
    /// frequent level when imputing, else encodes as all zeros, like an unseen value. A date
    /// input arrives as its derived numbers (`DATE (year)`, …), each encoded like a number.
    static func emitPreprocessing(_ preprocessor: Preprocessor, into graph: inout GraphBuilder, notes: inout [String]) throws -> String {
        let options = preprocessor.options
        var columns: [String] = []
        var width = 0
        var oneHotNoted = false
        /// A number input: imputed, scaled, and (with `indicator`) followed by its 0/1 missing flag.
        func emitNumber(_ feature: FeatureSpec, indicator: Bool) {
            let input = feature.name
            var x = input
            if options.impute {
                let fill = feature.median.isNaN ? 0 : feature.median
                let missing = graph.add("IsNaN", [input], named: "\(input)_is_missing")
                let median = graph.constant("\(input)_median", doubles: [fill], shape: [1])
                x = graph.add("Where", [missing, median, x], named: "\(input)_imputed")
            }
            if options.standardize {
                let center = feature.mean.isNaN ? 0 : feature.mean
                let scale = feature.standardDeviation > 0 ? feature.standardDeviation : 1
                let mean = graph.constant("\(input)_mean", doubles: [center], shape: [1])
                let std = graph.constant("\(input)_std", doubles: [scale], shape: [1])
                let centred = graph.add("Sub", [x, mean], named: "\(input)_centred")
                x = graph.add("Div", [centred, std], named: "\(input)_scaled")
            }
            columns.append(x)
            width += 1
            if indicator { emitIndicator(of: input, named: input) }
        }
        /// The 0/1 column saying whether `input` is missing (NaN).
        func emitIndicator(of input: String, named name: String) {
            let missing = graph.add("IsNaN", [input], named: "\(name)_missing_flag")
            columns.append(graph.add("Cast", [missing], named: "\(name)_missing_indicator",
                                     attributes: [.int("to", Onnx_TensorProto.DataType.double.rawValue)]))
            width += 1
        }
        for feature in preprocessor.features {
            let input = feature.name
            // ONNX cannot parse dates: the graph takes the derived numbers as inputs of their own
            // (`onnxInputs`), each encoded like a number; a missing date is NaN in every one.
            if let date = feature.date {
                for part in date.derived { emitNumber(part, indicator: false) }
                if Preprocessor.hasIndicator(feature, options), let year = date.derived.first {
                    emitIndicator(of: year.name, named: input)
                }
                continue
            }
            switch feature.kind {
            case .number:
                emitNumber(feature, indicator: Preprocessor.hasIndicator(feature, options))
            case .text:
                // A text feature training never saw a value of adds no column.
                guard !feature.levels.isEmpty else { continue }
                var text = input
                if options.impute, let mode = feature.mostFrequentLevel {
                    let empty = graph.constant("empty_text", strings: [""], shape: [1])
                    let isMissing = graph.add("Equal", [input, empty], named: "\(input)_is_missing")
                    let fill = graph.constant("\(input)_mode", strings: [feature.levels[mode]], shape: [1])
                    text = graph.add("Where", [isMissing, fill, input], named: "\(input)_imputed")
                }
                // OneHotEncoder appends the category axis: [N, 1] → [N, 1, levels].
                let hot = graph.add("OneHotEncoder", [text], named: "\(input)_one_hot", domain: mlDomain, attributes: [
                    .strings("cats_strings", feature.levels),
                    .int("zeros", 1),
                ])
                let flat = graph.add("Flatten", [hot], named: "\(input)_one_hot_2d", attributes: [.int("axis", 1)])
                columns.append(graph.add("Cast", [flat], named: "\(input)_encoded",
                                         attributes: [.int("to", Onnx_TensorProto.DataType.double.rawValue)]))
                width += feature.levels.count
                if !oneHotNoted {
                    notes.append("ai.onnx.ml OneHotEncoder emits tensor(float); its 0/1 values are cast to double, which is exact, so no result loses precision")
                    oneHotNoted = true
                }
            }
        }
        guard width == preprocessor.outputNames.count, !columns.isEmpty else {
            throw ONNXExportError.inconsistent("the preprocessing graph has \(width) columns, the pipeline \(preprocessor.outputNames.count)")
        }
        return graph.add("Concat", columns, named: "features", attributes: [.int("axis", 1)])
    }
}
