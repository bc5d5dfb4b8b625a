import Foundation

/// Numerically safe helpers for turning scores into probabilities.
enum LogSpace {
    /// Replaces `scores` by softmax(scores) in place: subtracts the maximum before exponentiating
    /// so large scores cannot overflow. Entries of -infinity become probability 0.
    /// - Returns: log(sum(exp(scores))), the log-normalizer.
    @discardableResult
    static func softmaxInPlace(_ scores: UnsafeMutableBufferPointer<Double>) -> Double {
        var maximum = -Double.infinity
        for s in scores where s > maximum { maximum = s }
        guard maximum.isFinite else {
            // Every score is -infinity (or the row is degenerate): fall back to uniform.
            let uniform = 1.0 / Double(max(scores.count, 1))
            for i in scores.indices { scores[i] = uniform }
            return maximum
        }
        var sum = 0.0
        for i in scores.indices {
            let e = exp(scores[i] - maximum)
            scores[i] = e
            sum += e
        }
        for i in scores.indices { scores[i] /= sum }
        return maximum + log(sum)
    }

    /// Softmax of every row of a row-major `rows × columns` buffer, in place.
    static func softmaxRows(_ values: inout [Double], columns: Int) {
        guard columns > 0 else { return }
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            while start < buffer.count {
                softmaxInPlace(UnsafeMutableBufferPointer(start: base + start, count: columns))
                start += columns
            }
        }
    }
}
