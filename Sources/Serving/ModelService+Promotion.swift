import Bundles
import Foundation
import Learning
import Diagnostics

/// What `POST /v1/admin/promote` answers: the models before and after, and the evidence the
/// promotion was made on (what `workbench promote` records in the run registry).
public struct PromotionReport: Codable, Sendable, Equatable {
    public struct Model: Codable, Sendable, Equatable {
        public var name: String
        public var model: String
        public var algorithm: String
        public var bundle: String
    }

    /// The challenger's running counts since the server started (all rows, not a window).
    public struct ShadowCounts: Codable, Sendable, Equatable {
        public var scored: Int
        public var failed: Int
        public var dropped: Int
        public var compared: Int
        /// Classification: the share of compared rows where the labels agreed.
        public var agreement: Double?
        /// Regression: the mean absolute difference of the two predictions.
        public var meanAbsoluteDifference: Double?
    }

    /// The new champion (the former challenger) and the former champion, now in its shadow.
    public var champion: Model
    public var challenger: Model
    public var task: String
    public var target: String
    public var inputs: Int
    public var counts: ShadowCounts
    /// Over the log's monitoring window, with outcomes; nil without a log (or no paired rows).
    public var evidence: ChampionChallengerComparison?
    /// Whether the server keeps a prediction log.
    public var logged: Bool
    /// Why the log could not be read for the evidence or record the new roles, when it could not.
    public var logNote: String?
}

extension ModelService {
    /// Swaps champion and challenger (`workbench promote`). Needs the token like every route.
    static let promoteRoute = "/v1/admin/promote"

    /// `POST /v1/admin/promote`: computes the evidence on the roles as they are (the log's last
    /// window and the running counts), then swaps the two models in one step. Requests already
    /// answering finish on the model they started with; the next ones get the new champion. 409
    /// when the server has no challenger, 403 when it has no token (an open server still may not
    /// have its model swapped by anyone). Runs off the event loops: it reads the log.
    func promote(method: String, authorization: String?) -> APIResponse {
        guard method == "POST" else {
            return APIError(405, "\(Self.promoteRoute) accepts POST only", details: ["method \(method) is not allowed"])
                .response.with(header: ("Allow", "POST"))
        }
        guard authorized(authorization) else {
            return APIError(
                401,
                Diagnostic(
                    "missing or wrong bearer token",
                    remedy:
                        "send the header Authorization: Bearer TOKEN (workbench promote \(setting: "token_file", "FILE"))"
                )
            ).response
        }
        guard let shadow, currentRoles.challenger != nil else {
            return APIError(
                409,
                Diagnostic(
                    "this server has no challenger to promote",
                    remedy: "start it with a challenger: workbench serve CHAMPION \(setting: "shadow", "CHALLENGER")")
            ).response
        }
        // Predictions may be open to anyone who can reach the server; swapping the model that
        // answers them may not.
        guard tokenDigest != nil else {
            return APIError(
                403,
                Diagnostic(
                    "promotion needs the server's token, and this server has none",
                    remedy:
                        "start it with \(setting: "token_file", "FILE"), then: workbench promote \(setting: "token_file", "FILE")"
                )
            ).response
        }
        // The evidence includes what was answered up to now.
        shadow.waitUntilIdle(timeout: 2)
        log?.waitUntilWritten()
        var logNote: String?
        let evidence: ChampionChallengerComparison?
        do { evidence = try comparison() } catch {
            evidence = nil
            logNote = "the prediction log could not be read for the evidence: \(error)"
        }
        let counts = shadow.counts
        guard let (_, after) = swapRoles(), let demoted = after.challenger else {
            return APIError(409, "this server has no challenger to promote").response
        }
        metrics.promoted()
        if let log {
            do { try log.recordPromotion(champion: after.champion.bundle, challenger: demoted.bundle) } catch {
                logNote =
                    (logNote.map { $0 + "; " } ?? "") + "the prediction log could not record the new champion: \(error)"
            }
        }
        let classification = after.champion.bundle.pipeline.task == .classification
        let report = PromotionReport(
            champion: Self.describe(after.champion.bundle), challenger: Self.describe(demoted.bundle),
            task: after.champion.bundle.pipeline.task.rawValue, target: after.champion.bundle.manifest.target,
            inputs: after.champion.bundle.pipeline.inputs.count,
            counts: PromotionReport.ShadowCounts(
                scored: counts.scored, failed: counts.failed, dropped: counts.dropped, compared: counts.compared,
                agreement: classification && counts.compared > 0
                    ? Double(counts.agreed) / Double(counts.compared) : nil,
                meanAbsoluteDifference: !classification && counts.compared > 0
                    ? counts.absoluteDifference / Double(counts.compared) : nil),
            evidence: evidence, logged: log != nil, logNote: logNote)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let data = try? encoder.encode(report) else {
            return APIError(500, "internal error: the promotion report could not be encoded").response
        }
        return .json(String(decoding: data, as: UTF8.self))
    }

    /// The champion against the challenger over the log's monitoring window (nil without a log,
    /// or before the challenger's first prediction is logged).
    func comparison() throws -> ChampionChallengerComparison? {
        guard let logReader else { return nil }
        let window = min(monitor.options.window, PredictionLogReader.maximumWindow)
        guard let rows = try logReader.pairedWindow(rows: window) else { return nil }
        return ChampionChallengerComparison.compare(
            rows, classification: bundle.pipeline.task == .classification, latestPair: try logReader.latestPair())
    }

    private static func describe(_ bundle: LoadedBundle) -> PromotionReport.Model {
        PromotionReport.Model(
            name: bundle.manifest.name, model: bundle.manifest.modelID, algorithm: bundle.manifest.algorithm,
            bundle: PredictionLog.absolute(bundle.path))
    }
}
