import ColumnExpressions
import Foundation
import TestSupport
import Learning
import Tabular
@testable import Bundles

/// Shared fixtures: dataset paths, training shortcuts and graph inspection helpers.
enum Fixtures {
    /// The path of `DATASET.csv` in the repository's `examples/`.
    static func path(_ dataset: String) -> String {
        examplePath("\(dataset).csv")
    }

    static func frame(_ dataset: String) throws -> DataFrame {
        try CSVReader.read(path: path(dataset))
    }

    /// Trains `algorithm` on `features` (every column but `target` when nil) of `frame`,
    /// single-threaded and seeded.
    static func train(
        _ algorithm: String, _ frame: DataFrame, target: String,
        parameters: [String: ParameterValue] = [:], missingIndicators: Bool = false, features: [String]? = nil,
        derivations: [Derivation] = []
    ) throws -> PipelineModel {
        guard let type = AlgorithmRegistry.named(algorithm) else {
            throw PipelineError.unknownAlgorithm(algorithm, known: AlgorithmRegistry.names)
        }
        let features = features ?? frame.columnNames.filter { $0 != target }
        return try PipelineModel.train(
            algorithm: type, parameters: parameters, frame: frame, target: target,
            features: features, missingIndicators: missingIndicators, derivations: derivations,
            context: FitContext(seed: 7, threads: 1))
    }

    /// Small ensembles so debug-build tests stay quick.
    static func quickParameters(_ algorithm: String) -> [String: ParameterValue] {
        switch algorithm {
        case "forest": ["n_estimators": .int(8)]
        case "boost": ["max_iter": .int(12)]
        case "mlp": ["max_iter": .int(30), "hidden": .int(16), "hidden2": .int(8)]
        default: [:]
        }
    }
}

extension Onnx_ModelProto {
    /// Operator types used by the graph, by domain-qualified name (`ai.onnx.ml:TreeEnsemble`).
    var operatorNames: Set<String> {
        Set(graph.node.map { $0.domain.isEmpty ? $0.opType : "\($0.domain):\($0.opType)" })
    }

    /// The opset imported per domain.
    var opsets: [String: Int64] {
        Dictionary(opsetImport.map { ($0.domain, $0.version) }, uniquingKeysWith: max)
    }

    /// Values read before anything defines them (empty for a well-formed graph in node order).
    var undefinedValues: [String] {
        var defined = Set(graph.input.map(\.name)).union(graph.initializer.map(\.name))
        var undefined: [String] = []
        for node in graph.node {
            undefined += node.input.filter { !$0.isEmpty && !defined.contains($0) }
            defined.formUnion(node.output)
        }
        undefined += graph.output.map(\.name).filter { !defined.contains($0) }
        return undefined
    }
}
