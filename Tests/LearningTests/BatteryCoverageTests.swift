import Testing
@testable import Learning

/// The conformance batteries cannot fall behind the registry: every registered algorithm has its
/// fast settings in `ConformanceTests` (whose arguments are `AlgorithmRegistry.names`), those
/// settings name declared parameters, and the tree family's extra battery names only registered
/// algorithms.
@Suite("Conformance batteries cover the registry")
struct BatteryCoverageTests {
    @Test func everyRegisteredAlgorithmHasFastSettingsInTheBattery() {
        let registered = Set(AlgorithmRegistry.names)
        let listed = Set(ConformanceTests.fastParameters.keys)
        let missing = registered.subtracting(listed).sorted()
        let unknown = listed.subtracting(registered).sorted()
        #expect(
            missing.isEmpty,
            "registered but without an entry in ConformanceTests.fastParameters: \(missing.joined(separator: ", ")) (add NAME: [:] if its defaults are quick)"
        )
        #expect(
            unknown.isEmpty, "in ConformanceTests.fastParameters but not registered: \(unknown.joined(separator: ", "))"
        )
        #expect(ConformanceTests.algorithms == AlgorithmRegistry.names)
    }

    @Test(arguments: AlgorithmRegistry.names)
    func fastSettingsNameDeclaredParametersAndValidate(name: String) throws {
        let type = try #require(AlgorithmRegistry.named(name))
        let given = ConformanceTests.fastParameters[name] ?? [:]
        let declared = Set(type.parameterSpecs.map(\.name))
        let undeclared = given.keys.filter { !declared.contains($0) }.sorted()
        #expect(undeclared.isEmpty, "\(name): fast settings name undeclared parameters \(undeclared)")
        _ = try type.make(given)
    }

    @Test func theTreeBatteryNamesRegisteredAlgorithms() {
        let unregistered = TreeConformanceTests.names.filter { AlgorithmRegistry.named($0) == nil }
        #expect(unregistered.isEmpty, "TreeConformanceTests.names has unregistered algorithms: \(unregistered)")
    }

    @Test func namesAreUnique() {
        #expect(Set(AlgorithmRegistry.names).count == AlgorithmRegistry.names.count)
    }
}
