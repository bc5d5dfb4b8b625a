package import PropertyBased
package import Testing

/// Runs `body` on `count` values from `generator`, drawn from a fixed seed so every run checks the
/// same inputs (PropertyBased's own `propertyCheck` draws a new seed each run). A failure names the
/// trial and seed; the value is in the expectation's message.
package func forAll<Value>(
    _ generator: Generator<Value, some Sequence>, count: Int, seed: UInt64,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (Value, Int) throws -> Void
) throws {
    var random = Xoshiro(seed: (seed, 0x9E37_79B9_7F4A_7C15, seed &* 31, 0xD1B5_4A32_D192_ED03))
    for trial in 0..<count {
        let value = generator.run(using: &random)
        do {
            try body(value, trial)
        } catch {
            Issue.record("trial \(trial) of seed \(seed): \(error)\ninput: \(value)", sourceLocation: sourceLocation)
            throw error
        }
    }
}

/// One of `values`, uniformly (PropertyBased's `Gen.element(of:)` yields optionals).
package func choice<T: Sendable>(_ values: [T]) -> Generator<T, Shrink.Integer<Int>> {
    Gen.int(in: 0...(values.count - 1)).map { values[$0] }
}
