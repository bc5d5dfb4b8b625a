import ColumnExpressions
import CommandLanguage
import Foundation
import Tabular

extension CommandContext {
    /// The column expression (or definitions) a command took as the rest of its line, and the
    /// offset of its first character in the line, to put carets under its parts.
    func expressionText(_ placeholder: Placeholder) throws -> (text: String, offset: Int) {
        guard case .expressionText(let text, let range)? = invocation.positionals[placeholder] else {
            throw LanguageError.missingArgument(
                placeholder.label, command: invocation.signature.name, usage: invocation.signature.usage,
                at: invocation.statement.verbRange)
        }
        guard !text.isEmpty else {
            throw LanguageError.missingArgument(
                placeholder.label, command: invocation.signature.name, usage: invocation.signature.usage, at: range)
        }
        return (text, range.start)
    }

    /// Runs `body`, turning an expression's error into the language's, its span moved onto the line.
    func reading<T>(expressionAt offset: Int, _ body: () throws(ExpressionError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw LanguageError.semantic(
                error.message, at: SourceRange(offset + error.span.start, offset + error.span.end), hint: error.hint)
        }
    }

    /// "note: division by zero in 3 rows (missing there)" lines, one per reason, in a fixed order.
    mutating func printNotes(_ notes: [String: Int]) {
        for (reason, count) in notes.sorted(by: { $0.key < $1.key }) where count > 0 {
            print("note: \(reason) in \(count) row\(count == 1 ? "" : "s"): missing there")
        }
    }

    /// Binds a dataset made from `parent` by a reshaping command: its fingerprint is the table's,
    /// and it keeps the parent's derivations whose columns are all still there.
    mutating func bindReshaped(
        _ name: String, frame: DataFrame, source: String, parent: Dataset, derivations: [Derivation]? = nil
    ) {
        var dataset = Dataset(frame: frame, source: source)
        dataset.derivations = (derivations ?? parent.derivations).computable(in: frame)
        bind(name, .dataset(dataset))
    }
}

extension Array where Element == Derivation {
    /// The derivations whose column is in `frame` and whose inputs are in it too (or derived
    /// by an earlier one kept): the others' columns stay as plain values.
    func computable(in frame: DataFrame) -> [Derivation] {
        let available = Set(frame.columnNames)
        return filter { d in available.contains(d.name) && d.inputs.allSatisfy(available.contains) }
    }
}

/// How a count of rows reads: "1 row", "12 rows".
func rowsText(_ n: Int) -> String { "\(n) row\(n == 1 ? "" : "s")" }
