import Testing
import TestSupport
@testable import Tabular

@Suite("CSV number parser")
struct CSVNumberParserTests {
    private func parse(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { CSVNumberParser.parse($0) }
    }

    private func expectSameAsStandardLibrary(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let standard = Double(text)
        #expect(standard != nil, "generator made a non-number: \(text)", sourceLocation: sourceLocation)
        // Beyond the Double range the standard library gives ±infinity; the reader says "not a number".
        let expected = standard.flatMap { $0.isFinite ? $0 : nil }
        let actual = parse(text)
        #expect(
            actual?.bitPattern == expected?.bitPattern,
            "\(text): \(String(describing: actual)) vs \(String(describing: expected))",
            sourceLocation: sourceLocation)
    }

    static let edgeCases = [
        "0", "-0", "+0", "0.0", "-0.0", "1", "-1", "+1", ".5", "5.", "-.5", "1e0", "1E5", "1e+5", "1e-5",
        "9007199254740992", "9007199254740993", "9007199254740995", "18446744073709551615", "18446744073709551616",
        "1234567890123456789", "12345678901234567890", "0.1", "0.2", "0.3", "2.2250738585072014e-308",
        "2.2250738585072011e-308", "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "1.7976931348623157e308", "1.7976931348623158e308", "1e308", "1e309", "1e-400", "1e400",
        "123456789012345678901234567890", "0.000000000000000000000000000001", "1e22", "1e23", "9e22",
        "8.98846567431158e307", "3.141592653589793238462643383279", "000123.4500", "1e0000000000000000000005",
        "7.2057594037927933e16", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "0.30000000000000004",
    ]

    @Test(arguments: edgeCases)
    func edgeCase(_ text: String) {
        expectSameAsStandardLibrary(text)
    }

    @Test(arguments: [
        "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "inf", "-inf", "nan", "NaN", "infinity",
        "0x1p3", "1,5", " 1", "1 ", "--1", "1e5x", "١",
    ])
    func notANumber(_ text: String) {
        #expect(parse(text) == nil)
    }

    @Test func randomDecimalsMatchStandardLibrary() {
        var random = SeededRandom(seed: 2024)
        for _ in 0..<200_000 {
            var text = ""
            if Bool.random(using: &random) { text += ["-", "+"].randomElement(using: &random) ?? "" }
            let integerDigits = Int.random(in: 0...22, using: &random)
            let fractionDigits = Int.random(in: 0...22, using: &random)
            for _ in 0..<integerDigits { text += String(Int.random(in: 0...9, using: &random)) }
            if fractionDigits > 0 || integerDigits == 0 {
                text += "."
                for _ in 0..<max(1, fractionDigits) { text += String(Int.random(in: 0...9, using: &random)) }
            }
            if Int.random(in: 0..<3, using: &random) == 0 {
                text += ["e", "E"].randomElement(using: &random) ?? "e"
                text += ["", "-", "+"].randomElement(using: &random) ?? ""
                text += String(Int.random(in: 0...350, using: &random))
            }
            expectSameAsStandardLibrary(text)
        }
    }

    @Test func randomDoublesRoundTrip() {
        var random = SeededRandom(seed: 99)
        for _ in 0..<100_000 {
            let value = Double(bitPattern: random.next())
            guard value.isFinite else { continue }
            expectSameAsStandardLibrary(value.description)
            let short = String(Double(Int32.random(in: -1_000_000...1_000_000, using: &random)) / 10_000)
            expectSameAsStandardLibrary(short)
        }
    }

    /// In a file a number is followed by more bytes: the value and where the number ends must not
    /// depend on what follows it.
    @Test func numbersFollowedByOtherBytesParseAsAlone() throws {
        var random = SeededRandom(seed: 7)
        let followers = Array(UInt8(0)...UInt8(255)).filter { $0 < 0x30 || $0 > 0x39 }
        for trial in 0..<100_000 {
            var text = ""
            if trial % 3 == 0 { text += "-" }
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                text += String(Int.random(in: 0...9, using: &random))
            }
            if trial % 2 == 0 || text.isEmpty || text == "-" {
                text += "."
                for _ in 0..<Int.random(in: 1...12, using: &random) {
                    text += String(Int.random(in: 0...9, using: &random))
                }
            }
            let alone = try #require(parse(text), "\(text)")
            var bytes = Array(text.utf8)
            bytes.append(followers[Int.random(in: 0..<followers.count, using: &random)])
            for _ in 0..<Int.random(in: 0...16, using: &random) {
                bytes.append(UInt8.random(in: 0...255, using: &random))
            }
            let parsed = CSVNumberParser.powersOfTen.withUnsafeBufferPointer { pow10 in
                bytes.withUnsafeBufferPointer { buffer -> (Double, Int)? in
                    guard let base = buffer.baseAddress, let pow = pow10.baseAddress,
                        let (value, next) = CSVNumberParser.parsePrefix(base, base + buffer.count, pow10: pow)
                    else { return nil }
                    return (value, next - base)
                }
            }
            // A follower 'e' / 'E' with digits after it extends the number: compare only plain ends.
            let follower = bytes[text.utf8.count]
            if follower | 0x20 == UInt8(ascii: "e") || follower == UInt8(ascii: ".") { continue }
            #expect(
                parsed?.0.bitPattern == alone.bitPattern && parsed?.1 == text.utf8.count,
                "\(text) + \(bytes[text.utf8.count...])")
        }
    }
}
