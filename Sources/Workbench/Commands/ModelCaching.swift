import Foundation
import Learning
import Tabular
import Bundles
import Diagnostics

/// What `train` cells did while `open` restored a session: models taken from the model cache,
/// models fitted again and why, and the cache's notes.
final class ReopenLog {
    /// Binding names whose model came from the cache.
    var restored: Set<String> = []
    /// Binding names fitted again, with the reason.
    var refit: [String: String] = [:]
    /// Problems with the cache (a refused entry, a folder that cannot be used), once each.
    var notes: [String] = []

    func note(_ text: String) {
        if !notes.contains(text) { notes.append(text) }
    }
}

extension CommandContext {
    /// The model `key` describes: while `open` restores a session, from the model cache when it is
    /// there (no fit); otherwise fitted by `fit` and stored in the cache for a later `open`.
    /// Returns the model, the seconds its fit took (then or now) and whether it came from the cache.
    /// The cache never fails the command: a problem becomes a note.
    mutating func fitOrRestore(
        key: ModelFitKey, binding: String, trainingFrame: DataFrame, fit: () throws -> PipelineModel
    ) throws -> (PipelineModel, seconds: Double, restored: Bool) {
        let cache = session.modelCache
        let digest = key.digest
        if let log = session.reopening {
            do {
                if let cached = try cache.load(key: digest) {
                    log.restored.insert(binding)
                    return (cached.pipeline, cached.fitSeconds, true)
                }
                log.refit[binding] =
                    cache.isEnabled
                    ? "not in the model cache" : "the model cache is off (\(ModelCache.limitVariable)=0)"
            } catch {
                log.note(error.description)
                log.refit[binding] = {
                    if case .refused = error { return "its cache entry was refused" }
                    return "the model cache cannot be read"
                }()
            }
        }
        var pipeline: PipelineModel?
        let elapsed = try ContinuousClock().measure { pipeline = try fit() }
        guard let pipeline else { throw CommandError("training produced no model") }
        if cache.isEnabled {
            do {
                try cache.store(
                    key: digest, pipeline: pipeline, fitSeconds: elapsed.seconds, trainingFrame: trainingFrame)
            } catch {
                let text =
                    "note: \(binding) is not kept in the model cache, so open will fit it again: \(error.description)"
                print(text)
                session.reopening?.note(error.description)
            }
        }
        return (pipeline, elapsed.seconds, false)
    }
}
