import Testing
@testable import Tabular

/// A text column from values, nil for missing (levels in first-appearance order).
private func text(_ name: String, _ values: [String?]) -> Column {
    var levels: [String] = []
    var index: [String: Int32] = [:]
    let codes: [Int32] = values.map { value in
        guard let value else { return -1 }
        if let c = index[value] { return c }
        index[value] = Int32(levels.count)
        levels.append(value)
        return Int32(levels.count - 1)
    }
    return Column(name: name, data: .categorical(codes: codes, levels: levels))
}

private func numbers(_ name: String, _ values: [Double]) -> Column {
    Column(name: name, data: .numeric(values))
}

@Suite("Column roles")
struct ColumnRoleTests {
    @Test func integerIDWithGapsIsAnIdentifier() {
        // 20 distinct IDs from 1001 to 1035: 20 of the 35 integers in the range are used (≥ half).
        let ids: [Double] = [
            1001, 1002, 1004, 1007, 1008, 1010, 1011, 1013, 1016, 1017,
            1019, 1020, 1022, 1025, 1026, 1028, 1029, 1031, 1034, 1035,
        ].shuffledDeterministically()
        #expect(ColumnRole.detect(numbers("id", ids)) == .identifier(.unique))
    }

    @Test func sampleNumberRestartingPerGroupIsASequence() {
        // 1…12 then 1…8: 18 of the 19 steps are +1 (≥ 90%).
        let values = (1...12).map(Double.init) + (1...8).map(Double.init)
        #expect(ColumnRole.detect(numbers("Sample Number", values)) == .identifier(.sequence))
    }

    @Test func aValueCyclingThroughARangeIsNotASequence() {
        // 0…96 over and over: +1 in 97% of steps, but 30 restarts (more than 10).
        let cycle = (0..<3_000).map { Double($0 % 97) }
        #expect(ColumnRole.detect(numbers("x", cycle)) == nil)
    }

    @Test func zeroOneColumnIsAPlainFeature() {
        let flags: [Double] = [0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0]
        #expect(ColumnRole.detect(numbers("smoker", flags)) == nil)
    }

    @Test func yearColumnIsAPlainFeature() {
        // Whole numbers that repeat: a measurement, not an ID and not a date.
        let years: [Double] = [2007, 2007, 2008, 2009, 2008, 2007, 2009, 2009, 2008, 2007, 2008, 2009]
        #expect(ColumnRole.detect(numbers("year", years)) == nil)
    }

    @Test func uniqueMeasurementsAreNotIdentifiers() {
        // Distinct fractional values (a measurement) and sparse distinct integers (grams).
        let lengths = (0..<30).map { 30.0 + Double($0) * 0.7 }
        #expect(ColumnRole.detect(numbers("length", lengths)) == nil)
        let grams = (0..<30).map { Double(2700 + 113 * (($0 * 7) % 30)) }  // spread over 3,300: range ≫ 2 × 30
        #expect(ColumnRole.detect(numbers("mass", grams)) == nil)
    }

