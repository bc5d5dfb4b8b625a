import Foundation
import Testing
@testable import Learning

/// A matrix's two stored forms: a readable `values` array below `binaryStorageThreshold` values,
/// base64 little-endian float64 bytes from it on; both read back bit for bit, damage refused.
struct MatrixStorageTests {
    private static func stored(_ matrix: Matrix) throws -> [String: Any] {
        let data = try ModelCoding.encoder().encode(matrix)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private static func decoded(_ object: [String: Any]) throws -> Matrix {
        try ModelCoding.decoder().decode(Matrix.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test func smallMatricesStayReadable() throws {
        let matrix = Matrix(rows: 2, columns: 2, values: [1, -0.5, .nan, 3])
        let object = try Self.stored(matrix)
        #expect(object["values"] != nil)
        #expect(object["float64"] == nil)
        let back = try Self.decoded(object)
        #expect(back.values[0] == 1 && back.values[1] == -0.5 && back.values[2].isNaN && back.values[3] == 3)
    }

    @Test func largeMatricesRoundTripBitForBit() throws {
        let count = Matrix.binaryStorageThreshold + 3
        var values = (0..<count).map { Double($0) * 0.1 - 7 }
        // The values a text form could lose: negative zero, infinities, a NaN, the extremes.
        values[0] = -0.0
        values[1] = .infinity
        values[2] = -.infinity
        values[3] = .nan
        values[4] = .leastNonzeroMagnitude
        values[5] = .greatestFiniteMagnitude
        values[6] = 1.0 / 3.0
        let matrix = Matrix(rows: count, columns: 1, values: values)
        let object = try Self.stored(matrix)
        #expect(object["values"] == nil)
        let text = try #require(object["float64"] as? String)
        #expect(text.utf8.count == (count * 8 + 2) / 3 * 4)
        let back = try Self.decoded(object)
        #expect(back.rows == count && back.columns == 1)
        #expect(back.values.map(\.bitPattern) == values.map(\.bitPattern))
        // The first value's bytes, little-endian: -0.0 is the sign bit alone, in the eighth byte.
        let bytes = try #require(Data(base64Encoded: text))
        #expect(Array(bytes.prefix(8)) == [0, 0, 0, 0, 0, 0, 0, 0x80])
    }

    @Test func eitherFormIsReadWhateverTheSize() throws {
        // A small matrix written as bytes (by hand or a later version) and a large one as numbers.
        let bytes = Data([1.5, -2.0].flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) })
        #expect(
            try Self.decoded(["rows": 1, "columns": 2, "float64": bytes.base64EncodedString()]).values == [1.5, -2])
        let count = Matrix.binaryStorageThreshold * 2
        let numbers = try Self.decoded(["rows": 2, "columns": count / 2, "values": (0..<count).map(Double.init)])
        #expect(numbers.values == (0..<count).map(Double.init))
    }

    @Test func damagedBytesAreRefused() throws {
        let matrix = Matrix(rows: 64, columns: 64, values: (0..<4096).map(Double.init))
        let object = try Self.stored(matrix)
        let text = try #require(object["float64"] as? String)
        var damaged: [(String, [String: Any])] = []
        var short = object
        short["float64"] = String(text.dropLast(4))
        damaged.append(("8 bytes short", short))
        var notBase64 = object
        notBase64["float64"] = "!" + text.dropFirst()
        damaged.append(("a character outside base64", notBase64))
        var wrongShape = object
        wrongShape["rows"] = 65
        damaged.append(("a shape the bytes do not fill", wrongShape))
        var huge = object
        huge["rows"] = Int.max / 4
        damaged.append(("a shape whose byte count overflows", huge))
        var negative = object
        negative["rows"] = -64
        negative["columns"] = -64
        damaged.append(("a negative shape", negative))
        var number = object
        number["float64"] = 12
        damaged.append(("a number for the bytes", number))
        for (what, object) in damaged {
            #expect(throws: DecodingError.self, "\(what)") { try Self.decoded(object) }
        }
    }
}
