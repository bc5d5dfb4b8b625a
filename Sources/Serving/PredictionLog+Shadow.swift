import Bundles
import Foundation

/// A challenger's prediction on a row the champion answered, as the shadow scorer logs it.
struct ShadowRow: Sendable {
    /// The champion's prediction id for the same row.
    var predictionID: Int64
    /// The challenger's model id.
    var model: String
    /// The model id that answered the request.
    var answeredBy: String
    var time: Double
    var label: String?
    var value: Double?
    /// `{"class": p, …}` in the challenger's class names.
    var probabilities: String?
    /// Why the challenger gave no prediction for this row (its output was not finite).
    var error: String?
}

extension PredictionLog {
    /// Writes the challenger's predictions (and applies the log's retention to them). Called by the
    /// shadow scorer's own thread, never on the request path.
    func writeShadow(_ rows: [ShadowRow]) throws {
        guard !rows.isEmpty else { return }
        try store.writeShadow(rows)
    }

    /// After a promotion: the log's model is the new champion (so `monitor LOG` reads its bundle,
    /// and a restarted server with the roles swapped opens the log).
    func recordPromotion(champion: LoadedBundle, challenger: LoadedBundle?) throws {
        try store.recordPromotion(champion: champion, challenger: challenger)
    }
}
