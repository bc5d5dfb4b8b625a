import Foundation
import Parallelism

/// Penalised mean log loss of a (multinomial or binomial) logistic model and its gradient.
///
/// Parameters θ are laid out per scored class as `[w_0 … w_{d-1}, b]`. With two classes only
/// class 1 is scored (class 0 has score 0), which is scikit-learn's binomial form; otherwise
/// every class has its own row. Value: (1/n)·Σ −log p(yᵢ | xᵢ) + ‖W‖² / (2·C·n). With row
/// weights wᵢ (class weights) it is scikit-learn's weighted form: (1/Σw)·Σ wᵢ·(−log p(yᵢ | xᵢ)) +
/// ‖W‖² / (2·C·Σw).
struct LogisticObjective: Sendable {
    let x: Matrix
    let codes: [Int]
    let classCount: Int
    let inverseC: Double
    let threads: Int
    /// One weight per row; empty means every row weighs 1.
    var weights: [Double] = []

    var isBinary: Bool { classCount == 2 }
    var scoredClasses: Int { isBinary ? 1 : classCount }
    var parameterCount: Int { scoredClasses * (x.columns + 1) }

    func evaluate(_ theta: [Double], gradient: inout [Double]) throws -> Double {
        let n = x.rows, d = x.columns, width = d + 1, scored = scoredClasses
        let chunkRows = Linear.chunkRows
        let chunks = (n + chunkRows - 1) / chunkRows
        let partials = parallelMap(chunks, threads: threads) { chunk -> (Double, [Double]) in
            var loss = 0.0
            var grad = [Double](repeating: 0, count: scored * width)
            var scores = [Double](repeating: 0, count: max(scored, classCount))
            let end = min(n, (chunk + 1) * chunkRows)
            x.values.withUnsafeBufferPointer { xs in
                theta.withUnsafeBufferPointer { th in
                    grad.withUnsafeMutableBufferPointer { g in
                        scores.withUnsafeMutableBufferPointer { z in
                            for i in (chunk * chunkRows)..<end {
                                let row = i * d
                                for k in 0..<scored {
                                    var s = th[k * width + d]
                                    for j in 0..<d { s += th[k * width + j] * xs[row + j] }
                                    z[k] = s
                                }
                                let label = codes[i]
                                let weight = weights.isEmpty ? 1 : weights[i]
                                if isBinary {
                                    // Binomial: loss = log(1 + e^z) − y·z, residual σ(z) − y.
                                    let s = z[0]
                                    let softplus = s > 0 ? s + log1p(exp(-s)) : log1p(exp(s))
                                    loss += weight * (softplus - (label == 1 ? s : 0))
                                    let p = s >= 0 ? 1 / (1 + exp(-s)) : exp(s) / (1 + exp(s))
                                    z[0] = p - (label == 1 ? 1 : 0)
                                } else {
                                    let scoreOfLabel = z[label]
                                    let logNormalizer = LogSpace.softmaxInPlace(
                                        UnsafeMutableBufferPointer(rebasing: z[0..<scored]))
                                    loss += weight * (logNormalizer - scoreOfLabel)
                                    z[label] -= 1
                                }
                                for k in 0..<scored {
                                    let r = weight * z[k]
                                    for j in 0..<d { g[k * width + j] += r * xs[row + j] }
                                    g[k * width + d] += r
                                }
                            }
                        }
                    }
                }
            }
            return (loss, grad)
        }
        for i in gradient.indices { gradient[i] = 0 }
        var loss = 0.0
        for (chunkLoss, chunkGradient) in partials {
            loss += chunkLoss
            for i in gradient.indices { gradient[i] += chunkGradient[i] }
        }
        // Σw is n when unweighted, and also for balanced class weights (they add up to n).
        let inverseN = 1 / (weights.isEmpty ? Double(n) : weights.reduce(0, +))
        var penalty = 0.0
        for k in 0..<scored {
            for j in 0..<d {
                let w = theta[k * width + j]
                penalty += w * w
                gradient[k * width + j] = gradient[k * width + j] * inverseN + inverseC * inverseN * w
            }
            gradient[k * width + d] *= inverseN
        }
        return loss * inverseN + 0.5 * inverseC * inverseN * penalty
    }
}
