import CommandLanguage
import Diagnostics
import Foundation
import Learning
import Tabular

/// Argument handling shared by the model commands (train, compare, tune, evaluate, predict).
extension CommandContext {
    /// An algorithm and its parameters from `ALGO`: an algorithm name, or a bound candidate
    /// (`lb.best`), leaderboard (its best) or model (its algorithm and parameters).
    func candidate(_ placeholder: Placeholder) throws -> Candidate {
        guard let expression = invocation.positionals[placeholder] else {
            throw LanguageError.missingArgument(
                placeholder.label, command: invocation.signature.name, usage: invocation.signature.usage,
                at: invocation.statement.verbRange)
        }
        guard let name = expression.dottedName else {
            throw LanguageError.semantic(
                "expected an algorithm name, found \(expression.kindDescription)", at: expression.range,
                hint: "algorithms: " + AlgorithmRegistry.names.joined(separator: ", "))
        }
        if let algorithm = AlgorithmRegistry.named(name) {
            return Candidate(
                algorithm: algorithm,
                parameters: try Parameters(algorithm: name, specs: algorithm.parameterSpecs, given: [:]))
        }
        switch session.lookup(name) {
        case .candidate(let c)?: return c
        case .leaderboard(let lb)?:
            if let best = lb.candidate(at: 0) { return best }
        case .model(let m)?:
            if let algorithm = AlgorithmRegistry.named(m.pipeline.algorithm) {
                return Candidate(algorithm: algorithm, parameters: m.pipeline.parameters)
            }
        default: break
        }
        throw LanguageError.unknownName(
            kind: "algorithm", name: name, at: expression.range,
            suggestion: closestMatch(name, among: AlgorithmRegistry.names),
            hint: "algorithms: " + AlgorithmRegistry.names.joined(separator: ", "))
    }

    /// Several algorithms: `all`, one name, or a list.
    func candidates(_ placeholder: Placeholder) throws -> [Candidate] {
        guard let expression = invocation.positionals[placeholder] else { return [] }
        if expression.dottedName == "all" {
            return try AlgorithmRegistry.all.map {
                try Candidate(
                    algorithm: $0, parameters: Parameters(algorithm: $0.name, specs: $0.parameterSpecs, given: [:]))
            }
        }
        let items: [Expression]
        if case .list(let elements, _) = expression { items = elements } else { items = [expression] }
        return try items.map { item in
            guard let name = item.dottedName else {
                throw LanguageError.semantic(
                    "expected an algorithm name, found \(item.kindDescription)", at: item.range, hint: nil)
            }
            if let algorithm = AlgorithmRegistry.named(name) {
                return try Candidate(
                    algorithm: algorithm,
                    parameters: Parameters(algorithm: name, specs: algorithm.parameterSpecs, given: [:]))
            }
            if case .candidate(let c)? = session.lookup(name) { return c }
            throw LanguageError.unknownName(
                kind: "algorithm", name: name, at: item.range,
                suggestion: closestMatch(name, among: AlgorithmRegistry.names + ["all"]),
                hint: "algorithms: " + AlgorithmRegistry.names.joined(separator: ", ") + ", or all")
        }
    }

    /// Hyperparameters written as `key=value`, checked against the algorithm's specs, over `base`.
    func hyperparameters(for algorithm: any Algorithm.Type, over base: Parameters? = nil) throws -> [String:
        ParameterValue]
    {
        var given = base?.values ?? [:]
        for (key, keyRange, value) in invocation.hyperparameters {
            guard let spec = algorithm.parameterSpecs.first(where: { $0.name == key }) else {
                let known = algorithm.parameterSpecs.map(\.name)
                let all = known + invocation.signature.options.map(\.name)
                throw LanguageError.unknownOption(
                    key, command: "\(invocation.signature.name) \(algorithm.name)", at: keyRange,
                    suggestion: closestMatch(key, among: all), known: all)
            }
            let parameterValue = try Self.parameterValue(value, spec: spec)
            do {
                _ = try Parameters(
                    algorithm: algorithm.name, specs: algorithm.parameterSpecs, given: [key: parameterValue])
            } catch let LearningError.invalidParameter(_, name, _, expected) {
                throw LanguageError.invalidValue(option: name, expected: expected, at: value.range)
            }
            given[key] = parameterValue
        }
        return given
    }

