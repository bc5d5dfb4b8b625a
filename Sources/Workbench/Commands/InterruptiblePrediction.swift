import Foundation
import Learning
import Tabular

/// Predictions that Ctrl-C stops: rows go through the model in blocks, with the session's
/// cancellation flag checked before each. A k-NN prediction, which compares every row with every
/// training row, is timed on its first block and announced when the whole will take minutes.
enum InterruptiblePrediction {
    /// A prediction estimated to take longer than this is announced with its estimate.
    static let announceAfter: Duration = .seconds(60)

    /// `pipeline.predict(frame)`, stoppable with Ctrl-C; a long k-NN run adds a warning to `notes`
    /// (and says so at once on a terminal's progress line). `announceAfter` is a parameter for tests.
    static func predict(
        _ pipeline: PipelineModel, _ frame: DataFrame, session: Session, notes: inout [String],
        announceAfter: Duration = InterruptiblePrediction.announceAfter
    ) throws -> PipelineModel.Output {
        try MemoryBudget.checkMatrix(
            rows: frame.rowCount, columns: pipeline.preprocessor.outputNames.count, copies: 1,
            what: "encoding \(frame.rowCount) rows for the model", hint: "predict on fewer rows at a time")
        let perRow = pipeline.costPerRow
        let clock = ContinuousClock()
        let started = clock.now
        var announced = false
        var found: [String] = []
        let output = try pipeline.predict(frame, blockRows: pipeline.stoppableBlockRows) { done in
            if session.cancellation.isSet {
                throw CommandError(
                    "cancelled", hint: "the prediction stopped at row \(done) of \(frame.rowCount); nothing was bound")
            }
            guard perRow != nil, done > 0, !announced else { return }
            announced = true
            let elapsed = clock.now - started
            let remaining = elapsed * (Double(frame.rowCount - done) / Double(done))
            guard remaining > announceAfter else { return }
            let trainingRows = (pipeline.fitted.model as? KNearestNeighborsModel)?.training.rows ?? 0
            let note =
                "k-NN compares each of \(frame.rowCount) rows with \(trainingRows) training rows: about "
                + Output.volatile(describe(elapsed + remaining)) + " in all (Ctrl-C stops it)"
            found.append(note)
            session.progressHandler?("warning: " + Output.stripMarkers(note))
        }
        notes.append(contentsOf: found)
        return output
    }

    /// "4 min", "1 h 20 min", "45 s".
    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
