/// Solves symmetric positive semi-definite systems, as the normal equations of least squares are.
enum SymmetricSolver {
    /// Solves G·w = h by Cholesky factorisation. A column whose pivot shrinks below 1e-10 of its
    /// diagonal is (numerically) a combination of earlier columns, or constant: it is dropped and
    /// its weight is 0, which still gives a least-squares solution for collinear inputs.
    /// - Complexity: O(size³).
    static func solveDroppingDependentColumns(gram: [Double], size d: Int, rightHandSide h: [Double]) -> [Double] {
        var lower = [Double](repeating: 0, count: d * d)
        var kept = [Bool](repeating: false, count: d)
        for j in 0..<d {
            var pivot = gram[j * d + j]
            for k in 0..<j where kept[k] { pivot -= lower[j * d + k] * lower[j * d + k] }
            guard gram[j * d + j] > 0, pivot > 1e-10 * gram[j * d + j] else { continue }
            kept[j] = true
            let root = pivot.squareRoot()
            lower[j * d + j] = root
            for i in (j + 1)..<max(j + 1, d) {
                var sum = gram[i * d + j]
                for k in 0..<j where kept[k] { sum -= lower[i * d + k] * lower[j * d + k] }
                lower[i * d + j] = sum / root
            }
        }
        // Forward substitution L·z = h, then back substitution Lᵀ·w = z, over kept columns.
        var z = [Double](repeating: 0, count: d)
        for i in 0..<d where kept[i] {
            var sum = h[i]
            for k in 0..<i where kept[k] { sum -= lower[i * d + k] * z[k] }
            z[i] = sum / lower[i * d + i]
        }
        var w = [Double](repeating: 0, count: d)
        for i in stride(from: d - 1, through: 0, by: -1) where kept[i] {
            var sum = z[i]
            for k in (i + 1)..<max(i + 1, d) where kept[k] { sum -= lower[k * d + i] * w[k] }
            w[i] = sum / lower[i * d + i]
        }
        return w
    }
}
