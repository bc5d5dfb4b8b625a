import CommandLanguage
import Foundation
import Learning
import Tabular

/// Something a cell did that leaves no binding behind (an evaluation, a prediction, a look at the
/// data), remembered for the rest of the step so checks can ask about it.
enum TutorialFact {
    case ran(command: String, datasets: [(name: String, dataset: Dataset)])
    /// `seen`: how many of the evaluated rows the model trained on (nil when it cannot be known).
    case evaluated(model: (name: String, model: TrainedModel), scores: Scores, seen: Int?)
    case predicted(model: (name: String, model: TrainedModel), rows: Int, values: [String: String], warned: Bool)
    case exported(model: (name: String, model: TrainedModel), path: String)

    /// What a successful cell did, as its effects say.
    init(_ effect: CellEffect) {
        switch effect {
        case .ran(let command, let datasets):
            self = .ran(command: command, datasets: datasets.map { ($0.name, $0.dataset) })
        case .evaluated(let m, let scores, let data):
            self = .evaluated(
                model: (m.name, m.model), scores: scores, seen: data.flatMap { Self.rowsSeen(by: m.model, in: $0) })
        case .predicted(let m, let rows, let values, let warned):
            self = .predicted(model: (m.name, m.model), rows: rows, values: values, warned: warned)
        case .exported(let m, let path):
            self = .exported(model: (m.name, m.model), path: path)
        }
    }

    /// How many rows of `data` the model trained on: by content when its training rows are at
    /// hand; otherwise all or none by fingerprint (a model imported from a bundle); nil if unknown.
    static func rowsSeen(by model: TrainedModel, in data: Dataset) -> Int? {
        if let training = model.trainingFrame { return SplitMeaning.rowsSeen(data.frame, in: training) }
        if model.dataFingerprint.isEmpty { return nil }
        return model.dataFingerprint == data.fingerprint ? data.frame.rowCount : 0
    }
}

extension DatasetFilter {
    /// Whether a bound dataset meets every condition.
    func matches(name: String, _ d: Dataset, session: Session) -> Bool {
        if let n = self.name, n != name { return false }
        if let r = rows, d.frame.rowCount != r { return false }
        if let c = columns, d.frame.columnCount != c { return false }
        if let column, d.frame.column(named: column) == nil { return false }
        if let file, !Self.holdsTheData(of: session.locateData(file).path, d) { return false }
        return true
    }

    /// Whether a dataset holds the rows of a file, by content: the same bytes (so "./examples/x.csv",
    /// an absolute path or the built-in copy pass), or the same table read another way (a re-saved
    /// copy, a SQLite table of the same rows).
    static func holdsTheData(of path: String, _ d: Dataset) -> Bool {
        guard let bytes = try? Fingerprint.ofFile(atPath: path) else { return false }
        if bytes == d.fingerprint { return true }
        guard let expected = try? CSVReader.read(path: path),
            expected.rowCount == d.frame.rowCount, expected.columnCount == d.frame.columnCount
        else { return false }
        return Fingerprint.of(frame: expected) == Fingerprint.of(frame: d.frame)
    }

    /// "a dataset named penguins with 344 rows", for feedback.
    var phrase: String {
        var parts: [String] = []
        if let rows { parts.append("\(rows) rows") }
        if let columns { parts.append("\(columns) columns") }
        if let column { parts.append("a column \(column)") }
        var text = "a dataset" + (name.map { " named \($0)" } ?? "") + (file.map { " loaded from \($0)" } ?? "")
        if !parts.isEmpty { text += " with " + joinedPhrase(parts) }
        return text
    }
}

extension SplitFilter {
    /// A pair of bound datasets that could be the two parts: same columns, the sizes asked for.
    /// The test part is the one of `test` rows, or the smaller one.
    func parts(in session: Session) -> [(
        train: (name: String, frame: DataFrame), test: (name: String, frame: DataFrame)
    )] {
        let datasets: [(name: String, frame: DataFrame)] = session.boundNames.compactMap { name in
            guard case .dataset(let d)? = session.lookup(name) else { return nil }
            return (name, d.frame)
        }
        var pairs: [(train: (name: String, frame: DataFrame), test: (name: String, frame: DataFrame))] = []
        for a in datasets {
            for b in datasets where a.name != b.name && a.frame.columnNames == b.frame.columnNames {
                if let rows, a.frame.rowCount + b.frame.rowCount != rows { continue }
                if let test, b.frame.rowCount != test { continue }
                if test == nil, b.frame.rowCount > a.frame.rowCount { continue }
                if let column, b.frame.column(named: column) == nil { continue }
                if let stratified, b.frame.column(named: stratified) == nil { continue }
                pairs.append((a, b))
            }
        }
        return pairs
    }