    static func parameterValue(_ value: Expression, spec: ParameterSpec) throws -> ParameterValue {
        switch value {
        case .number(let v, _, let range):
            if case .int = spec.kind {
                guard let i = Int(exactly: v) else {
                    throw LanguageError.invalidValue(option: spec.name, expected: "a whole number", at: range)
                }
                return .int(i)
            }
            return .double(v)
        case .name(let parts, _): return .string(parts.joined(separator: "."))
        case .string(let s, _): return .string(s)
        default:
            throw LanguageError.invalidValue(option: spec.name, expected: "a number or a word", at: value.range)
        }
    }

    /// The target column from `target=`, required.
    func targetColumn(in frame: DataFrame) throws -> String {
        guard let target = try column("target", in: frame) else {
            throw LanguageError.missingArgument(
                "target=COLUMN", command: invocation.signature.name, usage: invocation.signature.usage,
                at: SourceRange(invocation.line.count, invocation.line.count + 1))
        }
        return target
    }

    /// Feature columns: `features=` if given (always as written), else every column but the target
    /// and `drop=`, leaving out the columns `defaultLeftOut` names, in one line.
    mutating func featureColumns(in frame: DataFrame, target: String) throws -> [String] {
        if invocation.has("features") {
            let chosen = try columns("features", in: frame)
            if let bad = chosen.first(where: { $0 == target }) {
                throw LanguageError.semantic(
                    "the target '\(bad)' cannot also be a feature", at: invocation.range(of: "features"), hint: nil)
            }
            // features= wins over the default choice, never over the memory budget.
            try Self.checkEncodedSize(frame: frame, features: chosen)
            return chosen
        }
        let dropped = Set(try columns("drop", in: frame))
        let candidates = frame.columns.filter { $0.name != target && !dropped.contains($0.name) }
        let leftOut = Self.defaultLeftOut(candidates)
        if !leftOut.isEmpty {
            print(
                "left out: " + leftOut.map { "\($0.name) (\($0.reason))" }.joined(separator: ", ")
                    + " — features=[…] to keep them")
        }
        let out = Set(leftOut.map(\.name))
        let features = candidates.map(\.name).filter { !out.contains($0) }
        guard !features.isEmpty else {
            throw CommandError("no feature columns are left", hint: "check drop= and features=")
        }
        try Self.checkEncodedSize(frame: frame, features: features)
        return features
    }

    /// The columns models leave out unless `features=` names them: identifiers, constants and
    /// free text (`ColumnRole.leftOutByDefault`). Dates stay: the model's date step turns them
    /// into year, month, day of week and day of year (`DateStep`).
    static func defaultLeftOut(_ columns: [Column]) -> [(name: String, reason: String)] {
        columns.compactMap { column in
            guard let role = ColumnRole.detect(column), role.leftOutByDefault else { return nil }
            return (column.name, role.name)
        }
    }

