/// The preprocessing graph's result: the encoded matrix `[N, width]` (double) and where each of
/// the pipeline's encoded columns (`Preprocessor.outputNames`) sits in it.
///
/// The graph builds its columns in blocks (every number and text level, then the missing-value
/// indicators) so that each step is one node over the block instead of one per column; the model
/// heads read the columns in that order by permuting their parameters, which costs nothing at run
/// time, instead of a `Gather` back into `outputNames` order.
///
/// A head that is linear in its inputs (`Gemm`, `MatMul`) may also take *alias* columns: a text
/// column's "missing" flag stands for its most frequent level's column (imputation), and the
/// head gives it that column's weights — a row has a 1 in exactly one of the two, so the products
/// are Workbench's, without replacing strings in the graph.
struct EncodedFeatures {
    /// The value holding the matrix.
    let value: String
    /// `column[i]` is the graph column of encoded column `i` of the pipeline.
    let column: [Int]
    /// Further graph columns, each standing for an encoded column of the pipeline.
    let aliases: [(graph: Int, of: Int)]
    /// Per graph column, a divisor the graph left to a head linear in its inputs (a number's
    /// standard deviation, when the head folds scaling): its weights for the column are divided
    /// by it, `(w / s) · c` instead of `w · (c / s)` — one `Div` node fewer, the same product up
    /// to the last bit. 1 for every other column.
    var divisors: [Double] = []

    /// Columns of the graph's matrix.
    var width: Int { column.count + aliases.count }

    /// `values`, a row-major `[rows, column.count]` matrix whose columns follow the pipeline's
    /// order, as `[rows, width]` with its columns in the graph's order (an alias column a copy).
    func graphColumns(of values: [Double], rows: Int) -> [Double] {
        let n = column.count
        var moved = [Double](repeating: 0, count: rows * width)
        for r in 0..<rows {
            for (i, j) in column.enumerated() { moved[r * width + j] = values[r * n + i] }
            for alias in aliases { moved[r * width + alias.graph] = values[r * n + alias.of] }
        }
        return moved
    }

    /// `graphColumns` of a weight matrix (`[rows, column.count]`, one row per output), each
    /// column's weights divided by its `divisors` entry.
    func graphWeightColumns(of values: [Double], rows: Int) -> [Double] {
        var moved = graphColumns(of: values, rows: rows)
        for (j, divisor) in divisors.enumerated() where divisor != 1 {
            for r in 0..<rows { moved[r * width + j] /= divisor }
        }
        return moved
    }

    /// `graphRows` of a weight matrix (`[column.count, columns]`, one row per input), each row's
    /// weights divided by its `divisors` entry.
    func graphWeightRows(of values: ArraySlice<Double>, columns: Int) -> [Double] {
        var moved = graphRows(of: values, columns: columns)
        for (j, divisor) in divisors.enumerated() where divisor != 1 {
            for c in 0..<columns { moved[j * columns + c] /= divisor }
        }
        return moved
    }

    /// `values`, a row-major `[column.count, columns]` matrix whose rows follow the pipeline's
    /// order, as `[width, columns]` with its rows in the graph's order (an alias row a copy).
    func graphRows(of values: ArraySlice<Double>, columns: Int) -> [Double] {
        var moved = [Double](repeating: 0, count: width * columns)
        let start = values.startIndex
        for (i, j) in column.enumerated() {
            for c in 0..<columns { moved[j * columns + c] = values[start + i * columns + c] }
        }
        for alias in aliases {
            for c in 0..<columns { moved[alias.graph * columns + c] = values[start + alias.of * columns + c] }
        }
        return moved
    }
}
