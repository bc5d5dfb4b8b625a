import Bundles
import Foundation
import Learning

/// One model as a server answers with it: its bundle, scorer, request parsing, `/v2` view, public
/// manifest and OpenAPI document, and its drift monitor (against its own training reference).
/// A server with a challenger (`--shadow`) holds two and swaps them on promotion; a request reads
/// the roles once, so it finishes on the model it started with.
final class ServedModel: Sendable {
    let bundle: LoadedBundle
    let scorer: ModelScorer
    let rows: RequestRows
    let openInference: OpenInferenceModel
    let monitor: LiveMonitor
    let manifestJSON: String
    let openAPI: String
    let sensitive: Set<String>
    /// The inputs' names, in the order a request's rows are parsed (and logged) in.
    let featureNames: [String]

    /// - Parameter servedName: the name the server answers under (`/v2/models/NAME`): the
    ///   champion's at start, kept across promotions so clients' routes never change.
    /// - Parameter perModelRoutes: one of several models on the server (its routes are under
    ///   `/v1/models/NAME/`, which its OpenAPI document says).
    init(
        bundle: LoadedBundle, servedName: String, redact: [String], maximumRows: Int, monitorOptions: MonitorOptions,
        perModelRoutes: Bool = false
    ) throws {
        self.bundle = bundle
        let pipeline = bundle.pipeline
        let features = pipeline.inputs
        let sensitive = Set(bundle.manifest.inputs.filter(\.sensitive).map(\.name)).union(redact)
        self.sensitive = sensitive
        featureNames = features.map(\.name)
        scorer = ModelScorer(pipeline: pipeline, modelID: bundle.manifest.modelID, sensitive: sensitive)
        rows = RequestRows(features: features, maximumRows: max(maximumRows, 1))
        openInference = OpenInferenceModel(
            name: servedName, modelID: bundle.manifest.modelID, pipeline: pipeline, maximumRows: max(maximumRows, 1))
        let reference = try BundleReference.decode(bundle.reference)
        monitor = LiveMonitor(
            model: bundle.manifest.modelID, reference: reference, features: features, classes: pipeline.target.classes,
            options: monitorOptions)
        manifestJSON = ModelService.publicManifest(bundle, hiding: sensitive)
        // Generated here rather than read from the bundle, so it describes this server (415, the
        // row limit) and leaves out what `--redact` hides, whatever version exported the bundle.
        openAPI = OpenAPIDocument.yaml(
            for: pipeline, name: servedName, redacted: sensitive, maximumRows: max(maximumRows, 1),
            perModelRoutes: perModelRoutes)
    }

    var modelID: String { bundle.manifest.modelID }
}

/// Which model answers and which is scored in its shadow, read together in one step.
struct ModelRoles: Sendable {
    var champion: ServedModel
    var challenger: ServedModel?
    /// For each of the challenger's inputs, its index among the champion's (requests are parsed
    /// in the champion's order).
    var challengerInputs: [Int] = []

    init(champion: ServedModel, challenger: ServedModel?) {
        self.champion = champion
        self.challenger = challenger
        if let challenger {
            let names = champion.bundle.pipeline.inputs.map(\.name)
            challengerInputs = challenger.bundle.pipeline.inputs.map { input in names.firstIndex(of: input.name) ?? 0 }
        }
    }

    /// The roles after a promotion: the challenger answers, the champion is scored in its shadow.
    var swapped: ModelRoles? {
        guard let challenger else { return nil }
        return ModelRoles(champion: challenger, challenger: champion)
    }

    /// Why `challenger` cannot be compared with `champion` on the same requests, or nil when it can:
    /// the same task, the same inputs (names and kinds; any order), and for classification the same
    /// classes (any order). Requests are validated against the champion's inputs and outcomes
    /// against its classes, so after a promotion the challenger must accept exactly the same.
    static func incompatibility(champion: LoadedBundle, challenger: LoadedBundle) -> String? {
        let a = champion.pipeline, b = challenger.pipeline
        let (one, other) = (champion.manifest.name, challenger.manifest.name)
        guard a.task == b.task else {
            return
                "the challenger '\(other)' is a \(b.task.rawValue) model, the champion '\(one)' a \(a.task.rawValue) one: they cannot answer the same requests"
        }
        let inputsA = Dictionary(a.inputs.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
        let inputsB = Dictionary(b.inputs.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
        let onlyA = a.inputs.map(\.name).filter { inputsB[$0] == nil }
        let onlyB = b.inputs.map(\.name).filter { inputsA[$0] == nil }
        if !onlyA.isEmpty || !onlyB.isEmpty {
            var parts: [String] = []
            if !onlyB.isEmpty { parts.append("the challenger also takes \(onlyB.joined(separator: ", "))") }
            if !onlyA.isEmpty { parts.append("the champion also takes \(onlyA.joined(separator: ", "))") }
            return "the challenger '\(other)' and the champion '\(one)' take different inputs: "
                + parts.joined(separator: "; ")
        }
        for input in a.inputs where inputsB[input.name] != input.kind {
            return
                "input '\(input.name)' is \(input.kind) for the champion '\(one)' but \(inputsB[input.name].map { "\($0)" } ?? "absent") for the challenger '\(other)'"
        }
        if a.task == .classification, Set(a.target.classes) != Set(b.target.classes) {
            return
                "the challenger '\(other)' predicts the classes \(b.target.classes.joined(separator: ", ")), the champion '\(one)' \(a.target.classes.joined(separator: ", ")): outcomes could not be checked against both"
        }
        return nil
    }
}