    func keepsShares(_ pair: (train: (name: String, frame: DataFrame), test: (name: String, frame: DataFrame))) -> Bool
    {
        guard let stratified else { return true }
        return SplitMeaning.sharesNotKept([pair.train.frame, pair.test.frame], column: stratified).isEmpty
    }

    /// For parts of the right size that do not keep the shares: which class is off, and by how much.
    func sharesExplanation(in session: Session) -> String? {
        guard let stratified, let pair = parts(in: session).last,
            let drift = SplitMeaning.sharesNotKept([pair.train.frame, pair.test.frame], column: stratified).first(
                where: { $0.part == 1 })
        else { return nil }
        return
            "  \(pair.test.name) has \(drift.count) rows of \(stratified) \(drift.value); keeping its share would give \(formatFixed(drift.expected, decimals: 1))"
    }

    /// "two parts of 344 rows, 69 of them in the test part, each keeping the shares of species".
    var phrase: String {
        var text = "a split into two parts"
        if let rows { text += " of \(rows) rows" }
        if let test { text += (rows == nil ? " with " : ", ") + "\(test) rows in the test part" }
        if let column { text += " with a column \(column)" }
        if let stratified { text += ", each part keeping the share of every \(stratified)" }
        return text
    }
}

extension ModelFilter {
    /// Whether a bound model meets every condition.
    func matches(name: String, _ m: TrainedModel) -> Bool {
        if let n = self.name, n != name { return false }
        if let algorithm, m.pipeline.algorithm != algorithm { return false }
        if let target, m.pipeline.target.name != target { return false }
        if let task, m.pipeline.task.rawValue != task { return false }
        if let threshold, (m.pipeline.decisionThreshold != nil) != threshold { return false }
        if let calibrated, (m.pipeline.calibration != nil) != calibrated { return false }
        if let conformal, (m.pipeline.conformal != nil) != conformal { return false }
        return true
    }

    /// "a forest model predicting species", for feedback.
    var phrase: String {
        var text = "a " + (task.map { "\($0) " } ?? "") + (algorithm.map { "\($0) " } ?? "") + "model"
        if let name { text += " named \(name)" }
        if let target { text += " predicting \(target)" }
        var has: [String] = [], hasNot: [String] = []
        for (flag, what) in [
            (threshold, "a decision threshold"), (calibrated, "calibrated probabilities"),
            (conformal, "conformal sets or intervals"),
        ] {
            if let flag { flag ? has.append(what) : hasNot.append(what) }
        }
        if !has.isEmpty { text += " with " + joinedPhrase(has) }
        if !hasNot.isEmpty { text += (has.isEmpty ? " without " : ", without ") + joinedPhrase(hasNot) }
        return text
    }
}

/// "a, b and c".
func joinedPhrase(_ parts: [String]) -> String {
    guard parts.count > 1, let last = parts.last else { return parts.first ?? "" }
    return parts.dropLast().joined(separator: ", ") + " and " + last
}

extension Requirement {
    /// What the learner must achieve, for "not done yet" messages.
    var phrase: String {
        switch self {
        case .dataset(let f): f.phrase + " is bound"
        case .model(let f): f.phrase + " is trained"
        case .evaluated(let f, let unseen):
            f.phrase + " is evaluated" + (unseen == true ? " on rows it did not train on" : "")
        case .split(let f): f.phrase
        case .predicted(let f, let rows, let values, let warned):
            "\(f.phrase) makes a prediction" + (rows.map { $0 == 1 ? " for one row" : " for \($0) rows" } ?? "")
                + (values.isEmpty
                    ? "" : " with " + values.keys.sorted().map { "\($0) \(values[$0] ?? "")" }.joined(separator: ", "))
                + (warned.map { $0 ? " that comes with a warning" : " without a warning" } ?? "")
        case .ran(let command, let f): "you run \(command)" + (f == DatasetFilter() ? "" : " on " + f.phrase)
        case .exported(let f): f.phrase + " is exported to a bundle"
        }
    }

