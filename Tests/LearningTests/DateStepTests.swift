import Foundation
import Testing
@testable import Learning
import Tabular

/// The date step of the preprocessing (issue 22, item 4): a date column becomes year, month, day
/// of week, day of year (and hour for times), fitted on training rows, the same on frames and
/// served rows; a value in another format is a missing date with a warning.
@Suite("Date step")
struct DateStepTests {
    private func text(_ name: String, _ values: [String?]) -> Column {
        var levels: [String] = []
        var index: [String: Int32] = [:]
        let codes = values.map { v -> Int32 in
            guard let v else { return -1 }
            if let c = index[v] { return c }
            index[v] = Int32(levels.count)
            levels.append(v)
            return Int32(levels.count - 1)
        }
        return Column(name: name, data: .categorical(codes: codes, levels: levels))
    }

    @Test func calendarNumbersByHand() throws {
        // 2024-03-01 is a Friday (5), day 31 + 29 + 1 = 61 of a leap year; 2000-01-01 a Saturday
        // (6), day 1; 2007-11-09 a Friday, day 304 + 9 = 313. Days since 1970: 2000-01-01 is
        // 10957, 2007-11-09 is 13826 (Python: date(2007, 11, 9) - date(1970, 1, 1)).
        let column = text("when", ["2024-03-01T13:45:00", "2000-01-01T00:00", "2007-11-09 06:30"])
        let step = try #require(DateStep(fitting: column, rows: [0, 1, 2]))
        #expect(step.format == DateFormat(order: .yearFirst, separator: "-", hasTime: true))
        #expect(step.parts == [.year, .month, .dayOfWeek, .dayOfYear, .hour])
        #expect(
            step.derived.map(\.name) == [
                "when (year)", "when (month)", "when (day of week)", "when (day of year)", "when (hour)",
            ])
        let (parts, notDates) = step.derive(column)
        #expect(notDates.isEmpty)
        #expect(parts[0] == [2024, 2000, 2007])
        #expect(parts[1] == [3, 1, 11])
        #expect(parts[2] == [5, 6, 5])
        #expect(parts[3] == [61, 1, 313])
        #expect(parts[4] == [13, 0, 6])
        // Training statistics per part: years 2000…2024, median 2007.
        #expect(step.derived[0].minimum == 2000 && step.derived[0].maximum == 2024 && step.derived[0].median == 2007)
        // The example is the training value at the median date.
        #expect(step.example == "2007-11-09 06:30")
        let days = step.daysColumn(column)
        guard case .numeric(let d) = days.data else {
            Issue.record("days are not numbers")
            return
        }
        #expect(d[1] == 10957)
        #expect(d[2] == 13826 + 6.5 / 24)
        let iso = DateFormat(order: .yearFirst, separator: "-", hasTime: true)
        #expect(iso.parse("1970-01-01")?.daysSince1970 == 0)
        #expect(iso.parse("1969-12-31T12:00")?.daysSince1970 == -0.5)
        #expect(iso.parse("1600-03-01")?.daysSince1970 == -135_080)
    }

    @Test func monthFirstTwoDigitYearsAndNonDates() throws {
        // Written like the penguins export: M/d/yy. 11/16/08 is Sunday 16 November 2008, day 321.
        let column = text("Date Egg", ["11/16/08", "11/9/07", nil, "11/30/09"])
        let step = try #require(DateStep(fitting: column, rows: [0, 1, 2, 3]))
        #expect(step.format.description == "MM/dd/yy")
        #expect(step.derive(.text("11/16/08")) == [2008, 11, 7, 321])
        #expect(step.derive(.text(" 11/16/08 ")) == [2008, 11, 7, 321])
        // Another format, an impossible day, a number and a missing value: a missing date.
        for value in [FeatureValue.text("2008-11-16"), .text("2/30/08"), .text("soon"), .number(20081116), .missing] {
            #expect(step.derive(value).allSatisfy { $0.isNaN }, "\(value)")
        }
        // Numbers are not dates; text that is mostly not dates is not either.
        #expect(DateStep(fitting: Column(name: "year", data: .numeric([2007, 2008])), rows: [0, 1]) == nil)
        #expect(DateStep(fitting: text("note", ["11/16/08", "late", "early"]), rows: [0, 1, 2]) == nil)
    }

    /// A frame of a date, a number and a class label.
    private func frame(_ dates: [String?]) throws -> DataFrame {
        try DataFrame(columns: [
            text("day", dates),
            Column(name: "x", data: .numeric(dates.indices.map(Double.init))),
            text("label", dates.indices.map { $0 % 2 == 0 ? "a" : "b" }),
        ])
    }

    @Test func preprocessorEncodesDatesAsNumbersAndWarnsAboutOtherFormats() throws {
        let training = try frame(["2024-01-01", "2024-01-02", "2024-01-03", nil])
        let p = try Preprocessor(
            fitting: training, features: ["day", "x"], rows: [0, 1, 2, 3],
            options: .init(standardize: false, impute: true, missingIndicators: true))
        #expect(
            p.outputNames == [
                "day (year)", "day (month)", "day (day of week)", "day (day of year)", "day (missing)", "x",
            ])
        #expect(p.outputSources == [0, 0, 0, 0, 0, 1])
        #expect(p.features[0].missingRate == 0.25)
        // 2024-01-01 is a Monday. Fresh: a Wednesday in March, a date written another way, nothing.
        let fresh = try frame(["2024-03-06", "01/02/2024", nil])
        let (m, warnings) = try p.transform(fresh)
        #expect(m.row(0) == [2024, 3, 3, 66, 0, 0])
        // Missing dates get each part's training median: 2024, 1, day 2 (Tuesday), day of year 2.
        #expect(m.row(1) == [2024, 1, 2, 2, 1, 1])
        #expect(m.row(2) == [2024, 1, 2, 2, 1, 2])
        let notADate = try #require(warnings.first { if case .notADate = $0.kind { true } else { false } })
        #expect(
            notADate.description
                == "day = '01/02/2024' is not a date written yyyy-MM-dd (ISO 8601) as in training (row 2); treated as missing"
        )
        // March is outside the training months.
        #expect(
            warnings.contains { $0.column == "day (month)" && $0.kind == .outOfRange(value: 3, minimum: 1, maximum: 1) }
        )
        // Served rows encode exactly as the frame.
        let rows: [[FeatureValue]] = [
            [.text("2024-03-06"), .number(0)], [.text("01/02/2024"), .number(1)], [.missing, .number(2)],
        ]
        #expect(p.transform(rows: rows, levels: p.levelIndexes()) == m)
        // A date column read as numbers (every cell empty, or numbers) gives missing dates, no crash.
        let numeric = try DataFrame(columns: [
            Column(name: "day", data: .numeric([.nan, 5])), Column(name: "x", data: .numeric([0, 1])),
        ])
        let (n, numericWarnings) = try p.transform(numeric)
        #expect(n.row(0) == [2024, 1, 2, 2, 1, 0])
        #expect(numericWarnings.contains { $0.count == 1 && $0.rows == [1] && $0.column == "day" })
    }

    @Test func pipelineRoundTripsThroughJSON() throws {
        let training = try frame(
            (0..<40).map { "2024-\($0 < 20 ? "01" : "06")-\(String(format: "%02d", $0 % 20 + 1))" })
        let model = try PipelineModel.train(
            algorithm: DecisionTree.self, parameters: [:], frame: training, target: "label",
            features: ["day", "x"], context: FitContext(seed: 1))
        let data = try ModelCoding.encoder().encode(model)
        let back = try ModelCoding.decoder().decode(PipelineModel.self, from: data)
        // (Preprocessors with a date hold NaN statistics, so they are compared as bytes.)
        #expect(try ModelCoding.encoder().encode(back) == data)
        #expect(try back.predict(training).prediction == model.predict(training).prediction)
        // Same seed, same bytes.
        let again = try PipelineModel.train(
            algorithm: DecisionTree.self, parameters: [:], frame: training, target: "label",
            features: ["day", "x"], context: FitContext(seed: 1))
        #expect(try ModelCoding.encoder().encode(again) == data)
    }
}
