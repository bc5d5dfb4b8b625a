import Foundation
import Bundles
import Learning
import Diagnostics

extension ModelService {
    /// `POST /v1/feedback`: outcomes of served predictions, stored beside them in the prediction
    /// log. All or nothing: 200 `{"recorded", "unchanged"}` when every outcome is stored (or was
    /// already, alike); 422 when one does not fit the model or names no logged prediction; 409 when
    /// one contradicts an outcome already recorded (outcomes are written once); 409 too when the
    /// server keeps no log. Runs off the event loops (`answersOffLoop`): it reads and writes SQLite.
    func feedback(body: IncomingBody) -> APIResponse {
        do throws(APIError) {
            let data = try bodyData(body, unit: "outcomes")
            guard let log else {
                throw APIError(
                    409,
                    Diagnostic(
                        "this server keeps no prediction log, so it cannot store outcomes",
                        remedy:
                            "start it with \(setting: "log", "FILE"); outcomes are stored beside the predictions"))
            }
            let outcomes = try FeedbackRequest(classes: bundle.pipeline.target.classes, maximumOutcomes: maximumRows)
                .parse(data)
            let result: OutcomeStorage
            do { result = try log.store(outcomes) } catch {
                throw APIError(
                    503, "the prediction log cannot be written now", details: ["\(error)", "try again later"])
            }
            switch result {
            case .stored(let recorded, let unchanged):
                metrics.outcomesRecorded(recorded)
                return .json("{\"recorded\":\(recorded),\"unchanged\":\(unchanged)}")
            case .unknown(let ids):
                var details = RequestRows.Details()
                for id in ids {
                    details.append(
                        "id \(id): no prediction with this id in the log (never answered, older than --log-retention, or dropped when the log fell behind)"
                    )
                }
                throw APIError(
                    422, "no prediction in the log has \(ids.count == 1 ? "this id" : "these ids"); nothing was stored",
                    details: details.shown)
            case .conflicting(let pairs):
                var details = RequestRows.Details()
                for (sent, stored) in pairs {
                    details.append(
                        "id \(sent.id): \(stored.described) is already recorded; \(sent.described) refused (an outcome is written once)"
                    )
                }
                throw APIError(
                    409,
                    "\(pairs.count == 1 ? "an outcome was" : "outcomes were") already recorded differently; nothing was stored",
                    details: details.shown)
            }
        } catch {
            return error.response
        }
    }
}