    /// When the step wants the data of a file and the newest dataset holds other data, says so:
    /// the check is by content, so the path the learner typed is not the problem.
    func otherData(in session: Session, facts: [TutorialFact] = []) -> String? {
        if case .split(let f) = self { return f.sharesExplanation(in: session) }
        if case .evaluated(let f, true) = self {
            for case .evaluated(let m, _, let seen?) in facts.reversed()
            where f.matches(name: m.name, m.model) && seen > 0 {
                return
                    "  \(m.name) trained on \(seen) of the rows it was evaluated on: a score on rows it has seen is no test"
            }
            return nil
        }
        guard case .dataset(let f) = self, let file = f.file,
            let expected = try? Fingerprint.ofFile(atPath: session.locateData(file).path),
            let name = session.boundNames.last(where: { if case .dataset? = session.lookup($0) { true } else { false } }
            ),
            case .dataset(let d)? = session.lookup(name), d.source.hasPrefix("\""),  // read from a file
            !DatasetFilter.holdsTheData(of: session.locateData(file).path, d)
        else { return nil }
        return
            "  \(name) holds other data than \(file) (fingerprint \(Fingerprint.short(d.fingerprint, length: 12)), the lesson's file has \(Fingerprint.short(expected, length: 12)))"
    }

    /// Whether the session (and what happened during the step) meets this requirement; the
    /// name of what met it, for the feedback.
    func satisfied(by session: Session, facts: [TutorialFact]) -> String? {
        switch self {
        case .dataset(let f):
            return session.boundNames.first { name in
                if case .dataset(let d)? = session.lookup(name) { return f.matches(name: name, d, session: session) }
                return false
            }
        case .model(let f):
            return session.boundNames.first { name in
                if case .model(let m)? = session.lookup(name) { return f.matches(name: name, m) }
                return false
            }
        case .evaluated(let f, let unseen):
            for case .evaluated(let m, _, let seen) in facts where f.matches(name: m.name, m.model) {
                if unseen == true, seen != 0 { continue }
                return m.name
            }
            return nil
        case .split(let f):
            return f.parts(in: session).first { f.keepsShares($0) }.map { "\($0.train.name) and \($0.test.name)" }
        case .predicted(let f, let rows, let values, let warned):
            for case .predicted(let m, let n, let given, let hadWarning) in facts where f.matches(name: m.name, m.model)
            {
                if let rows, rows != n { continue }
                if let warned, warned != hadWarning { continue }
                // Compared as numbers when both are numbers, so 230 and 230.0 are the same value.
                let same = values.allSatisfy { key, want in
                    guard let have = given[key] else { return false }
                    if let a = Grading.number(from: want), let b = Grading.number(from: have) {
                        return a.value == b.value
                    }
                    return have.lowercased() == want.lowercased()
                }
                if same { return m.name }
            }
            return nil
        case .ran(let command, let f):
            for case .ran(let c, let datasets) in facts where c == command {
                if f == DatasetFilter() { return command }
                if let hit = datasets.first(where: { f.matches(name: $0.name, $0.dataset, session: session) }) {
                    return hit.name
                }
            }
            return nil
        case .exported(let f):
            for case .exported(let m, let path) in facts
            where f.matches(name: m.name, m.model) && FileManager.default.fileExists(atPath: path) {
                return m.name
            }
            return nil
        }
    }
}

extension CellEffect {
    /// What a command ran on, for a lesson's checks: the datasets its positionals name, a quoted
    /// file after "on" read as the command read it (validate m on "fresh.csv"), and the datasets
    /// it bound (load, split, select "ran on" what they bound). A command whose first word picks
    /// what it does (plot roc) also ran as that pair, so a step can ask for one kind.
    static func ran(spec: CommandSpec, invocation: Invocation, in session: Session) -> [CellEffect] {
        func dataset(_ expression: Expression?) -> NamedDataset? {
            guard let name = expression?.dottedName, case .dataset(let d)? = session.lookup(name) else { return nil }
            return NamedDataset(name: name, dataset: d)
        }
        var datasets = spec.positionals.compactMap { dataset(invocation.positionals[$0.placeholder]) }
        for p in spec.positionals where p.keyword == "on" {
            guard case .string(let written, _)? = invocation.positionals[p.placeholder] else { continue }
            let path = session.locateData(written).path
            guard let fingerprint = try? Fingerprint.ofFile(atPath: path), let frame = try? CSVReader.read(path: path)
            else { continue }
            datasets.append(
                NamedDataset(
                    name: written, dataset: Dataset(frame: frame, source: "\"\(written)\"", fingerprint: fingerprint)))
        }
        datasets += invocation.statement.targets.compactMap {
            dataset(.name($0.name.split(separator: ".").map(String.init), $0.range))
        }
        var effects: [CellEffect] = [.ran(command: spec.name, datasets: datasets)]
        if let first = spec.positionals.first, case .choice = first.kind,
            case .name(let parts, _)? = invocation.positionals[first.placeholder], parts.count == 1
        {
            effects.append(.ran(command: spec.name + " " + parts[0], datasets: datasets))
        }
        return effects
    }
}
