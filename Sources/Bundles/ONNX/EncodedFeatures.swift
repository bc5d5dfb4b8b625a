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
