import Testing
@testable import Tabular

@Suite("CSV reader: values and types")
struct CSVReaderTests {
    @Test func infersNumericAndCategoricalColumns() throws {
        let frame = try loadCSV("x,colour,y\n1,red,2.5\n2,blue,\n3,red,-1e3\n,,7\n")
        #expect(frame.columnNames == ["x", "colour", "y"])
        #expect(frame.rowCount == 4)
        let x = try #require(frame.column(named: "x"))
        guard case .numeric(let xs) = x.data else {
            Issue.record("x not numeric")
            return
        }
        #expect(xs[0] == 1 && xs[1] == 2 && xs[2] == 3 && xs[3].isNaN)
        let colour = try #require(frame.column(named: "colour"))
        #expect(colour.data == .categorical(codes: [0, 1, 0, -1], levels: ["red", "blue"]))
        #expect(texts(frame, "y") == ["2.5", nil, "-1000", "7"])
    }

    @Test func quotingEdgeCases() throws {
        let text = "name,note,n\r\n\"Smith, J\",\"say \"\"hi\"\"\",1\r\n\"a\nb\",\"c\r\nd\",\"2\"\n\"\",x,3"
        let frame = try loadCSV(text)
        #expect(frame.rowCount == 3)
        #expect(texts(frame, "name") == ["Smith, J", "a\nb", nil])
        #expect(texts(frame, "note") == ["say \"hi\"", "c\r\nd", "x"])
        #expect(texts(frame, "n") == ["1", "2", "3"])  // a quoted number is a number
    }

    @Test func quotedTextIsVerbatimAndUnquotedIsTrimmed() throws {
        let frame = try loadCSV("a,b\n  x  ,\" y \"\nz,   \n")
        #expect(texts(frame, "a") == ["x", "z"])
        #expect(texts(frame, "b") == [" y ", nil])
    }

    @Test func bomCRLFAndMissingFinalNewline() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,2\r\n3,4".utf8)
        let frame = try loadCSVBytes(bytes)
        #expect(frame.columnNames == ["a", "b"])
        #expect(texts(frame, "b") == ["2", "4"])
    }

    @Test func trailingBlankLinesAreIgnored() throws {
        let frame = try loadCSV("a,b\n1,2\n\n\r\n\n")
        #expect(frame.rowCount == 1)
    }

    @Test func tabSeparatedByExtension() throws {
        let frame = try loadCSV("a\tb c\n1\tx, y\n", name: "data.tsv")
        #expect(frame.columnNames == ["a", "b c"])
        #expect(texts(frame, "b c") == ["x, y"])
        let tab = try loadCSV("a\tb\n1\t2\n", name: "data.TAB")
        #expect(tab.columnCount == 2)
    }

    @Test func explicitSeparator() throws {
        var options = CSVOptions()
        options.separator = UInt8(ascii: ";")
        let frame = try loadCSV("a;b\n1,5;2\n", options: options)
        #expect(texts(frame, "a") == ["1,5"])
        #expect(texts(frame, "b") == ["2"])
    }

    @Test func withoutHeader() throws {
        var options = CSVOptions()
        options.hasHeader = false
        let frame = try loadCSV("1,a\n2,b\n", options: options)
        #expect(frame.columnNames == ["column_1", "column_2"])
        #expect(frame.rowCount == 2)
        #expect(texts(frame, "column_2") == ["a", "b"])
    }

    @Test func typeOverrides() throws {
        var options = CSVOptions()
        options.types = ["zip": .text, "n": .number]
        let frame = try loadCSV("zip,n\n01234,1\n98765,NA\n", options: options)
        #expect(frame.column(named: "zip")?.data == .categorical(codes: [0, 1], levels: ["01234", "98765"]))
        #expect(frame.column(named: "n")?.kind == .number)
        #expect(
            throws: TabularError.typeOverrideNotNumeric(
                FileLocation(file: "t.csv", line: 3, column: 2), column: "n", value: "n/a")
        ) {
            try loadCSV("zip,n\n1,2\n3,n/a\n", options: options)
        }
        options.types = ["nope": .text]
        #expect(throws: TabularError.unknownColumn("nope", available: ["zip", "n"])) {
            try loadCSV("zip,n\n1,2\n", options: options)
        }
    }

    @Test func missingTokensAreCaseInsensitiveAndTrimmed() throws {
        let frame = try loadCSV("a,b\nNA,x\nna,NULL\n nan ,null\nNaN,\"\"\n5,y\n")
        #expect(frame.column(named: "a")?.kind == .number)
        #expect(texts(frame, "a") == [nil, nil, nil, nil, "5"])
        #expect(texts(frame, "b") == ["x", nil, nil, nil, "y"])
        var options = CSVOptions()
        options.missingTokens = ["", "?"]
        let custom = try loadCSV("a\n?\nNA\n", options: options)
        #expect(texts(custom, "a") == [nil, "NA"])
    }

    @Test func numbersAreTrimmedAndInfIsText() throws {
        let frame = try loadCSV("a,b,c\n 3.5 ,inf,+2\n\t-1 ,1,.5e1\n")
        #expect(texts(frame, "a") == ["3.5", "-1"])
        #expect(frame.column(named: "b")?.kind == .text)
        #expect(texts(frame, "c") == ["2", "5"])
    }

    @Test func allMissingColumnIsNumeric() throws {
        let frame = try loadCSV("a,b\n,1\nNA,2\n")
        #expect(frame.column(named: "a")?.kind == .number)
        #expect(frame.column(named: "a")?.data.missingCount == 2)
    }

    @Test func columnTurningTextLateKeepsEarlierNumbersAsText() throws {
        let frame = try loadCSV("a\n1\n\n2.50\nx\n1\n")
        #expect(frame.column(named: "a")?.data == .categorical(codes: [0, -1, 1, 2, 0], levels: ["1", "2.50", "x"]))
    }

    @Test func singleColumnBlankLineIsMissing() throws {
        let frame = try loadCSV("a\n1\n\n3\n")
        #expect(texts(frame, "a") == ["1", nil, "3"])
    }

    @Test func unicodeText() throws {
        let frame = try loadCSV("ville,n\nZürich,1\n東京,2\n\"😀,\",3\n")
        #expect(texts(frame, "ville") == ["Zürich", "東京", "😀,"])
    }

    @Test func memoryBudget() throws {
        var options = CSVOptions()
        options.memoryBudgetBytes = 64
        #expect(throws: TabularError.self) { try loadCSV("a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n", options: options) }
        options.memoryBudgetBytes = 1 << 20
        #expect(try loadCSV("a,b\n1,2\n", options: options).rowCount == 1)
    }

    /// Past `CSVColumnStorage.nestingLimit` columns the reader uses its copying storage path.
    @Test func veryWideFile() throws {
        let columns = CSVColumnStorage.nestingLimit + 44
        let header = (0..<columns).map { "c\($0)" }.joined(separator: ",")
        let row1 = (0..<columns).map { $0 == 7 ? "x" : "\($0)" }.joined(separator: ",")
        let row2 = (0..<columns).map { $0 == 7 ? "y" : "" }.joined(separator: ",")
        let frame = try loadCSV("\(header)\n\(row1)\n\(row2)\n", threads: 2, chunkSize: 64)
        #expect(frame.columnCount == columns)
        #expect(texts(frame, "c7") == ["x", "y"])
        #expect(texts(frame, "c299") == ["299", nil])
        #expect(frame.columns.filter { $0.kind == .text }.count == 1)
    }
}
