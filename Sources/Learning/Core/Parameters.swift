public import Diagnostics
/// A hyperparameter value as the user wrote it, after type checking.
public enum ParameterValue: Sendable, Codable, Hashable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)

    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .string(let v): v
        }
    }
}

/// The declaration of one hyperparameter: drives validation, `help train`, completion and docs.
public struct ParameterSpec: Sendable {
    public enum Kind: Sendable {
        case int(ClosedRange<Int>)
        case double(ClosedRange<Double>)
        case choice([String])
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: ParameterValue
    public let help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: ParameterValue, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// Errors a learner raises for its inputs; rendered by the caller.
public enum LearningError: Error, Sendable, Equatable {
    case unknownParameter(algorithm: String, name: String, known: [String])
    case invalidParameter(algorithm: String, name: String, value: String, expected: String)
    case unsupportedTask(algorithm: String, task: Task)
    case emptyTrainingSet
    case featureCountMismatch(expected: Int, found: Int)
    case missingValues(algorithm: String)
    case cancelled
    case notConverged(algorithm: String, detail: String)
}

/// Resolved hyperparameters: user values over declared defaults, each checked against its spec.
public struct Parameters: Sendable, Codable, Hashable {
    public private(set) var values: [String: ParameterValue]

    /// Checks `given` against `specs` and fills in defaults.
    public init(algorithm: String, specs: [ParameterSpec], given: [String: ParameterValue]) throws {
        var resolved: [String: ParameterValue] = [:]
        for spec in specs { resolved[spec.name] = spec.defaultValue }
        for (name, value) in given {
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw LearningError.unknownParameter(algorithm: algorithm, name: name, known: specs.map(\.name))
            }
            resolved[name] = try Parameters.check(algorithm: algorithm, spec: spec, value: value)
        }
        values = resolved
    }

    /// Every setting of `hyperparameters` by name.
    public init(_ hyperparameters: some HyperparameterSet) { values = hyperparameters.values }

    private static func check(algorithm: String, spec: ParameterSpec, value: ParameterValue) throws -> ParameterValue {
        func bad(_ expected: String) -> LearningError {
            .invalidParameter(algorithm: algorithm, name: spec.name, value: value.description, expected: expected)
        }
        switch spec.kind {
        case .int(let range):
            let expected =
                range.upperBound >= 1_000_000_000
                ? "a whole number ≥ \(range.lowerBound)"
                : "a whole number from \(range.lowerBound) to \(range.upperBound)"
            switch value {
            case .int(let v) where range.contains(v): return .int(v)
            case .double(let d) where d.rounded() == d && range.contains(Int(exactly: d) ?? Int.min):
                return .int(Int(d))
            default: throw bad(expected)
            }
        case .double(let range):
            let expected = "a number from \(shortNumber(range.lowerBound)) to \(shortNumber(range.upperBound))"
            switch value {
            case .double(let v) where range.contains(v): return .double(v)
            case .int(let v) where range.contains(Double(v)): return .double(Double(v))
            default: throw bad(expected)
            }
        case .choice(let options):
            if case .string(let s) = value, options.contains(s) { return .string(s) }
            throw bad("one of " + options.joined(separator: ", "))
        }
    }
}

/// A bound as people write it: `1e-12`, `1e+12`, `0.5`, `100`.
func shortNumber(_ x: Double) -> String {
    if x.rounded() == x && abs(x) < 1e6 { return String(Int(x)) }
    if abs(x) >= 1e6 || (abs(x) < 1e-3 && x != 0) {
        var e = 0
        var m = abs(x)
        while m >= 10 {
            m /= 10
            e += 1
        }
        while m < 1 {
            m *= 10
            e -= 1
        }
        var mantissa = (m * 1000).rounded() / 1000
        if mantissa >= 10 {
            mantissa /= 10
            e += 1
        }
        let mText = mantissa.rounded() == mantissa ? String(Int(mantissa)) : String(mantissa)
        return (x < 0 ? "-" : "") + mText + "e" + (e < 0 ? "-" : "+") + String(abs(e))
    }
    return String(x)
}

extension LearningError: UserFacingError {
    public var diagnostic: Diagnostic {
        switch self {
        case .unknownParameter(let algorithm, let name, let known):
            Diagnostic(
                "\(algorithm) has no hyperparameter '\(name)'",
                remedy: "its hyperparameters: \(known.joined(separator: ", "))")
        case .invalidParameter(let algorithm, let name, let value, let expected):
            "\(algorithm): \(name)=\(value) is not allowed; it must be \(expected)"
        case .unsupportedTask(let algorithm, let task):
            "\(algorithm) does not do \(task.rawValue)"
        case .emptyTrainingSet:
            "there are no training rows"
        case .featureCountMismatch(let expected, let found):
            "internal error: the model expects \(expected) inputs, got \(found)"
        case .missingValues(let algorithm):
            "internal error: \(algorithm) was given missing values"
        case .cancelled:
            "cancelled"
        case .notConverged(let algorithm, let detail):
            "\(algorithm) did not converge: \(detail)"
        }
    }
}
