import CommandLanguage
import Learning
import Tabular

extension CommandTable {
    /// `split NAME [test=0.2] [stratify=COL] [seed=N]`: a seeded train/test partition.
    static let split = CommandSpec(
        "split", topic: "data",
        summary: "split a dataset into train and test parts (seeded, optionally stratified)",
        discussion: """
            Binds NAME.train and NAME.test, or the two names you give (`a, b = split ...`). Rows keep \
            their order within each part. The test part has ceil(test × rows) rows; with stratify= each \
            class keeps its share. The same seed always gives the same split.
            """,
        positionals: [PositionalSpec(.name, .dataset)],
        options: [
            SplitOption.test.spec,
            OptionSpec("stratify", .column, help: "keep each value's share of this column in both parts"),
            CommonOption.seed.spec,
        ],
        maxResults: 2,
        provenance: .derivation,
        examples: [
            "split penguins", "split penguins test=0.25 stratify=species seed=7", "train, test = split iris test=30%",
        ],
        run: { context in
            let (name, dataset) = try context.dataset(.name)
            let frame = dataset.frame
            let fraction = context.invocation[SplitOption.test]
            let seed = context.invocation[CommonOption.seed]
            var strata: [Int]?
            let stratify = try context.column("stratify", in: frame)
            if let stratify, let column = frame.column(named: stratify) {
                strata = stratumCodes(column)
            }
            guard frame.rowCount >= 2 else {
                throw CommandError("\(name) has \(frame.rowCount) row; a split needs at least 2")
            }
            let parts = trainTestSplit(
                rowCount: frame.rowCount, testFraction: fraction, strata: strata, seed: UInt64(seed))
            guard !parts.train.isEmpty, !parts.test.isEmpty else {
                throw LanguageError.semantic(
                    "test=\(formatStatistic(fraction)) leaves an empty part of \(frame.rowCount) rows",
                    at: context.invocation.range(of: "test"), hint: "choose a fraction between 1/rows and 1 - 1/rows")
            }
            let targets = context.targets
            let trainName = targets.count == 2 ? targets[0] : (targets.first ?? name) + ".train"
            let testName = targets.count == 2 ? targets[1] : (targets.first ?? name) + ".test"
            let train = frame.selectingRows(parts.train), test = frame.selectingRows(parts.test)
            let origin = "split of \(name) (seed \(seed))"
            let splitOrigin = SplitOrigin(parent: name, stratifiedBy: stratify)
            context.bind(
                trainName,
                .dataset(Dataset(frame: train, source: origin, split: splitOrigin, derivations: dataset.derivations)))
            context.bind(
                testName,
                .dataset(Dataset(frame: test, source: origin, split: splitOrigin, derivations: dataset.derivations)))
            context.print(
                "split \(name) (\(frame.rowCount) rows, test=\(formatStatistic(fraction)), seed=\(seed)): \(trainName) \(train.rowCount) rows, \(testName) \(test.rowCount) rows"
            )
            if let stratify, let column = frame.column(named: stratify) {
                context.print(
                    "stratified by \(stratify): " + shareLine(column, parts: parts, names: (trainName, testName)))
            }
        })

    /// A stratum per row: category codes, or distinct numeric values; missing is its own stratum.
    private static func stratumCodes(_ column: Column) -> [Int] {
        switch column.data {
        case .categorical(let codes, _):
            return codes.map(Int.init)
        case .numeric(let values):
            var index: [Double: Int] = [:]
            return values.map { v in
                if v.isNaN { return -1 }
                if let i = index[v] { return i }
                index[v] = index.count
                return index.count - 1
            }
        }
    }

    private static func shareLine(_ column: Column, parts: TrainTestIndices, names: (String, String)) -> String {
        func counts(_ rows: [Int]) -> [(String, Int)] {
            var order: [String] = []
            var tally: [String: Int] = [:]
            for r in rows {
                let key = column.text(at: r) ?? "(missing)"
                if tally[key] == nil { order.append(key) }
                tally[key, default: 0] += 1
            }
            return order.sorted().map { ($0, tally[$0] ?? 0) }
        }
        func text(_ c: [(String, Int)]) -> String { c.map { "\($0.0) \($0.1)" }.joined(separator: ", ") }
        return "\(names.0) " + text(counts(parts.train)) + " · \(names.1) " + text(counts(parts.test))
    }
}

private enum SplitOption {
    static let test: Option<Double> = .fraction(
        "test", default: 0.2, help: "fraction of rows for the test part (0.2 or 20%)")
}
