import Testing
@testable import Learning
import Tabular

@Suite("Task inference")
struct TaskInferenceTests {
    private func numbers(_ values: [Double]) -> Column { Column(name: "y", data: .numeric(values)) }

    @Test func digitsWrittenZeroToNineAreTenClasses() throws {
        // Each digit 0…9 three times: 10 distinct whole numbers ≤ 20, each repeated.
        let digits = (0..<30).map { Double($0 % 10) }
        let inference = TaskInference.infer(column: numbers(digits))
        #expect(inference == TaskInference(task: .classification, reason: .fewWholeNumbers(distinct: 10)))
        let (spec, target, _) = try TargetSpec.fit(column: numbers(digits), rows: Array(0..<30), task: nil)
        #expect(spec.task == .classification)
        #expect(spec.classes == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        #expect(target == .classes(digits.map { Int($0) }, classCount: 10))
    }

    @Test func zeroOneTargetIsTwoClasses() {
        #expect(TaskInference.infer(column: numbers([0, 1, 1, 0, .nan, 1])).task == .classification)
    }

    @Test func manyWholeNumbersStayRegression() throws {
        // 21 distinct counts: one more than the 20 read as classes.
        let counts = (0..<42).map { Double($0 % 21) }
        #expect(
            TaskInference.infer(column: numbers(counts))
                == TaskInference(task: .regression, reason: .manyWholeNumbers(distinct: 21)))
        // Few values, but one seen only once: a quantity, not a class.
        #expect(TaskInference.infer(column: numbers([1, 1, 2, 2, 3])).task == .regression)
        let (spec, _, _) = try TargetSpec.fit(column: numbers(counts), rows: Array(0..<42), task: nil)
        #expect(spec.task == .regression)
    }

    @Test func fractionsAreRegressionAndTextIsClassification() {
        #expect(
            TaskInference.infer(column: numbers([1, 1, 2.5, 2.5]))
                == TaskInference(task: .regression, reason: .fractional))
        let text = Column(name: "y", data: .categorical(codes: [0, 1, 0], levels: ["a", "b"]))
        #expect(TaskInference.infer(column: text) == TaskInference(task: .classification, reason: .text))
    }

    @Test func anExplicitTaskWins() throws {
        let digits = (0..<30).map { Double($0 % 10) }
        let (spec, _, _) = try TargetSpec.fit(column: numbers(digits), rows: Array(0..<30), task: .regression)
        #expect(spec.task == .regression)
    }
}
