import Foundation
import Testing
@testable import Learning

/// TreeSHAP against brute-force Shapley values on a hand-built tree.
@Suite("TreeSHAP")
struct ExplainTreeSHAPTests {
    /// Three features; feature 0 is split twice on one path (exercises the unwinding step).
    ///
    ///     0: x0 ≤ 0.5 (cover 10)
    ///     ├─ 1: x1 ≤ 1.0 (cover 6)
    ///     │   ├─ 3: leaf 1 (cover 2)
    ///     │   └─ 4: x2 ≤ 0 (cover 4)
    ///     │       ├─ 7: leaf 3 (cover 1)
    ///     │       └─ 8: leaf 5 (cover 3)
    ///     └─ 2: x2 ≤ 2 (cover 4)
    ///         ├─ 5: x0 ≤ 0.8 (cover 3)
    ///         │   ├─ 9: leaf 7 (cover 1)
    ///         │   └─ 10: leaf 9 (cover 2)
    ///         └─ 6: leaf 11 (cover 1)
    static func tinyTree() -> Tree {
        var tree = Tree(valueWidth: 1)
        let covers: [Double] = [10, 6, 4, 2, 4, 3, 1, 1, 3, 1, 2]
        let values: [Double] = [0, 0, 0, 1, 0, 0, 11, 3, 5, 7, 9]
        for i in 0..<11 { tree.addLeaf(values: [values[i]], cover: covers[i]) }
        tree.split(0, feature: 0, threshold: 0.5, missingGoesLeft: true, left: 1, right: 2)
        tree.split(1, feature: 1, threshold: 1.0, missingGoesLeft: false, left: 3, right: 4)
        tree.split(2, feature: 2, threshold: 2, missingGoesLeft: true, left: 5, right: 6)
        tree.split(4, feature: 2, threshold: 0, missingGoesLeft: true, left: 7, right: 8)
        tree.split(5, feature: 0, threshold: 0.8, missingGoesLeft: false, left: 9, right: 10)
        return tree
    }

    /// E[f(x) | x_S] with unknown features averaged over the children by cover (the
    /// path-dependent conditional expectation TreeSHAP explains).
    static func conditional(_ tree: Tree, _ x: [Double], known: Set<Int>, node: Int = 0) -> Double {
        let f = Int(tree.feature[node])
        if f < 0 { return tree.values[node] }
        let (l, r) = (Int(tree.left[node]), Int(tree.right[node]))
        if known.contains(f) {
            let goLeft = x[f].isNaN ? tree.missingGoesLeft[node] : x[f] <= tree.threshold[node]
            return conditional(tree, x, known: known, node: goLeft ? l : r)
        }
        let total = tree.cover[l] + tree.cover[r]
        return
            (tree.cover[l] * conditional(tree, x, known: known, node: l)
            + tree.cover[r] * conditional(tree, x, known: known, node: r)) / total
    }

    /// φᵢ = Σ_{S ⊆ N∖{i}} |S|!(M − |S| − 1)!/M! · (v(S ∪ {i}) − v(S)), over all 2^M subsets.
    static func bruteForce(_ tree: Tree, _ x: [Double]) -> [Double] {
        let m = x.count
        func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }
        return (0..<m).map { i in
            var phi = 0.0
            for mask in 0..<(1 << m) where mask & (1 << i) == 0 {
                let s = Set((0..<m).filter { mask & (1 << $0) != 0 })
                let weight = factorial(s.count) * factorial(m - s.count - 1) / factorial(m)
                phi += weight * (conditional(tree, x, known: s.union([i])) - conditional(tree, x, known: s))
            }
            return phi
        }
    }

    @Test(arguments: [
        [0.2, 0.5, -1.0], [0.2, 2.0, 1.0], [0.7, 0.0, 1.0], [0.9, 3.0, 5.0], [0.6, .nan, .nan], [Double.nan, 2.0, 0.5],
    ])
    func matchesBruteForceShapley(_ x: [Double]) {
        let tree = Self.tinyTree()
        var phi = [0.0, 0.0, 0.0]
        TreeSHAP.accumulate(tree, row: x, into: &phi)
        let exact = Self.bruteForce(tree, x)
        for i in 0..<3 { #expect(abs(phi[i] - exact[i]) < 1e-12, "feature \(i): \(phi[i]) vs \(exact[i])") }
        // Expected value by hand: (2·1 + 1·3 + 3·5 + 1·7 + 2·9 + 1·11) / 10 = 56 / 10 = 5.6.
        let base = TreeSHAP.expectedValue(tree)
        #expect(abs(base - 5.6) < 1e-12)
        let output = x.withUnsafeBufferPointer { tree.values[tree.leafIndex($0)] }
        #expect(abs(base + phi.reduce(0, +) - output) < 1e-12)
    }
}
