/// A family's hyperparameters as a struct: each setting a stored property whose initial value is
/// its default, and `fields` naming each one for the REPL (name, range or choices, help) through a
/// key path — so the default is written once, and code reads `hyperparameters.maxDepth`, which
/// cannot be misspelt, instead of looking a string up in `Parameters`.
public protocol HyperparameterSet: Sendable, Equatable {
    /// Every setting at its default.
    init()
    /// The settings users can give, in the order `help algorithms` lists them.
    static var fields: [Hyperparameter<Self>] { get }
}

/// One setting of a `HyperparameterSet`: its declaration (`spec`, whose default is read from the
/// set's `init()`) and how a checked `ParameterValue` goes in and comes out of the property.
public struct Hyperparameter<Owner: HyperparameterSet>: Sendable {
    public let spec: ParameterSpec
    let read: @Sendable (Owner) -> ParameterValue
    let write: @Sendable (inout Owner, ParameterValue) -> Void

    /// A whole number within `range`.
    public static func int(
        _ name: String, _ property: any WritableKeyPath<Owner, Int> & Sendable, _ range: ClosedRange<Int>, help: String
    ) -> Self {
        field(name, .int(range), property, help: help, encode: { .int($0) }) { value in
            switch value {
            case .int(let v): v
            case .double(let d): Int(exactly: d)
            case .string: nil
            }
        }
    }

    /// A number within `range`.
    public static func double(
        _ name: String, _ property: any WritableKeyPath<Owner, Double> & Sendable, _ range: ClosedRange<Double>,
        help: String
    ) -> Self {
        field(name, .double(range), property, help: help, encode: { .double($0) }) { value in
            switch value {
            case .double(let v): v
            case .int(let v): Double(v)
            case .string: nil
            }
        }
    }

    /// One of `options` (by default every case, in declaration order), written as its raw value.
    public static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ property: any WritableKeyPath<Owner, Choice> & Sendable,
        options: [Choice] = Array(Choice.allCases), help: String
    ) -> Self where Choice.RawValue == String {
        field(name, .choice(options.map(\.rawValue)), property, help: help, encode: { .string($0.rawValue) }) {
            if case .string(let s) = $0 { Choice(rawValue: s) } else { nil }
        }
    }

    /// Yes or no, written `true` or `false`.
    public static func flag(_ name: String, _ property: any WritableKeyPath<Owner, Bool> & Sendable, help: String)
        -> Self
    {
        field(name, .choice(["true", "false"]), property, help: help, encode: { .string(String($0)) }) {
            if case .string(let s) = $0 { Bool(s) } else { nil }
        }
    }

    /// A setting stored in `property`: its default is the property's value in `Owner()`, and a
    /// value `decode` cannot take leaves the property as it is.
    private static func field<Value>(
        _ name: String, _ kind: ParameterSpec.Kind, _ property: any WritableKeyPath<Owner, Value> & Sendable,
        help: String, encode: @escaping @Sendable (Value) -> ParameterValue,
        decode: @escaping @Sendable (ParameterValue) -> Value?
    ) -> Self {
        Hyperparameter(
            spec: ParameterSpec(name, kind, default: encode(Owner()[keyPath: property]), help: help),
            read: { encode($0[keyPath: property]) },
            write: { owner, value in
                if let decoded = decode(value) { owner[keyPath: property] = decoded }
            })
    }
}

extension HyperparameterSet {
    /// The declarations, as `help`, completion and `Parameters` read them.
    public static var specs: [ParameterSpec] { fields.map(\.spec) }

    /// The settings `parameters` holds; a setting it lacks (a model stored before the setting
    /// existed) or holds in a form the field cannot take keeps its default.
    public init(_ parameters: Parameters) {
        self.init()
        for field in Self.fields {
            if let value = parameters.values[field.spec.name] { field.write(&self, value) }
        }
    }

    /// Every setting by name, as bundles, run records and `show` keep them.
    public var values: [String: ParameterValue] {
        Dictionary(uniqueKeysWithValues: Self.fields.map { ($0.spec.name, $0.read(self)) })
    }
}
