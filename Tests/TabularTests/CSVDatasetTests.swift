import Testing
import TestSupport
@testable import Tabular

/// An example dataset and what its README says about it.
struct DatasetExpectation: Sendable, CustomTestStringConvertible {
    var file: String
    var rows: Int
    var columns: Int
    var missing: Int
    var testDescription: String { file }
}

@Suite("CSV reader: example datasets")
struct CSVDatasetTests {
    @Test(arguments: [
        DatasetExpectation(file: "iris.csv", rows: 150, columns: 5, missing: 0),
        DatasetExpectation(file: "penguins.csv", rows: 344, columns: 8, missing: 19),
        DatasetExpectation(file: "penguins_train.csv", rows: 275, columns: 8, missing: 19),
        DatasetExpectation(file: "penguins_fresh.csv", rows: 69, columns: 8, missing: 0),
        DatasetExpectation(file: "breast_cancer.csv", rows: 569, columns: 31, missing: 0),
        DatasetExpectation(file: "diabetes.csv", rows: 442, columns: 11, missing: 0),
    ])
    func loadsWithDocumentedShape(_ expected: DatasetExpectation) throws {
        let path = examplePath(expected.file)
        let frame: DataFrame
        do {
            frame = try CSVReader.read(path: path)
        } catch TabularError.fileNotFound {
            Issue.record("example dataset missing at \(path)")
            return
        }
        #expect(frame.rowCount == expected.rows)
        #expect(frame.columnCount == expected.columns)
        #expect(frame.columns.reduce(0) { $0 + $1.data.missingCount } == expected.missing)
        for threads in [1, 2, 4] {
            var options = CSVOptions()
            options.threads = threads
            let again = try CSVReader.read(
                path: path, options: options, displayName: nil, chunkSize: 997, windowSize: 2 * 997)
            #expect(sameFrame(again, frame), "threads \(threads)")
        }
    }

    @Test func datasetTypesAndNames() throws {
        let penguins = try CSVReader.read(path: examplePath("penguins.csv"))
        #expect(penguins.column(named: "species")?.data.kind == .text)
        if case .categorical(_, let levels)? = penguins.column(named: "species")?.data {
            #expect(levels == ["Adelie", "Gentoo", "Chinstrap"])
        }
        #expect(penguins.column(named: "sex")?.data.missingCount == 11)
        #expect(penguins.column(named: "flipper_length_mm")?.kind == .number)
        let cancer = try CSVReader.read(path: examplePath("breast_cancer.csv"))
        #expect(cancer.columnNames.contains("mean radius"))
        #expect(cancer.column(named: "diagnosis")?.kind == .text)
        let iris = try CSVReader.read(path: examplePath("iris.csv"))
        #expect(iris.columns.filter { $0.kind == .number }.count == 4)
    }
}
