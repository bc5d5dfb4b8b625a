/// The checks every algorithm runs at the start of `fit`, so bad input is reported the same way
/// whichever algorithm sees it.
enum FitInputValidation {
    /// Throws for an unsupported task, an empty training set, or missing values the algorithm
    /// cannot take. A target whose length or class codes disagree with `x` is a caller bug.
    static func check<A: Algorithm>(_ algorithm: A.Type, _ x: Matrix, _ y: Target) throws {
        guard A.tasks.contains(y.task) else {
            throw LearningError.unsupportedTask(algorithm: A.name, task: y.task)
        }
        guard x.rows > 0 else { throw LearningError.emptyTrainingSet }
        precondition(y.count == x.rows, "internal error: \(y.count) target values for \(x.rows) rows")
        if !A.acceptsMissingValues && x.values.contains(where: { $0.isNaN }) {
            throw LearningError.missingValues(algorithm: A.name)
        }
        switch y {
        case .classes(let codes, let classCount):
            precondition(
                classCount > 0 && codes.allSatisfy { $0 >= 0 && $0 < classCount },
                "internal error: class code outside 0..<\(classCount)")
        case .values(let values):
            // A missing target cannot be imputed; the pipeline drops such rows before fitting.
            if values.contains(where: { !$0.isFinite }) {
                throw LearningError.missingValues(algorithm: A.name)
            }
        }
    }
}
