/// The preprocessing graph's result: the encoded matrix `[N, width]` (double) and where each of
/// the pipeline's encoded columns (`Preprocessor.outputNames`) sits in it.
///
/// The graph builds its columns in blocks (every number, then the missing-value indicators, then
/// every text level) so that each step is one node over the block instead of one per column;
/// the model heads read the columns in that order by permuting their parameters, which costs
/// nothing at run time, instead of a `Gather` back into `outputNames` order.
struct EncodedFeatures {
    /// The value holding the matrix.
    let value: String
    /// `column[i]` is the graph column of encoded column `i` of the pipeline; a permutation of `0..<width`.
    let column: [Int]

    var width: Int { column.count }

    /// `values`, a row-major `[rows, width]` matrix whose columns follow the pipeline's order, with
    /// its columns moved to the graph's order.
    func graphColumns(of values: [Double], rows: Int) -> [Double] {
        var moved = [Double](repeating: 0, count: values.count)
        for r in 0..<rows {
            for (i, j) in column.enumerated() { moved[r * width + j] = values[r * width + i] }
        }
        return moved
    }

    /// `values`, a row-major `[width, columns]` matrix whose rows follow the pipeline's order, with
    /// its rows moved to the graph's order.
    func graphRows(of values: ArraySlice<Double>, columns: Int) -> [Double] {
        var moved = [Double](repeating: 0, count: values.count)
        let start = values.startIndex
        for (i, j) in column.enumerated() {
            for c in 0..<columns { moved[j * columns + c] = values[start + i * columns + c] }
        }
        return moved
    }
}
