/// A `key=value` option read as a typed value: its declaration holds the default, which is both
/// what the handler gets when the option is left out and what `help` shows — one fact, written
/// once. Handlers read it with `invocation[option]`; a signature lists it as `option.spec`.
public struct Option<Value: Sendable>: Sendable {
    public let spec: OptionSpec
    /// What the handler reads when the option is not given.
    public let defaultValue: Value
    /// The value of an expression `Invocation` has already checked against `spec.kind`.
    let decode: @Sendable (Expression) -> Value?

    public var name: String { spec.name }

    /// The same option with help worded for one command (`overwrite=` replaces a bundle in one, a
    /// table in another); reads through either are the same.
    public func help(_ text: String) -> Self {
        Option(
            spec: OptionSpec(spec.name, spec.kind, default: spec.defaultText, help: text), defaultValue: defaultValue,
            decode: decode)
    }
}

extension Option where Value == Int {
    /// A whole number within `range`.
    public static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int, help: String) -> Self {
        Option(
            spec: OptionSpec(name, .integer(range), default: String(value), help: help), defaultValue: value,
            decode: { expression in
                if case .number(let v, _, _) = expression { Int(exactly: v) } else { nil }
            })
    }
}

extension Option where Value == Double {
    /// A number within `range` (percent allowed).
    public static func number(_ name: String, _ range: ClosedRange<Double>, default value: Double, help: String)
        -> Self
    {
        Option(
            spec: OptionSpec(name, .number(range), default: shortText(value), help: help), defaultValue: value,
            decode: number)
    }

    /// A fraction strictly between 0 and 1 (`0.2` or `20%`).
    public static func fraction(_ name: String, default value: Double, help: String) -> Self {
        Option(
            spec: OptionSpec(name, .fraction, default: shortText(value), help: help), defaultValue: value,
            decode: number)
    }

    private static func number(_ expression: Expression) -> Double? {
        if case .number(let v, _, _) = expression { v } else { nil }
    }

    private static func shortText(_ x: Double) -> String {
        x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

extension Option where Value == Bool {
    /// yes/no (also true/false), shown as yes or no.
    public static func flag(_ name: String, default value: Bool, help: String) -> Self {
        Option(
            spec: OptionSpec(name, .flag, default: value ? "yes" : "no", help: help), defaultValue: value,
            decode: { expression in
                switch expression {
                case .name(let parts, _) where parts.count == 1: ["yes", "true"].contains(parts[0].lowercased())
                case .string(let s, _): ["yes", "true"].contains(s.lowercased())
                default: nil
                }
            })
    }
}

extension Option where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of `options` (by default every case, in declaration order), written as its raw value.
    public static func choice(
        _ name: String, default value: Value, options: [Value] = Array(Value.allCases), help: String
    ) -> Self {
        Option(
            spec: OptionSpec(name, .choice(options.map(\.rawValue)), default: value.rawValue, help: help),
            defaultValue: value,
            decode: { expression in
                switch expression {
                case .name(let parts, _) where parts.count == 1: Value(rawValue: parts[0])
                case .string(let s, _): Value(rawValue: s)
                default: nil
                }
            })
    }
}

extension Option where Value == Int? {
    /// A whole number within `range` that has no default: nil when left out.
    public static func integer(_ name: String, _ range: ClosedRange<Int>, help: String) -> Self {
        let typed = Option<Int>.integer(name, range, default: 0, help: help)
        return Option(spec: OptionSpec(name, typed.spec.kind, help: help), defaultValue: nil, decode: typed.decode)
    }
}

extension Option where Value == Double? {
    /// A number within `range` that has no default: nil when left out.
    public static func number(_ name: String, _ range: ClosedRange<Double>, help: String) -> Self {
        let typed = Option<Double>.number(name, range, default: 0, help: help)
        return Option(spec: OptionSpec(name, typed.spec.kind, help: help), defaultValue: nil, decode: typed.decode)
    }

    /// A fraction strictly between 0 and 1 that has no default: nil when left out.
    public static func fraction(_ name: String, help: String) -> Self {
        let typed = Option<Double>.fraction(name, default: 0.5, help: help)
        return Option(spec: OptionSpec(name, typed.spec.kind, help: help), defaultValue: nil, decode: typed.decode)
    }
}
