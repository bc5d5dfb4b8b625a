public import Tabular

/// The task a target implies when none is asked for, and why: the one rule `train`, `compare`,
/// `tune`, `validate` and the lessons share (through `TargetSpec.fit`).
///
/// Text is classification; numbers with a fraction are regression; whole numbers are classes when
/// there are few distinct values (at most `maximumClasses`) and every one of them is repeated
/// (digits written 0–9, a 0/1 flag, star ratings), and a quantity otherwise (counts, years, prices).
public struct TaskInference: Sendable, Equatable {
    /// Why the task was chosen.
    public enum Reason: Sendable, Equatable {
        /// The target holds text.
        case text
        /// Some value has a fraction.
        case fractional
        /// Whole numbers, few distinct values, each repeated: read as classes.
        case fewWholeNumbers(distinct: Int)
        /// Whole numbers with many distinct values (or some value seen once): read as a quantity.
        case manyWholeNumbers(distinct: Int)
    }

    public var task: Task
    public var reason: Reason

    /// At most this many distinct whole numbers are read as classes.
    public static let maximumClasses = 20

    /// The task `column` implies over `rows` (missing values ignored).
    /// - Complexity: O(rows), with a set of at most `maximumClasses + 1` values.
    public static func infer(column: Column, rows: [Int]) -> TaskInference {
        guard case .numeric(let values) = column.data else {
            return TaskInference(task: .classification, reason: .text)
        }
        var counts: [Double: Int] = [:]
        var tooMany = false
        for r in rows {
            let x = values[r]
            if x.isNaN { continue }
            guard x.rounded() == x, abs(x) < 1e15 else { return TaskInference(task: .regression, reason: .fractional) }
            if tooMany { continue }
            counts[x, default: 0] += 1
            if counts.count > maximumClasses { tooMany = true }
        }
        if tooMany {
            // Count the distinct values only for the message.
            let distinct = Set(rows.lazy.map { values[$0] }.filter { !$0.isNaN }).count
            return TaskInference(task: .regression, reason: .manyWholeNumbers(distinct: distinct))
        }
        if counts.count >= 2, counts.values.allSatisfy({ $0 >= 2 }) {
            return TaskInference(task: .classification, reason: .fewWholeNumbers(distinct: counts.count))
        }
        return TaskInference(task: .regression, reason: .manyWholeNumbers(distinct: counts.count))
    }

    /// The task `column` implies over all its rows.
    public static func infer(column: Column) -> TaskInference {
        infer(column: column, rows: Array(0..<column.data.count))
    }
}
