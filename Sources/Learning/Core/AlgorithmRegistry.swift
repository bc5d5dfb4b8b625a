/// The algorithms Workbench knows, by name. Registering an algorithm is one line here.
public enum AlgorithmRegistry {
    public static let all: [any Algorithm.Type] = [
        // Registered as each family lands.
        Baseline.self,
        Linear.self,
        KNearestNeighbors.self,
        GaussianNaiveBayes.self,
        MultilayerPerceptron.self,
        DecisionTree.self,
        RandomForest.self,
        GradientBoosting.self,
    ]

    public static var names: [String] { all.map { $0.name } }

    public static func named(_ name: String) -> (any Algorithm.Type)? {
        all.first { $0.name == name }
    }

    /// Decodes a model previously encoded as `AnyFittedModel`.
    static func decodeModel(algorithm: String, from container: KeyedDecodingContainer<AnyFittedModel.CodingKeys>) throws
        -> any FittedModel
    {
        guard let type = named(algorithm) else {
            throw DecodingError.dataCorruptedError(
                forKey: .algorithm, in: container, debugDescription: "unknown algorithm '\(algorithm)'")
        }
        return try decode(type, container)
    }

    private static func decode<A: Algorithm>(_: A.Type, _ container: KeyedDecodingContainer<AnyFittedModel.CodingKeys>)
        throws -> any FittedModel
    {
        try container.decode(A.Model.self, forKey: .model)
    }
}

/// A fitted model of any algorithm, encodable with its algorithm name so it reloads exactly.
public struct AnyFittedModel: Sendable, Codable {
    public let model: any FittedModel

    public init(_ model: any FittedModel) { self.model = model }

    enum CodingKeys: String, CodingKey { case algorithm, model }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let algorithm = try container.decode(String.self, forKey: .algorithm)
        model = try AlgorithmRegistry.decodeModel(algorithm: algorithm, from: container)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type(of: model).algorithmName, forKey: .algorithm)
        try model.encode(to: container.superEncoder(forKey: .model))
    }
}