    @Test func constantsAndNearConstants() {
        #expect(
            ColumnRole.detect(text("studyName", Array(repeating: "PAL0708", count: 12))) == .constant(value: "PAL0708"))
        #expect(ColumnRole.detect(numbers("v", [3, 3, .nan, 3])) == .constant(value: "3"))
        #expect(ColumnRole.detect(numbers("empty", [.nan, .nan])) == .constant(value: nil))
        // 199 of 200 = 99.5% ≥ 99%.
        let near = Array(repeating: "yes", count: 199) + ["no"]
        #expect(ColumnRole.detect(text("consent", near)) == .nearConstant(value: "yes", share: 0.995))
    }

    @Test func mostlyMissing() {
        // 38 of 40 missing = 95% > 90%; 18 of 20 = 90% is not more than 90%.
        let sparse: [Double] = [1.5, 2.5] + Array(repeating: .nan, count: 38)
        #expect(ColumnRole.detect(numbers("delta", sparse)) == .mostlyMissing(share: 0.95))
        let values: [Double] = [1.5, 2.5] + Array(repeating: .nan, count: 18)
        #expect(ColumnRole.detect(numbers("delta", values)) == nil)
    }

    @Test func freeTextAndTextIdentifiers() {
        let comments = (0..<12).map { "Nest \($0) never observed with a full clutch" }
        #expect(ColumnRole.detect(text("Comments", comments)) == .freeText(distinct: 12))
        let ids = (0..<12).map { "N\($0 / 2 + 1)A\($0 % 2 + 1)" }
        #expect(ColumnRole.detect(text("Individual ID", ids)) == .identifier(.unique))
        // Short labels that repeat are categories.
        let island = (0..<12).map { ["BISCOE", "DREAM", "TORGERSEN"][$0 % 3] }
        #expect(ColumnRole.detect(text("Island", island)) == nil)
    }

    @Test func highCardinality() {
        // 60 distinct short labels over 120 rows: over 50, and over a fifth of the rows.
        let cities = (0..<120).map { "city\($0 % 60)" }
        #expect(ColumnRole.detect(text("city", cities)) == .highCardinality(distinct: 60))
    }

    @Test(arguments: [
        (["2007-11-09", "2008-01-31", "2009-12-01"], "yyyy-MM-dd (ISO 8601)"),
        (["2007-11-09T14:05:00Z", "2008-01-31T09:30:00+01:00"], "yyyy-MM-ddTHH:mm:ss (ISO 8601)"),
        (["09/11/2007", "31/01/2008", "01/12/2009"], "dd/MM/yyyy"),  // 31 first → day-first
        (["11/9/07", "1/31/08", "12/1/09"], "MM/dd/yy"),  // 31 second → month-first
        (["09.11.2007", "01.02.2008"], "dd.MM.yyyy"),  // no field over 12: dots read day-first
    ])
    func dateFormats(values: [String], format: String) throws {
        guard case .date(let detection)? = ColumnRole.detect(text("when", values)) else {
            Issue.record("\(values) not read as dates")
            return
        }
        #expect(detection.format.description == format)
        #expect(detection.parsed == values.count)
        #expect(detection.firstUnparsed == nil)
    }

    @Test func datesWithMissingValues() throws {
        let column = text("Date Egg", ["11/11/07", nil, "11/16/07", "11/9/08", nil])
        let detection = try #require(DateFormat.detect(in: column))
        #expect(detection.format.description == "MM/dd/yy")
        #expect(detection.parsed == 3 && detection.present == 3 && detection.firstUnparsed == nil)
    }

    @Test func mixedFormatsNameTheFirstValueThatDoesNotParse() throws {
        let column = text("Date Egg", ["2007-11-09", "2007-11-16", "16/11/2007", "2008-11-02", "not a date"])
        let detection = try #require(DateFormat.detect(in: column))
        #expect(detection.format.order == .yearFirst)
        #expect(detection.parsed == 3)
        #expect(detection.firstUnparsed?.value == "16/11/2007")
        #expect(detection.firstUnparsed?.row == 2)
    }

    @Test func impossibleDatesAndNonDates() {
        #expect(DateFormat(order: .yearFirst, separator: "-").parse("2007-02-29") == nil)  // 2007 is not a leap year
        #expect(DateFormat(order: .yearFirst, separator: "-").parse("2008-02-29") != nil)
        #expect(ColumnRole.detect(text("version", ["1.2.3", "1.2.4", "2.0.1"])) == nil)
        #expect(DateFormat.detect(in: numbers("year", [2007, 2008])) == nil)
    }

    @Test func calendarFields() throws {
        let fields = try #require(
            DateFormat(order: .yearFirst, separator: "-", hasTime: true).parse("2024-03-01T13:45:00"))
        // 2024-03-01 was a Friday (ISO day 5); 31 + 29 + 1 = day 61 of a leap year.
        #expect(fields.dayOfWeek == 5)
        #expect(fields.dayOfYear == 61)
        #expect(fields.hour == 13 && fields.minute == 45)
        // 2000-01-01 was a Saturday.
        #expect(DateFormat(order: .yearFirst, separator: "-").parse("2000-01-01")?.dayOfWeek == 6)
    }
}

private extension Array where Element == Double {
    /// A fixed reordering (reversed odd positions first), so no test depends on sorted input.
    func shuffledDeterministically() -> [Double] {
        indices.filter { $0 % 2 == 1 }.reversed().map { self[$0] } + indices.filter { $0 % 2 == 0 }.map { self[$0] }
    }
}
