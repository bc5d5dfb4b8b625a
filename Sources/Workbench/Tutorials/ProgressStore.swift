import Foundation

/// Where each lesson stands, kept in `$WORKBENCH_HOME/tutorials/progress.json` so `tutorial resume`
/// works in a later session.
public struct TutorialProgress: Codable, Sendable, Equatable {
    /// One lesson's position.
    public struct Entry: Codable, Sendable, Equatable {
        /// The id of the step the learner is on (ids survive edits that renumber steps).
        public var step: String
        /// Ids of the steps finished (not skipped).
        public var done: [String]
        public var finished: Bool
    }

    /// The lesson last started or resumed.
    public var current: String?
    public var lessons: [String: Entry] = [:]

    public init() {}
}

/// Reads and writes `TutorialProgress`; a missing or unreadable file is an empty progress, and a
/// failed write never fails the command (the lesson goes on, only resume is affected).
public struct ProgressStore: Sendable {
    public let path: String?

    /// Progress under `home`; an empty home means "do not persist".
    public init(home: String) {
        path = home.isEmpty ? nil : (home as NSString).appendingPathComponent("tutorials/progress.json")
    }

    public func load() -> TutorialProgress {
        guard let path, let data = FileManager.default.contents(atPath: path),
              let progress = try? JSONDecoder().decode(TutorialProgress.self, from: data) else { return TutorialProgress() }
        return progress
    }

    /// Writes atomically; returns a sentence for the learner if it failed.
    @discardableResult
    public func save(_ progress: TutorialProgress) -> String? {
        guard let path else { return nil }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
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
