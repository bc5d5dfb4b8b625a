/// What completion needs to know about a session; a protocol so tests can supply a fake.
public protocol CompletionSource {
    /// Names bound in the session, in binding order.
    var boundNames: [String] { get }
    /// Column names of a bound dataset, nil if the name is not a dataset.
    func columns(of name: String) -> [String]?
    /// Entries of a folder (names only; folders end in "/"), for completing quoted paths.
    func directoryEntries(_ folder: String) -> [String]
    /// Names of the lessons in the session's tutorials folder.
    var lessonNames: [String] { get }
}

extension CompletionSource {
    public var lessonNames: [String] { [] }
}
