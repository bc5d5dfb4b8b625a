/// Path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature
/// Attribution for Tree Ensembles", Algorithm 2) on the flat `Tree` layout.
///
/// The "background" distribution is the training data as the tree saw it: at a split on a
/// feature outside the coalition a row goes both ways, weighted by the children's `cover`.
/// The zero fractions use cover(child) / (cover(left) + cover(right)) rather than the parent's
/// own cover, so contributions + `expectedValue` equal the tree's output exactly even if a
/// grower stored a parent cover that is not the sum of its children's.
/// - Complexity: O(L · D²) per row and output slot, L leaves, D depth.
enum TreeSHAP {
    /// One element of the unique feature path (the paper's m).
    private struct PathElement {
        var feature: Int
        var zeroFraction: Double
        var oneFraction: Double
        var weight: Double
    }

    /// Cover-weighted mean output of `slot` over the tree: the prediction with no feature known.
    static func expectedValue(_ tree: Tree, slot: Int = 0) -> Double {
        guard tree.nodeCount > 0 else { return 0 }
        // Children have larger indices than parents, so a reverse sweep sees children first.
        var expected = [Double](repeating: 0, count: tree.nodeCount)
        for node in stride(from: tree.nodeCount - 1, through: 0, by: -1) {
            if tree.feature[node] == Tree.leaf {
                expected[node] = tree.values[node * tree.valueWidth + slot]
            } else {
                let (l, r) = (Int(tree.left[node]), Int(tree.right[node]))
                let (fl, fr) = fractions(tree, l, r)
                expected[node] = fl * expected[l] + fr * expected[r]
            }
        }
        return expected[0]
    }

    /// SHAP values of `row` for output `slot`, added (× `scale`) into `phi` (one per column).
    static func accumulate(_ tree: Tree, row: [Double], slot: Int = 0, scale: Double = 1, into phi: inout [Double]) {
        guard tree.nodeCount > 0 else { return }
        let maxDepth = tree.depth + 2
        var path = [PathElement](
            repeating: PathElement(feature: -1, zeroFraction: 0, oneFraction: 0, weight: 0),
            count: maxDepth * (maxDepth + 1) / 2 + maxDepth)
        recurse(
            tree, row: row, slot: slot, scale: scale, phi: &phi, node: 0, path: &path, start: 0,
            uniqueDepth: 0, parentZero: 1, parentOne: 1, parentFeature: -1)
    }

    private static func fractions(_ tree: Tree, _ l: Int, _ r: Int) -> (Double, Double) {
        let cl = max(tree.cover[l], 0), cr = max(tree.cover[r], 0)
        let total = cl + cr
        return total > 0 ? (cl / total, cr / total) : (0.5, 0.5)
    }

    /// The path for this call lives at `path[start ..< start + uniqueDepth + 1]`; each call copies
    /// its parent's path to a fresh segment so siblings do not see each other's changes.
    private static func recurse(
        _ tree: Tree, row: [Double], slot: Int, scale: Double, phi: inout [Double],
        node: Int, path: inout [PathElement], start: Int, uniqueDepth depth: Int,
        parentZero: Double, parentOne: Double, parentFeature: Int
    ) {
        var uniqueDepth = depth
        extend(&path, start, uniqueDepth, parentZero, parentOne, parentFeature)
        let f = Int(tree.feature[node])
        if f < 0 {
            let value = tree.values[node * tree.valueWidth + slot]
            if uniqueDepth >= 1 {
                for i in 1...uniqueDepth {
                    let w = unwoundSum(path, start, uniqueDepth, i)
                    let e = path[start + i]
                    phi[e.feature] += scale * w * (e.oneFraction - e.zeroFraction) * value
                }
            }
            return
        }
        let x = f < row.count ? row[f] : .nan
        let goLeft = x.isNaN ? tree.missingGoesLeft[node] : x <= tree.threshold[node]
        let (l, r) = (Int(tree.left[node]), Int(tree.right[node]))
        let (hot, cold) = goLeft ? (l, r) : (r, l)
        let (fl, fr) = fractions(tree, l, r)
        let (hotFraction, coldFraction) = goLeft ? (fl, fr) : (fr, fl)

        var incomingZero = 1.0, incomingOne = 1.0
        // A feature already on the path is unwound: its earlier split and this one act as one.
        if let k = (1...max(1, uniqueDepth)).first(where: { $0 <= uniqueDepth && path[start + $0].feature == f }) {
            incomingZero = path[start + k].zeroFraction
            incomingOne = path[start + k].oneFraction
            unwind(&path, start, uniqueDepth, k)
            uniqueDepth -= 1
        }
        let next = start + uniqueDepth + 1
        for child in [(hot, hotFraction * incomingZero, incomingOne), (cold, coldFraction * incomingZero, 0.0)] {
            for i in 0...uniqueDepth { path[next + i] = path[start + i] }
            recurse(
                tree, row: row, slot: slot, scale: scale, phi: &phi, node: child.0, path: &path, start: next,
                uniqueDepth: uniqueDepth + 1, parentZero: child.1, parentOne: child.2, parentFeature: f)
        }
    }

    private static func extend(
        _ path: inout [PathElement], _ s: Int, _ depth: Int, _ zero: Double, _ one: Double, _ feature: Int
    ) {
        path[s + depth] = PathElement(
            feature: feature, zeroFraction: zero, oneFraction: one, weight: depth == 0 ? 1 : 0)
        let d = Double(depth)
        var i = depth - 1
        while i >= 0 {
            path[s + i + 1].weight += one * path[s + i].weight * Double(i + 1) / (d + 1)
            path[s + i].weight = zero * path[s + i].weight * (d - Double(i)) / (d + 1)
            i -= 1
        }
    }

    private static func unwind(_ path: inout [PathElement], _ s: Int, _ depth: Int, _ index: Int) {
        let one = path[s + index].oneFraction, zero = path[s + index].zeroFraction
        let d = Double(depth)
        var nextOne = path[s + depth].weight
        var i = depth - 1
        while i >= 0 {
            if one != 0 {
                let saved = path[s + i].weight
                path[s + i].weight = nextOne * (d + 1) / (Double(i + 1) * one)
                nextOne = saved - path[s + i].weight * zero * (d - Double(i)) / (d + 1)
            } else {
                path[s + i].weight = path[s + i].weight * (d + 1) / (zero * (d - Double(i)))
            }
            i -= 1
        }
        for j in index..<depth {
            path[s + j].feature = path[s + j + 1].feature
            path[s + j].zeroFraction = path[s + j + 1].zeroFraction
            path[s + j].oneFraction = path[s + j + 1].oneFraction
        }
    }

    private static func unwoundSum(_ path: [PathElement], _ s: Int, _ depth: Int, _ index: Int) -> Double {
        let one = path[s + index].oneFraction, zero = path[s + index].zeroFraction
        let d = Double(depth)
        var nextOne = path[s + depth].weight
        var total = 0.0
        var i = depth - 1
        while i >= 0 {
            if one != 0 {
                let t = nextOne * (d + 1) / (Double(i + 1) * one)
                total += t
                nextOne = path[s + i].weight - t * zero * ((d - Double(i)) / (d + 1))
            } else if zero != 0 {
                total += (path[s + i].weight / zero) / ((d - Double(i)) / (d + 1))
            }
            i -= 1
        }
        return total
    }
}