    /// Refuses features whose one-hot encoding would not fit in memory (a text column with tens of
    /// thousands of distinct values), before any of it is built, naming the widest columns.
    static func checkEncodedSize(
        frame: DataFrame, features: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        var width = 0
        var wide: [(name: String, levels: Int)] = []
        for name in features {
            guard let column = frame.column(named: name) else { continue }
            if DateFormat.detect(in: column) != nil {
                width += DateStep.Part.allCases.count + 1  // the derived numbers and an indicator
            } else if case .categorical(_, let levels) = column.data {
                width += levels.count + 1
                wide.append((name, levels.count))
            } else {
                width += 2  // the value and, with missing values, its indicator
            }
        }
        wide.sort { $0.levels > $1.levels }
        let culprits =
            wide.filter { $0.levels >= 100 }.prefix(2).isEmpty
            ? Array(wide.prefix(1)) : Array(wide.filter { $0.levels >= 100 }.prefix(2))
        let named = culprits.map { "'\($0.name)' has \($0.levels) distinct values" }.joined(separator: ", ")
        let dropList = culprits.map(\.name).joined(separator: ", ")
        try MemoryBudget.checkMatrix(
            rows: frame.rowCount, columns: width,
            what:
                "one-hot encoding \(features.count) feature\(features.count == 1 ? "" : "s") of \(frame.rowCount) rows",
            hint: culprits.isEmpty
                ? "train on a sample of the rows"
                : "\(named); leave \(culprits.count == 1 ? "it" : "them") out with drop=[\(dropList)], or train on a sample of the rows",
            environment: environment)
    }

    /// `task=` if given, else the task `TaskInference` reads from the target, announced in one
    /// line with its override when the target is written as whole numbers (the one rule of train,
    /// compare and tune).
    mutating func task(for target: String, in frame: DataFrame) -> Task? {
        if let requested = invocation.word("task").flatMap(Task.init(rawValue:)) { return requested }
        guard let column = frame.column(named: target) else { return nil }
        let inference = TaskInference.infer(column: column)
        if let line = Self.taskNote(inference, target: target) { print(line) }
        return inference.task
    }

    /// The line saying how a whole-number target was read, with the override; nil otherwise.
    static func taskNote(_ inference: TaskInference, target: String) -> String? {
        switch inference.reason {
        case .text, .fractional:
            return nil
        case .fewWholeNumbers(let distinct):
            return
                "note: '\(target)' holds \(distinct) whole-number values, each repeated, so it is read as \(distinct) classes (task=regression to predict it as a number)"
        case .manyWholeNumbers(let distinct):
            guard distinct >= 2 else { return nil }
            return
                "note: '\(target)' holds whole numbers with \(distinct) distinct values, so it is read as a quantity: regression (task=classification to predict classes)"
        }
    }

    /// A fit context wired to Ctrl-C and the terminal's progress line.
    func fitContext(seed: Int, label: String) -> FitContext {
        let flag = session.cancellation
        let handler = session.progressHandler
        return FitContext(
            seed: UInt64(seed), threads: ProcessInfo.processInfo.activeProcessorCount,
            isCancelled: { flag.isSet },
            progress: { fraction in handler?("\(label) \(Int((fraction * 100).rounded()))%") })
    }

    /// The model named by a positional argument.
    func model(_ placeholder: Placeholder) throws -> (name: String, model: TrainedModel) {
        let (name, value) = try value(placeholder)
        guard case .model(let m) = value else {
            throw LanguageError.wrongKind(
                name: name, expected: "model", found: value.kindName, at: invocation.range(of: placeholder))
        }
        return (name, m)
    }
}

/// A score as tables show it: three decimals for scores in [0, 1], else four significant digits.
func formatScore(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "inf" : "-inf") }
    if abs(x) <= 1 { return formatFixed(x, decimals: 3) }
    return formatStatistic(x)
}

/// Seconds as a volatile span, so transcripts do not compare them.
func formatDuration(_ seconds: Double) -> String {
    let text: String
    if seconds < 0.001 {
        text = "<1 ms"
    } else if seconds < 1 {
        text = "\(Int((seconds * 1000).rounded())) ms"
    } else {
        text = formatFixed(seconds, decimals: seconds < 10 ? 2 : 1) + " s"
    }
    // Fixed width, so tables holding durations keep the same layout from run to run.
    return Output.volatile(String(repeating: " ", count: max(0, 8 - text.count)) + text)
}
