/// One file carried inside the binary: a name (as in its source folder) and its text.
public struct BuiltinFile: Sendable {
    public let name: String
    public let text: String
}

/// The example data and lessons compiled into `workbench` (generated from `examples/` and
/// `tutorials/` by `Scripts/embed-resources.py`), so an installed binary needs no checkout.
public enum BuiltinFiles {
    /// The example data file with this name (`penguins.csv`), if there is one.
    public static func example(named name: String) -> BuiltinFile? {
        examples.first { $0.name == name }
    }
}
