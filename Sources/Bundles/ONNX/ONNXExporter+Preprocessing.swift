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
    /// kernel launch per node, which dominates a single row), and no string is copied:
    /// - numbers: `Concat` of the inputs `[N, k]`, `IsNaN` + `Where` against the `[k]` medians,
    ///   `Sub` the `[k]` means, `Div` the `[k]` standard deviations — the same operations in the
    ///   same order as Workbench, element by element, so the same bits (but see `linearHead`);
    /// - missing-value indicators: `Cast` of that `IsNaN` (`Gather` of the columns that have one);
    /// - text: per column, ml `OneHotEncoder` over its training levels — plus `""` when imputing,
    ///   the column's missing flag — (`zeros` = 1: unseen values are all zeros), `Concat`,
    ///   `Flatten`, one `Cast` of the float 0s and 1s to double, which is exact. A missing flag
    ///   stands for the most frequent level: a `linearHead` gives it that level's weights
    ///   (`EncodedFeatures.aliases`); for the others one `MatMul` by a 0/1 matrix adds it into
    ///   that level's column (sums of 0 and 1: exact). The encoder looks values up in a hash
    ///   table, several times faster on a batch than `Equal` on strings;
    /// - `Concat` of the blocks: numbers, text, indicators.
    /// The model head reads the blocks' column order (`EncodedFeatures`).
    ///
    /// A head linear in its inputs (`linearHead`: `Gemm` over the matrix) also takes the division
    /// by the standard deviations into its weights (`EncodedFeatures.divisors`): one node fewer,
    /// and each product `(w / s) · c` differs from Workbench's `w · (c / s)` in the last bit at
    /// most — the same size of difference as `Gemm`'s own order of summation.
    static func emitPreprocessing(
        _ preprocessor: Preprocessor, linearHead: Bool = false, into graph: inout GraphBuilder
    ) throws -> EncodedFeatures {
        let options = preprocessor.options
        let doubleType = Onnx_TensorProto.DataType.double.rawValue

        // Walk the features in order, noting each encoded column's block and place in it.
        var numbers: [FeatureSpec] = []
        var indicatorSources: [Int] = []  // number column each indicator flags
        var texts: [(feature: FeatureSpec, mode: Int?)] = []
        var textWidth = 0  // levels, plus a missing flag for each text with a mode when imputing
        enum Slot { case number(Int), indicator(Int), level(Int) }
        var slots: [Slot] = []
        var imputedLevels: [(flag: Int, level: Int)] = []  // text block columns
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
                for l in feature.levels.indices { slots.append(.level(textWidth + l)) }
                // The graph's missing text is "": a level "" (possible from a database, never from
                // CSV) already takes it, and the encoder refuses a category listed twice.
                let mode =
                    options.impute && !feature.levels.contains("")
                    ? feature.mostFrequentLevel.flatMap { feature.levels.indices.contains($0) ? $0 : nil } : nil
                if let mode { imputedLevels.append((textWidth + feature.levels.count, textWidth + mode)) }
                texts.append((feature, mode))
                textWidth += feature.levels.count + (mode == nil ? 0 : 1)
            }
        }
        guard slots.count == preprocessor.outputNames.count, !slots.isEmpty else {
            throw ONNXExportError.inconsistent(
                "the preprocessing graph has \(slots.count) columns, the pipeline \(preprocessor.outputNames.count)")
        }

        // The text block: [N, textWidth] of 0/1, or [N, levels] once the flags are added in.
        var textBlock: String?
        var textColumns = textWidth
        var levelTarget = Array(0..<textWidth)  // text block column → column after the flags are added in
        if !texts.isEmpty {
            // OneHotEncoder appends the category axis: [N, 1] → [N, 1, levels] (float 0 or 1).
            let flags = texts.map { text -> String in
                let compared = text.feature.levels + (text.mode == nil ? [] : [""])
                return graph.add(
                    "OneHotEncoder", [text.feature.name], named: "\(text.feature.name)_one_hot", domain: mlDomain,
                    attributes: [
                        .strings("cats_strings", compared),
                        .int("zeros", 1),
                    ])
            }
            let joined =
                flags.count == 1
                ? flags[0] : graph.add("Concat", flags, named: "text_one_hot", attributes: [.int("axis", 2)])
            let all = graph.add("Flatten", [joined], named: "one_hot_2d", attributes: [.int("axis", 1)])
            var block = graph.add("Cast", [all], named: "one_hot", attributes: [.int("to", doubleType)])
            if !linearHead, !imputedLevels.isEmpty {
                // Column j of the result: level j's flag, plus its column's missing flag when j is the mode.
                textColumns = textWidth - imputedLevels.count
                var target = [Int](repeating: 0, count: textWidth)
                var next = 0
                let flagColumns = Set(imputedLevels.map(\.flag))
                for j in 0..<textWidth where !flagColumns.contains(j) {
                    target[j] = next
                    next += 1
                }
                for imputed in imputedLevels { target[imputed.flag] = target[imputed.level] }
                var matrix = [Double](repeating: 0, count: textWidth * textColumns)
                for j in 0..<textWidth { matrix[j * textColumns + target[j]] = 1 }
                let fold = graph.constant("impute_text", doubles: matrix, shape: [textWidth, textColumns])
                block = graph.add("MatMul", [block, fold], named: "one_hot_imputed")
                levelTarget = target
                imputedLevels = []
            }
            textBlock = block
        }

        // The numbers: one block, each statistic a vector over it.
        let k = numbers.count
        let width = k + textColumns
        var blocks: [String] = []
        var indicators: String?
        var numberDivisors = [Double](repeating: 1, count: k)
        if k > 0, !options.impute, !options.standardize, indicatorSources.isEmpty {
            // Nothing to compute on the numbers (trees): the inputs go into the last Concat as they are.
            blocks = numbers.map(\.name)
        } else if k > 0 {
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
                x = graph.add("Sub", [x, means], named: "numbers_centred")
                if linearHead {
                    numberDivisors = scales
                } else {
                    let deviations = graph.constant("standard_deviations", doubles: scales, shape: [k])
                    x = graph.add("Div", [x, deviations], named: "numbers_scaled")
                }
            }
            blocks.append(x)
            if let missing, !indicatorSources.isEmpty {
                var flags = missing
                if indicatorSources != Array(0..<k) {
                    let sources = graph.constant(
                        "indicator_columns", int64s: indicatorSources.map(Int64.init), shape: [indicatorSources.count])
                    flags = graph.add(
                        "Gather", [missing, sources], named: "indicator_flags", attributes: [.int("axis", 1)])
                }
                indicators = graph.add(
                    "Cast", [flags], named: "missing_indicators", attributes: [.int("to", doubleType)])
            }
        }
        // Columns: numbers, text, indicators.
        blocks += [textBlock, indicators].compactMap { $0 }
        let x =
            blocks.count == 1
            ? blocks[0] : graph.add("Concat", blocks, named: "features", attributes: [.int("axis", 1)])

        let column = slots.map { slot -> Int in
            switch slot {
            case .number(let j): j
            case .level(let j): k + levelTarget[j]
            case .indicator(let j): width + j
            }
        }
        // A missing flag left in the block stands for the pipeline column of its level.
        var pipelineColumn: [Int: Int] = [:]
        for (i, slot) in slots.enumerated() { if case .level(let j) = slot { pipelineColumn[j] = i } }
        let aliases = try imputedLevels.map { imputed -> (graph: Int, of: Int) in
            guard let of = pipelineColumn[imputed.level] else {
                throw ONNXExportError.inconsistent("no column for the most frequent level of a text feature")
            }
            return (k + imputed.flag, of)
        }
        var features = EncodedFeatures(value: x, column: column, aliases: aliases)
        features.divisors = numberDivisors + [Double](repeating: 1, count: features.width - k)
        return features
    }

    /// `Concat` of `[N, 1]` inputs along the columns, or the input itself when there is one.
    private static func concatenated(_ inputs: [String], named base: String, into graph: inout GraphBuilder) -> String {
        inputs.count == 1 ? inputs[0] : graph.add("Concat", inputs, named: base, attributes: [.int("axis", 1)])
    }
}
