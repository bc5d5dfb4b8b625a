public import Foundation

/// Where each lesson stands for one learner, kept as plain JSON so `tutorial resume` works in a
/// later session and a trainer can collect the files (`workbench tutorial report`).
public struct TutorialProgress: Codable, Sendable, Equatable {
    /// What one learner did on one step.
    public struct StepRecord: Codable, Sendable, Equatable {
        /// Commands and answers that tried the step and did not finish it (looking commands and
        /// commands a hint suggests are not attempts).
        public var attempts = 0
        /// Hints shown (by wrong attempts or 'tutorial hint').
        public var hints = 0
        /// Whether the solution was shown.
        public var solution = false
        /// Active time on the step, in seconds (a pause of more than five minutes counts as five).
        public var seconds = 0.0

        public init(attempts: Int = 0, hints: Int = 0, solution: Bool = false, seconds: Double = 0) {
            self.attempts = attempts
            self.hints = hints
            self.solution = solution
            self.seconds = seconds
        }
    }

    /// One lesson's position.
    public struct Entry: Codable, Sendable, Equatable {
        /// The id of the step the learner is on (ids survive edits that renumber steps).
        public var step: String
        /// Ids of the steps finished (not skipped).
        public var done: [String]
        public var finished: Bool
        /// Per step id; absent in files written before records were kept.
        public var steps: [String: StepRecord]

        public init(step: String, done: [String], finished: Bool, steps: [String: StepRecord] = [:]) {
            self.step = step
            self.done = done
            self.finished = finished
            self.steps = steps
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            step = try c.decode(String.self, forKey: .step)
            done = try c.decode([String].self, forKey: .done)
            finished = try c.decode(Bool.self, forKey: .finished)
            steps = try c.decodeIfPresent([String: StepRecord].self, forKey: .steps) ?? [:]
        }

        /// Active time on the lesson, in seconds.
        public var seconds: Double { steps.values.reduce(0) { $0 + $1.seconds } }
    }

    /// Whose progress this is (nil: the unnamed learner of this home).
    public var learner: String?
    /// The lesson last started or resumed.
    public var current: String?
    public var lessons: [String: Entry] = [:]

    public init(learner: String? = nil) { self.learner = learner }
}

/// A learner's name: it names their progress file, so it is a plain word (letters, digits, `.`,
/// `_`, `-`, not starting with `.` or `-`, at most 64 characters) and never a path.
public enum LearnerName {
    public static func validate(_ name: String) throws -> String {
        let allowed = name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, name.count <= 64, allowed, let first = name.first, first != ".", first != "-" else {
            throw CommandError(
                "'\(name)' cannot be a learner's name",
                hint:
                    "a name is one word of letters, digits, '.', '_' or '-' (not starting with '.' or '-', at most 64 characters), e.g. alice or j.smith"
            )
        }
        return name
    }

    /// `$WORKBENCH_LEARNER`, when set and valid.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String?
    {
        guard let name = environment["WORKBENCH_LEARNER"], !name.isEmpty else { return nil }
        return try? validate(name)
    }
}

/// Reads and writes `TutorialProgress`; a missing or unreadable file is an empty progress, and a
/// failed write never fails the command (the lesson goes on, only resume is affected).
///
/// The unnamed learner's progress is `$WORKBENCH_HOME/tutorials/progress.json`; a named learner's
/// is `NAME.json` in the progress folder (`$WORKBENCH_HOME/tutorials/learners`, or
/// `$WORKBENCH_PROGRESS` when learners share one folder). One file per learner, each written
/// atomically (a temporary file renamed into place), so no learner's writes touch another's file.
public struct ProgressStore: Sendable {
    public let path: String?
    public let learner: String?

    /// Progress under `home`; an empty home means "do not persist".
    public init(home: String, learner: String? = nil, folder: String? = nil) {
        self.learner = learner
        guard !home.isEmpty || folder != nil else {
            path = nil
            return
        }
        if let learner {
            let folder = folder ?? (home as NSString).appendingPathComponent("tutorials/learners")
            path = (folder as NSString).appendingPathComponent(learner + ".json")
        } else {
            path = (home as NSString).appendingPathComponent("tutorials/progress.json")
        }
    }

    /// `$WORKBENCH_PROGRESS`, the shared progress folder, if set.
    public static func sharedFolder(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        environment["WORKBENCH_PROGRESS"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public func load() -> TutorialProgress {
        guard let path, let data = FileManager.default.contents(atPath: path),
            var progress = try? JSONDecoder().decode(TutorialProgress.self, from: data)
        else { return TutorialProgress(learner: learner) }
        progress.learner = learner
        return progress
    }

    /// Writes atomically; returns a sentence for the learner if it failed.
    @discardableResult
    public func save(_ progress: TutorialProgress) -> String? {
        guard let path else { return nil }
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try writeFileAtomically(encoder.encode(progress), to: path)
            return nil
        } catch {
            return "note: could not save tutorial progress (\(error)); 'tutorial resume' will not know this step"
        }
    }

    /// Applies `change` to the stored progress and saves it.
    @discardableResult
    public func update(_ change: (inout TutorialProgress) -> Void) -> String? {
        var progress = load()
        change(&progress)
        return save(progress)
    }
}
