import ColumnExpressions
import Tabular

/// A small table every input is checked and evaluated against: numbers with a zero and a missing
/// value, text with a missing value, dates.
nonisolated(unsafe) let table: DataFrame = {
    do {
        return try DataFrame(columns: [
            Column(name: "x", data: .numeric([1, -2.5, 0, .nan, 1e308])),
            Column(name: "y", data: .numeric([0, 3, .nan, 7, -1e-308])),
            Column(name: "s", data: .categorical(codes: [0, 1, -1, 2, 0], levels: ["a", " B ", "ccc"])),
            Column(name: "d", data: .categorical(codes: [0, 1, 2, -1, 0], levels: ["2024-02-29", "1999-12-31", "x"])),
            Column(name: "two words", data: .numeric([1, 2, 3, 4, 5])),
        ])
    } catch {
        preconditionFailure("the fuzz table is malformed: \(error)")
    }
}()

/// Column expressions on arbitrary text: an expression (and `derive`'s definitions, `sort`'s keys,
/// `group`'s summaries) either parses or fails with an error whose span lies within the text;
/// one that type-checks evaluates on the table without trapping, to a column of the table's length.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let source = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let length = source.count
    func checkSpan(_ error: ExpressionError) {
        precondition(
            error.span.start >= 0 && error.span.start <= error.span.end && error.span.end <= length + 1,
            "error span \(error.span.start)..<\(error.span.end) outside \(length) characters")
    }
    let schema = ExpressionSchema(table)
    do throws(ExpressionError) {
        let expression = try ExpressionParser.parse(source)
        _ = try expression.type(in: schema)
        var evaluator = ExpressionEvaluator(frame: table)
        let column = try evaluator.evaluate(expression).column(named: "r", rows: table.rowCount)
        precondition(column.data.count == table.rowCount, "a result of \(column.data.count) rows for \(table.rowCount)")
    } catch {
        checkSpan(error)
    }
    do throws(ExpressionError) {
        let derivations = try ExpressionParser.parseDefinitions(source).map {
            (d: Definition) throws(ExpressionError) -> Derivation in
            try Derivation(
                name: d.name + "_new",
                source: String(Array(source)[d.expression.span.start..<min(d.expression.span.end, length)]))
        }
        _ = try derivations.check(raw: table.columns.map { ($0.name, $0.kind) })
        _ = try derivations.apply(to: table)
    } catch {
        checkSpan(error)
    }
    do throws(ExpressionError) { _ = try ExpressionParser.parseSortKeys(source) } catch { checkSpan(error) }
    do throws(ExpressionError) {
        let aggregations = try Aggregation.parse(source, schema: schema)
        var evaluator = ExpressionEvaluator(frame: table)
        for a in aggregations { _ = try a.values(over: table, ids: [0, 1, 0, 2, 1], groups: 3, evaluator: &evaluator) }
    } catch {
        checkSpan(error)
    }
    return 0
}
