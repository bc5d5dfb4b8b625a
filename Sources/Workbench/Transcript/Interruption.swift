import CommandLanguage
import Foundation

/// How Ctrl-C stopped a cell, as its transcript records it (`@interrupted …`), so that replay and
/// `open` reproduce what the cell kept, or say plainly why they cannot (issue 23, item 4).
///
/// ```
/// @interrupted nothing bound
/// @interrupted after 3 of 7 candidates; finished: baseline, linear, tree
/// ```
public enum Interruption: Sendable, Equatable {
    /// The command stopped and bound nothing (a `train`, an `evaluate`, a `load`, …): there is no
    /// partial result to reproduce, and a later cell found none of its names, as replay will.
    case nothingBound
    /// A `compare` or `tune` stopped after running its first `ran` of `of` candidates in order
    /// (folds are not kept on their own: a candidate stopped mid-way is dropped whole); `finished`
    /// names the candidates of the partial leaderboard it bound, as the leaderboard shows them.
    case candidates(ran: Int, of: Int, finished: String)

    /// The most candidates a marker may name: beyond any grid, small enough to refuse a crafted number.
    public static let maximumCandidates = 1_000_000

    /// The marker's text after `@interrupted `.
    public var marker: String {
        switch self {
        case .nothingBound: "nothing bound"
        case .candidates(let ran, let of, let finished): "after \(ran) of \(of) candidates; finished: \(finished)"
        }
    }

    /// Reads a marker's text (after `@interrupted `); nil when it is not one this version writes.
    public init?(marker: String) {
        if marker == "nothing bound" {
            self = .nothingBound
            return
        }
        guard marker.hasPrefix("after ") else { return nil }
        let rest = marker.dropFirst("after ".count)
        guard let separator = rest.range(of: " candidates; finished: ") else { return nil }
        let counts = rest[..<separator.lowerBound].split(separator: " ", omittingEmptySubsequences: false)
        let finished = String(rest[separator.upperBound...])
        // At most 7 digits each, so a crafted number is refused before it is converted.
        guard counts.count == 3, counts[1] == "of", counts[0].count <= 7, counts[2].count <= 7,
            counts[0].allSatisfy(\.isASCII), counts[2].allSatisfy(\.isASCII),
            let ran = Int(counts[0]), let total = Int(counts[2]),
            ran >= 0, ran <= total, total <= Self.maximumCandidates, !finished.isEmpty
        else { return nil }
        self = .candidates(ran: ran, of: total, finished: finished)
    }

    /// For a replayed `compare` or `tune`: how many candidates run before it stops as it did.
    public var candidateLimit: Int? {
        if case .candidates(let ran, _, _) = self { ran } else { nil }
    }

    /// Why a cell that bound nothing is not run again, in one line: `actor` is "replay" or "open".
    public static func notReproduced(cell: Int, command: String, by actor: String) -> String {
        "cell [\(cell)] was interrupted while \(activity(of: command)); nothing was bound, so \(actor) skips it"
    }

    /// What a command was doing, for messages: "training", "loading", or "running VERB".
    static func activity(of command: String) -> String {
        guard let verb = (try? CommandTable.parse(command))?.verb else { return "running it" }
        let activities = [
            "load": "loading", "train": "training", "evaluate": "evaluating", "predict": "predicting",
            "compare": "comparing",
            "tune": "tuning", "validate": "validating", "explain": "explaining", "drift": "checking drift",
            "export": "exporting",
            "import": "importing", "report": "writing the report", "open": "opening", "replay": "replaying",
            "rerun": "running it again",
            "describe": "describing", "plot": "plotting", "split": "splitting", "card": "writing the card",
        ]
        return activities[verb] ?? "running \(verb)"
    }
}
