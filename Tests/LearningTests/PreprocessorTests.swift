import Testing
import Tabular
@testable import Learning

@Suite("Preprocessing pipeline")
struct PreprocessorTests {
    let frame = try! DataFrame(columns: [
        Column(name: "x", data: .numeric([1, 2, .nan, 5])),
        Column(name: "color", data: .categorical(codes: [0, 1, 1, -1], levels: ["red", "blue"])),
        Column(name: "y", data: .categorical(codes: [0, 1, 0, 1], levels: ["no", "yes"])),
    ])

    @Test func imputesEncodesAndScales() throws {
        let p = try Preprocessor(
            fitting: frame, features: ["x", "color"], rows: [0, 1, 2, 3],
            options: .init(standardize: true, impute: true, missingIndicators: true))
        #expect(p.outputNames == ["x", "x (missing)", "color=red", "color=blue"])
        // x present values 1, 2, 5: median 2, mean 8/3, population sd sqrt(((1-8/3)² + (2-8/3)² + (5-8/3)²)/3) = 1.6997
        let (m, warnings) = try p.transform(frame)
        #expect(warnings.isEmpty)
        let mean = 8.0 / 3, sd = ((pow2(1 - mean) + pow2(2 - mean) + pow2(5 - mean)) / 3).squareRoot()
        #expect(abs(m[2, 0] - (2 - mean) / sd) < 1e-12)  // imputed with the median, then scaled
        #expect(m[2, 1] == 1 && m[0, 1] == 0)
        // color: missing → most frequent ("blue", 2 of 3).
        #expect(m.row(3)[2...] == [0, 1])
        #expect(m.row(0)[2...] == [1, 0])
    }

    @Test func leavesMissingForNativeHandling() throws {
        let p = try Preprocessor(
            fitting: frame, features: ["x", "color"], rows: [0, 1, 2, 3],
            options: .init(standardize: false, impute: false))
        let (m, _) = try p.transform(frame)
        #expect(m[2, 0].isNaN)
        #expect(m.row(3)[1...] == [0, 0])  // missing text: all zeros
    }

    @Test func fitsOnTrainingRowsOnly() throws {
        let p = try Preprocessor(
            fitting: frame, features: ["x"], rows: [0, 1], options: .init(standardize: false, impute: true))
        #expect(p.features[0].median == 1.5)
        #expect(p.features[0].maximum == 2)
    }

    @Test func unseenCategoriesAndOutOfRangeWarnInsteadOfFailing() throws {
        let p = try Preprocessor(
            fitting: frame, features: ["x", "color"], rows: [0, 1, 2, 3],
            options: .init(standardize: false, impute: true))
        let fresh = try DataFrame(columns: [
            Column(name: "color", data: .categorical(codes: [0, 1, 1], levels: ["green", "red"])),
            Column(name: "x", data: .numeric([3, 9, 1])),
            Column(name: "extra", data: .numeric([0, 0, 0])),
        ])
        let (m, warnings) = try p.transform(fresh)
        #expect(m.row(0) == [3, 0, 0])
        #expect(warnings.count == 2)
        #expect(
            warnings.contains { $0.column == "color" && $0.kind == .unseenCategory(value: "green") && $0.rows == [0] })
        #expect(warnings.contains { $0.column == "x" && $0.count == 1 && $0.rows == [1] })
        #expect(
            warnings.map(\.description).contains(
                "color = 'green' was never seen in training (row 1); it counts as none of the known values"))
    }

    @Test func missingColumnsAreNamed() throws {
        let p = try Preprocessor(
            fitting: frame, features: ["x", "color"], rows: [0, 1], options: .init(standardize: false, impute: true))
        let fresh = try DataFrame(columns: [Column(name: "y", data: .numeric([1]))])
        #expect(throws: PreprocessingError.missingColumns(["x", "color"])) { try p.transform(fresh) }
    }

    @Test func targetEncodingSortsClassesAndDropsMissing() throws {
        let column = Column(name: "t", data: .categorical(codes: [1, 0, -1, 1], levels: ["b", "a"]))
        let (spec, target, used) = try TargetSpec.fit(column: column, rows: [0, 1, 2, 3], task: nil)
        #expect(spec.classes == ["a", "b"])
        #expect(target == .classes([0, 1, 0], classCount: 2))  // rows 0, 1, 3 are a, b, a
        #expect(used == [0, 1, 3])
        let numeric = Column(name: "n", data: .numeric([10, 2, 2]))
        let (spec2, _, _) = try TargetSpec.fit(column: numeric, rows: [0, 1, 2], task: .classification)
        #expect(spec2.classes == ["2", "10"])
        #expect(throws: PipelineError.singleClass("n", "2")) {
            try TargetSpec.fit(column: numeric, rows: [1, 2], task: .classification)
        }
    }
}

private func pow2(_ x: Double) -> Double { x * x }
