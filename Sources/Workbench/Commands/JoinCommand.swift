import CommandLanguage
import Tabular
import Foundation

extension CommandTable {
    /// `join A B on KEY [how=inner|left] [suffix=…]`.
    static let join = CommandSpec(
        "join", topic: "data",
        summary: "join two datasets on one or more key columns",
        discussion: """
            Rows of A and B whose keys are equal are put side by side (a missing key never matches): \
            how=inner keeps only rows with a match, how=left keeps every row of A, with missing values \
            where B has none. Each row of A appears once per matching row of B; a join whose size \
            would exceed the memory budget is refused with the estimate. B's columns that A also has \
            get the suffix. Derived columns of A stay derived; B's become plain values. Without a \
            name the result is A_joined.
            """,
        positionals: [
            PositionalSpec(.a, .dataset), PositionalSpec(.b, .dataset),
            PositionalSpec(.keys, keyword: "on", .columns),
        ],
        options: [
            JoinOption.how.spec,
            OptionSpec(
                "suffix", .text, default: JoinOption.suffix, help: "added to B's column names that A already has"),
        ],
        maxResults: 1,
        provenance: .derivation,
        examples: ["join penguins islands on island how=left", "join orders customers on customer_id, country"],
        run: runJoin)

    private static func runJoin(_ context: inout CommandContext) throws {
        let (leftName, left) = try context.dataset(.a)
        let (rightName, right) = try context.dataset(.b)
        let keys = try context.columns(.keys, in: left.frame)
        _ = try context.columns(.keys, in: right.frame)
        let kind = context.invocation[JoinOption.how]
        let suffix = context.invocation.word("suffix") ?? JoinOption.suffix
        guard !suffix.isEmpty else {
            throw LanguageError.semantic(
                "the suffix cannot be empty", at: context.invocation.range(of: "suffix"), hint: "for example suffix=_b")
        }
        let estimate = try left.frame.joinedRowCount(with: right.frame, on: keys, kind: kind)
        let width = left.frame.columnCount + right.frame.columnCount - keys.count
        try MemoryBudget.checkMatrix(
            rows: estimate, columns: width, copies: 1, what: "joining \(leftName) and \(rightName) (\(estimate) rows)",
            hint:
                "the keys repeat on both sides; join on more key columns, or dedupe \(rightName) on \(keys.joined(separator: ", ")) first"
        )
        let (frame, summary) = try left.frame.joined(with: right.frame, on: keys, kind: kind, suffix: suffix)
        let result = context.targets.first ?? leftName.replacingOccurrences(of: ".", with: "_") + "_joined"
        context.bindReshaped(result, frame: frame, source: "join of \(leftName) and \(rightName)", parent: left)
        context.print(
            "\(result): \(rowsText(frame.rowCount)) × \(frame.columnCount) columns (\(kind.rawValue) join on \(keys.joined(separator: ", ")))"
        )
        context.print(
            "\(summary.leftMatched) of \(rowsText(left.frame.rowCount)) of \(leftName) matched; "
                + "\(summary.leftUnmatched) did not\(summary.leftUnmatched == 0 ? "" : kind == .left ? " (kept, with missing values)" : " (dropped)"); "
                + "\(summary.rightUnmatched) of \(rowsText(right.frame.rowCount)) of \(rightName) matched nothing")
        if frame.rowCount > summary.leftMatched + (kind == .left ? summary.leftUnmatched : 0) {
            context.print("note: some keys repeat in \(rightName), so rows of \(leftName) appear once per match")
        }
        if !summary.renamed.isEmpty {
            context.print(
                "renamed from \(rightName): " + summary.renamed.map { "\($0.from) → \($0.to)" }.joined(separator: ", "))
        }
    }
}

private enum JoinOption {
    static let how: Option<DataFrame.JoinKind> = .choice(
        "how", default: .inner, help: "inner: only rows with a match; left: every row of A")
    static let suffix = "_right"
}
