import Learning
import Tabular

extension ONNXExporter {
    /// Emits Workbench's `Preprocessor.transform` for the graph inputs and returns the encoded
    /// matrix `[N, outputNames.count]` (double) with the place of each encoded column in it.
    ///
    /// Mirrors the Swift code value for value: a missing number becomes the training median
    /// (0 when training saw none) when the pipeline imputes, else stays NaN; standardisation is
    /// `(x - mean) / std` with std 1 for a constant column; a missing text value becomes the most
    /// frequent level when imputing, else encodes as all zeros, like an unseen value. A date
    /// input arrives as its derived numbers (`DATE (year)`, …), each encoded like a number.
    ///
    /// Each step is one node over a block of columns, not one per column (ONNX Runtime pays a
    /// kernel launch per node, which dominates a single row):
    /// - numbers: `Concat` of the inputs `[N, k]`, `IsNaN` + `Where` against the `[k]` medians,
    ///   `Sub` the `[k]` means, `Div` the `[k]` standard deviations — the same operations in the
    ///   same order as Workbench, element by element, so the same bits;
    /// - missing-value indicators: `Cast` of that `IsNaN` to double (`Gather` of the columns that
    ///   have one, when not all do);
    /// - text: `Concat` of the inputs `[N, t]`, `Equal("")` + `Where` against the `[t]` most
    ///   frequent levels, `Gather` of each level's column `[N, L]`, `Equal` to the `[L]` levels
    ///   and `Cast` to double: the one-hot block, exact, with unseen values all zeros;
    /// - `Concat` of the blocks. The model head reads the blocks' column order (`EncodedFeatures`).
    static func emitPreprocessing(_ preprocessor: Preprocessor, into graph: inout GraphBuilder) throws -> EncodedFeatures {
        let options = preprocessor.options
        let doubleType = Onnx_TensorProto.DataType.double.rawValue

        // Walk the features in order, noting each encoded column's block and place in it.
        var numbers: [FeatureSpec] = []
        var indicatorSources: [Int] = []  // block column (number) each indicator flags
        var texts: [FeatureSpec] = []
        var levelOwners: [Int64] = []  // text input (position in `texts`) of each level
        var levels: [String] = []
        enum Slot { case number(Int), indicator(Int), level(Int) }
        var slots: [Slot] = []
        for feature in preprocessor.features {
            // ONNX cannot parse dates: the graph takes the derived numbers as inputs of their own
            // (`onnxInputs`), each encoded like a number; a missing date is NaN in every one.
            if let date = feature.date {
                let year = numbers.count
                for part in date.derived {
                    slots.append(.number(numbers.count))
                    numbers.append(part)
                }
                if Preprocessor.hasIndicator(feature, options), !date.derived.isEmpty {
                    slots.append(.indicator(indicatorSources.count))
                    indicatorSources.append(year)
                }
                continue
            }
            switch feature.kind {
            case .number:
                slots.append(.number(numbers.count))
                if Preprocessor.hasIndicator(feature, options) {
                    slots.append(.indicator(indicatorSources.count))
                    indicatorSources.append(numbers.count)
                }
                numbers.append(feature)
            case .text:
                // A text feature training never saw a value of adds no column.
                guard !feature.levels.isEmpty else { continue }
                for level in feature.levels {
                    slots.append(.level(levels.count))
                    levels.append(level)
                    levelOwners.append(Int64(texts.count))
                }
                texts.append(feature)
            }
        }
        guard slots.count == preprocessor.outputNames.count, !slots.isEmpty else {
            throw ONNXExportError.inconsistent("the preprocessing graph has \(slots.count) columns, the pipeline \(preprocessor.outputNames.count)")
        }

        var blocks: [String] = []
        if !numbers.isEmpty {
            let k = numbers.count
            var x = concatenated(numbers.map(\.name), named: "numbers", into: &graph)
            var missing: String?
            if options.impute || !indicatorSources.isEmpty {
                missing = graph.add("IsNaN", [x], named: "numbers_missing")
            }
            if options.impute, let missing {
                let fills = numbers.map { $0.median.isNaN ? 0 : $0.median }
                let medians = graph.constant("medians", doubles: fills, shape: [k])
                x = graph.add("Where", [missing, medians, x], named: "numbers_imputed")
            }
            if options.standardize {
                let centers = numbers.map { $0.mean.isNaN ? 0 : $0.mean }
                let scales = numbers.map { $0.standardDeviation > 0 ? $0.standardDeviation : 1 }
                let means = graph.constant("means", doubles: centers, shape: [k])
                let deviations = graph.constant("standard_deviations", doubles: scales, shape: [k])
                let centred = graph.add("Sub", [x, means], named: "numbers_centred")
                x = graph.add("Div", [centred, deviations], named: "numbers_scaled")
            }
            blocks.append(x)
            if let missing, !indicatorSources.isEmpty {
                var flags = missing
                if indicatorSources != Array(0..<k) {
                    let sources = graph.constant("indicator_columns", int64s: indicatorSources.map(Int64.init), shape: [indicatorSources.count])
                    flags = graph.add("Gather", [missing, sources], named: "indicator_flags", attributes: [.int("axis", 1)])
                }
                blocks.append(graph.add("Cast", [flags], named: "missing_indicators", attributes: [.int("to", doubleType)]))
            }
        }
        if !texts.isEmpty {
            var text = concatenated(texts.map(\.name), named: "texts", into: &graph)
            if options.impute {
                // A column without a most frequent level keeps "" (no level is empty), so it encodes as zeros.
                let modes = texts.map { feature in feature.mostFrequentLevel.map { feature.levels[$0] } ?? "" }
                let empty = graph.constant("empty_text", strings: [""], shape: [1])
                let missing = graph.add("Equal", [text, empty], named: "texts_missing")
                let fills = graph.constant("modes", strings: modes, shape: [texts.count])
                text = graph.add("Where", [missing, fills, text], named: "texts_imputed")
            }
            if texts.count > 1 {
                // Each level's column of text, [N, L]; one text input broadcasts as it is.
                let owners = graph.constant("level_columns", int64s: levelOwners, shape: [levelOwners.count])
                text = graph.add("Gather", [text, owners], named: "texts_by_level", attributes: [.int("axis", 1)])
            }
            let known = graph.constant("levels", strings: levels, shape: [levels.count])
            let hot = graph.add("Equal", [text, known], named: "one_hot_flags")
            blocks.append(graph.add("Cast", [hot], named: "one_hot", attributes: [.int("to", doubleType)]))
        }
        let value = blocks.count == 1 ? blocks[0] : graph.add("Concat", blocks, named: "features", attributes: [.int("axis", 1)])
        let indicatorStart = numbers.count, levelStart = numbers.count + indicatorSources.count
        let column = slots.map { slot -> Int in
            switch slot {
            case .number(let j): j
            case .indicator(let j): indicatorStart + j
            case .level(let j): levelStart + j
            }
        }
        return EncodedFeatures(value: value, column: column)
    }

    /// `Concat` of `[N, 1]` inputs along the columns, or the input itself when there is one.
    private static func concatenated(_ inputs: [String], named base: String, into graph: inout GraphBuilder) -> String {
        inputs.count == 1 ? inputs[0] : graph.add("Concat", inputs, named: base, attributes: [.int("axis", 1)])
    }
}
