/// One guided lesson read from a Markdown file in `tutorials/`: a title and a sequence of steps.
public struct Lesson: Sendable, Equatable {
    /// The name used in `tutorial start NAME`: the file name without its `NN-` order prefix and `.md`.
    public var name: String
    public var title: String
    public var summary: String
    /// The author's estimate of how long the lesson takes.
    public var minutes: Int?
    /// Text shown before the first step.
    public var introduction: [String]
    public var steps: [Step]
    /// The file it was read from, for messages.
    public var path: String

    /// The position of the step with this id, if any.
    public func index(of stepID: String) -> Int? { steps.firstIndex { $0.id == stepID } }
}

/// One step of a lesson: text to read, then something to do or answer (or nothing, for an explanation).
public struct Step: Sendable, Equatable {
    /// What the learner does to finish the step.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Read, then `tutorial next`.
        case explain
        /// Run a real command whose effect the step checks.
        case `do`
        /// Answer with `answer VALUE`.
        case question
    }

    /// Shown in brackets in every message about the step, e.g. `[load]`.
    public var id: String
    public var title: String
    public var kind: Kind
    public var text: [String]
    /// For `do` steps: all must hold after a cell for the step to pass.
    public var checks: [Requirement]
    /// For `question` steps.
    public var answer: Answer?
    /// For multiple-choice questions: letter and text, in order.
    public var choices: [Choice]
    /// Revealed one per wrong attempt (or `tutorial hint`).
    public var hints: [String]
    /// Shown by `tutorial solution`, or after a wrong attempt once every hint is out.
    public var solution: [String]
    /// For `do` steps: plausible commands that must not pass the step (each refused with a hint);
    /// `tutorial check` and the lesson tests play them before the solution.
    public var wrongAttempts: [String]
    /// 1-based line of the step's heading.
    public var line: Int
}

/// One option of a multiple-choice question.
public struct Choice: Sendable, Equatable {
    public var letter: String
    public var text: String
}

/// The expected answer to a question.
public enum Answer: Sendable, Equatable {
    /// A number: literal or read from the session, compared with a tolerance.
    case number(NumberSource, tolerance: Tolerance?)
    /// The letter of one of the step's choices.
    case choice(String)
}

/// Where the expected number of a question comes from.
public enum NumberSource: Sendable, Equatable {
    /// A fixed number written in the lesson (for facts of the shipped data).
    case literal(Double, text: String)
    /// A metric of the latest evaluation the learner ran in this lesson, e.g. `evaluation.accuracy`.
    case evaluation(metric: String)
    /// A number bound in the session under a (dotted) name, e.g. `e.rmse`.
    case binding(String)
}

/// How far an answer may be from the expected number.
public enum Tolerance: Sendable, Equatable {
    case absolute(Double)
    /// A fraction of the expected value (`tolerance=1%`).
    case relative(Double)
}

/// One effect a `do` step requires of the session after a cell.
public enum Requirement: Sendable, Equatable {
    /// A dataset is bound that matches.
    case dataset(DatasetFilter)
    /// A model is bound that matches.
    case model(ModelFilter)
    /// A model that matches was evaluated during this step; with `unseen: true`, only an
    /// evaluation on rows the model did not train on counts (a held-out part, not its training rows).
    case evaluated(ModelFilter, unseen: Bool? = nil)
    /// Two bound datasets are the train and test parts of one split: together they hold `rows` rows,
    /// the test part `test`, and with `stratified` each part keeps that column's class shares.
    case split(SplitFilter)
    /// A model that matches predicted during this step (optionally for a number of rows and given
    /// values, and with or without a warning that the input is unlike the training data).
    case predicted(ModelFilter, rows: Int?, values: [String: String], warned: Bool? = nil)
    /// A command ran successfully during this step, on a dataset that matches.
    case ran(command: String, DatasetFilter)
    /// A model that matches was exported to a bundle that now exists.
    case exported(ModelFilter)
}

/// Conditions on a dataset; nil means "any".
public struct DatasetFilter: Sendable, Equatable {
    public var name: String?
    public var rows: Int?
    public var columns: Int?
    /// Loaded from this file (compared by content fingerprint, so any spelling of the path passes).
    public var file: String?
    /// Has a column of this name.
    public var column: String?

    public init(name: String? = nil, rows: Int? = nil, columns: Int? = nil, file: String? = nil, column: String? = nil)
    {
        self.name = name
        self.rows = rows
        self.columns = columns
        self.file = file
        self.column = column
    }
}

/// Conditions on a split into two parts; nil means "any".
public struct SplitFilter: Sendable, Equatable {
    /// Rows of both parts together.
    public var rows: Int?
    /// Rows of the test (smaller or second) part.
    public var test: Int?
    /// Both parts have this column.
    public var column: String?
    /// Each part keeps this column's class shares (within one row of the exact share per class).
    public var stratified: String?

    public init(rows: Int? = nil, test: Int? = nil, column: String? = nil, stratified: String? = nil) {
        self.rows = rows
        self.test = test
        self.column = column
        self.stratified = stratified
    }
}

/// Conditions on a model; nil means "any".
public struct ModelFilter: Sendable, Equatable {
    public var name: String?
    public var algorithm: String?
    public var target: String?
    public var task: String?
    /// Has (true) or has not (false) a decision threshold of its own (`threshold`).
    public var threshold: Bool?
    /// Its probabilities are (or are not) calibrated (`calibrate`).
    public var calibrated: Bool?
    /// It gives (or does not give) conformal sets or intervals (`conformal`).
    public var conformal: Bool?

    public init(
        name: String? = nil, algorithm: String? = nil, target: String? = nil, task: String? = nil,
        threshold: Bool? = nil, calibrated: Bool? = nil, conformal: Bool? = nil
    ) {
        self.name = name
        self.algorithm = algorithm
        self.target = target
        self.task = task
        self.threshold = threshold
        self.calibrated = calibrated
        self.conformal = conformal
    }
}
