import Foundation
import Testing
@testable import Learning

/// Long arrays in stored models are base64 little-endian bytes (`CompactArrayCoding`), short ones
/// numbers; both forms read back exactly, and damaged bytes are refused, not trusted.
struct CompactArrayCodingTests {
    private struct Holder: Codable {
        var doubles: [Double]
        var ints: [Int32]
        var flags: [Bool]
        enum CodingKeys: String, CodingKey { case doubles, ints, flags }
        init(doubles: [Double], ints: [Int32], flags: [Bool]) {
            (self.doubles, self.ints, self.flags) = (doubles, ints, flags)
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            doubles = try c.decodeCompact([Double].self, forKey: .doubles)
            ints = try c.decodeCompact([Int32].self, forKey: .ints)
            flags = try c.decodeCompact([Bool].self, forKey: .flags)
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeCompact(doubles, forKey: .doubles)
            try c.encodeCompact(ints, forKey: .ints)
            try c.encodeCompact(flags, forKey: .flags)
        }
    }

    private static func object(_ holder: Holder) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: ModelCoding.encoder().encode(holder)) as? [String: Any])
    }

    private static func decoded(_ object: [String: Any]) throws -> Holder {
        try ModelCoding.decoder().decode(Holder.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test(arguments: [
        0, 1, CompactArrayCoding.threshold - 1, CompactArrayCoding.threshold, CompactArrayCoding.threshold + 5,
    ])
    func roundTripsExactlyInTheFormItsLengthCalls(count: Int) throws {
        var doubles = (0..<count).map { Double($0) / 3 - 11 }
        let compact = count >= CompactArrayCoding.threshold
        // What only bytes keep exactly: the text form writes -0.0 as 0.
        if compact { (doubles[0], doubles[1], doubles[2]) = (-0.0, .infinity, .nan) }
        let ints = (0..<count).map { Int32($0 % 7 == 0 ? -1 : $0) }
        let flags = (0..<count).map { $0 % 3 == 0 }
        let holder = Holder(doubles: doubles, ints: ints, flags: flags)
        let object = try Self.object(holder)
        #expect(
            (object["doubles"] is String) == compact && (object["ints"] is String) == compact
                && (object["flags"] is String) == compact)
        if compact {
            // Bytes: 8, 4 and 1 per element, little-endian.
            let intsText = try #require(object["ints"] as? String)
            let flagsText = try #require(object["flags"] as? String)
            let bytes = try #require(Data(base64Encoded: intsText))
            #expect(
                bytes.count == 4 * count && Array(bytes.prefix(4)) == [0xFF, 0xFF, 0xFF, 0xFF]
                    && Array(bytes[4..<8]) == [1, 0, 0, 0])
            #expect(Data(base64Encoded: flagsText)?.count == count)
        }
        let back = try Self.decoded(object)
        #expect(back.doubles.map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(back.ints == ints && back.flags == flags)
    }

    @Test func eitherFormIsReadWhateverTheLength() throws {
        let bytes = Data([2.5, -1.0].flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) })
        let back = try Self.decoded([
            "doubles": bytes.base64EncodedString(), "ints": Data([7, 0, 0, 0]).base64EncodedString(), "flags": [true],
        ])
        #expect(back.doubles == [2.5, -1] && back.ints == [7] && back.flags == [true])
    }

    @Test func damagedBytesAreRefused() throws {
        let good: [String: Any] = ["doubles": [1.0], "ints": [1], "flags": [false]]
        let damages: [(String, String, Any)] = [
            ("a double's bytes one short", "doubles", Data(count: 7).base64EncodedString()),
            ("an Int32's bytes and a half", "ints", Data(count: 6).base64EncodedString()),
            ("a Bool byte of 2", "flags", Data([0, 1, 2]).base64EncodedString()),
            ("a character outside base64", "doubles", "!AAAAAAAAAA="),
            ("a number where bytes or an array go", "ints", 5),
        ]
        for (what, key, value) in damages {
            var object = good
            object[key] = value
            #expect(throws: DecodingError.self, "\(what)") { try Self.decoded(object) }
        }
    }

    /// A complete tree of 8,191 nodes (node i's children 2i + 1 and 2i + 2): stored compactly, read
    /// back equal; a child index changed inside its bytes is refused by the tree's own checks.
    @Test func aLargeTreeIsStoredAsBytesAndItsChecksStillHold() throws {
        let n = 8191
        let leaves = n / 2
        let isLeaf: (Int) -> Bool = { $0 >= n - leaves - 1 }
        let object: [String: Any] = [
            "valueWidth": 1, "feature": (0..<n).map { isLeaf($0) ? -1 : $0 % 3 },
            "threshold": (0..<n).map { Double($0) / 10 },
            "left": (0..<n).map { isLeaf($0) ? -1 : 2 * $0 + 1 }, "right": (0..<n).map { isLeaf($0) ? -1 : 2 * $0 + 2 },
            "missingGoesLeft": (0..<n).map { $0 % 2 == 0 }, "cover": [Double](repeating: 1, count: n),
            "values": (0..<n).map(Double.init),
        ]
        let tree = try ModelCoding.decoder().decode(Tree.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(tree.nodeCount == n && tree.depth == 12)
        let stored = try #require(
            try JSONSerialization.jsonObject(with: ModelCoding.encoder().encode(tree)) as? [String: Any])
        for key in ["feature", "threshold", "left", "right", "missingGoesLeft", "cover", "values"] {
            #expect(stored[key] is String, "\(key)")
        }
        #expect(
            try ModelCoding.decoder().decode(Tree.self, from: JSONSerialization.data(withJSONObject: stored)) == tree)
        let leftText = try #require(stored["left"] as? String)
        var left = try #require(Data(base64Encoded: leftText))
        left[0] = 0  // node 0's left child: itself
        var damaged = stored
        damaged["left"] = left.base64EncodedString()
        #expect(throws: DecodingError.self) {
            try ModelCoding.decoder().decode(Tree.self, from: JSONSerialization.data(withJSONObject: damaged))
        }
    }
}
