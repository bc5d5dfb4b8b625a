import Foundation
import Learning
import Tabular

/// Model decoding, structure-aware: real fitted pipelines of every family (built at start-up from
/// small seeded data) are JSON-encoded, and the fuzzer's bytes pick one and mutate its JSON tree —
/// numbers made huge, negative, NaN or out-of-range integers; arrays shortened, lengthened or
/// emptied; subtrees swapped, copied or removed. The result is decoded as a `PipelineModel`; if it
/// decodes, it predicts a few rows (frame and row paths). It must never trap or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    var bytes = ByteStream(UnsafeRawBufferPointer(start: start, count: count))
    let models = Models.shared
    let pick = Int(bytes.next()) % models.documents.count
    var document = models.documents[pick]
    var mutations = 0
    while !bytes.isEmpty && mutations < 8 {
        Mutator.mutate(&document, &bytes)
        mutations += 1
    }
    guard let data = try? JSONEncoder().encode(document) else { return 0 }
    guard let pipeline = try? ModelCoding.decoder().decode(PipelineModel.self, from: data) else { return 0 }
    _ = try? pipeline.predict(models.frame)
    let rows: [[FeatureValue]] = [
        [.number(1), .text("b"), .number(-2)],
        [.missing, .text("zzz"), .number(1e300)],
        [.number(.nan)],
    ]
    let x = pipeline.preprocessor.transform(rows: rows, levels: pipeline.preprocessor.levelIndexes())
    _ = pipeline.fitted.model.predict(x)
    return 0
}

/// The fuzzer's bytes, read one at a time (zero once used up).
struct ByteStream {
    private let bytes: UnsafeRawBufferPointer
    private var at = 1

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isEmpty: Bool { at >= bytes.count }

    mutating func next() -> UInt8 {
        guard at < bytes.count else { return 0 }
        defer { at += 1 }
        return bytes[at]
    }

    mutating func nextInt(below n: Int) -> Int { n <= 1 ? 0 : (Int(next()) << 8 | Int(next())) % n }
}

/// A JSON document as a tree the mutator can edit.
indirect enum JSON: Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// The tree of a `JSONSerialization` result, for the start-up documents. Built once per process
    /// and kept by `Models.shared` for its whole life, these trees are what LeakSanitizer reports at
    /// exit (about 0.7 MB, whether built this way or through `Codable`): it does not see them as
    /// reachable, likely because Swift keeps enum case tags in the spare bits of the box pointers.
    /// No per-input leak: `run.sh` turns the at-exit report off (detect_leaks=0).
    static func tree(_ value: Any) -> JSON {
        switch value {
        case is NSNull: return .null
        case let number as NSNumber:
            // JSONSerialization gives booleans as NSNumber too; their Objective-C type is "c".
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            return .number(number.doubleValue)
        case let string as String: return .string(string)
        case let array as [Any]: return .array(array.map(tree))
        case let object as [String: Any]: return .object(object.mapValues(tree))
        default: return .null
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSON].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// Byte-driven edits of a JSON tree.
enum Mutator {
    /// Numbers that break assumptions: indices past any array, negative, huge, fractional.
    static let numbers: [Double] = [
        0, -1, 1, 2, 3, -2, 7, 100_000_000, -100_000_000, 2_147_483_647, -2_147_483_648,
        9_007_199_254_740_992, 1e300, -1e300, 0.5, 1e-300, 65_536, 1_000, 1_001,
    ]
    static let specials = ["nan", "inf", "-inf"]

    /// Walks down from the root choosing children by the bytes, then edits the node it stops at.
    static func mutate(_ node: inout JSON, _ bytes: inout ByteStream) {
        let step = bytes.next()
        // Stop here with probability about 1/4 per level, or at a leaf.
        if step & 3 == 0 || !hasChildren(node) {
            edit(&node, &bytes)
            return
        }
        switch node {
        case .array(var items):
            let i = bytes.nextInt(below: items.count)
            node = .null  // keeps `items` uniquely referenced while it is edited
            mutate(&items[i], &bytes)
            node = .array(items)
        case .object(var members):
            let keys = members.keys.sorted()
            let key = keys[bytes.nextInt(below: keys.count)]
            node = .null
            if var child = members[key] {
                mutate(&child, &bytes)
                members[key] = child
            }
            node = .object(members)
        default:
            edit(&node, &bytes)
        }
    }

    static func hasChildren(_ node: JSON) -> Bool {
        switch node {
        case .array(let a): !a.isEmpty
        case .object(let o): !o.isEmpty
        default: false
        }
    }

    static func edit(_ node: inout JSON, _ bytes: inout ByteStream) {
        let kind = bytes.next()
        switch node {
        case .number(let d):
            switch kind % 6 {
            case 0, 1: node = .number(numbers[Int(bytes.next()) % numbers.count])
            case 2: node = .string(specials[Int(bytes.next()) % specials.count])
            case 3: node = .number(d + Double(Int(Int8(bitPattern: bytes.next()))))
            case 4: node = .number(-d)
            default: node = .number(d * 1e6)
            }
        case .array(var items):
            switch kind % 7 {
            case 0: items.removeAll()
            case 1: if !items.isEmpty { items.removeLast(1 + bytes.nextInt(below: items.count)) }
            case 2:
                if let last = items.last {
                    items.append(contentsOf: repeatElement(last, count: 1 + Int(bytes.next() % 8)))
                }
            case 3:
                if items.count >= 2 {
                    items.swapAt(bytes.nextInt(below: items.count), bytes.nextInt(below: items.count))
                }
            case 4:
                if !items.isEmpty {
                    items[bytes.nextInt(below: items.count)] = items[bytes.nextInt(below: items.count)]
                }
            case 5: items.append(.number(numbers[Int(bytes.next()) % numbers.count]))
            default: if !items.isEmpty { items.remove(at: bytes.nextInt(below: items.count)) }
            }
            node = .array(items)
        case .object(var members):
            let keys = members.keys.sorted()
            guard !keys.isEmpty else { return }
            let a = keys[bytes.nextInt(below: keys.count)], b = keys[bytes.nextInt(below: keys.count)]
            switch kind % 4 {
            case 0: members[a] = nil
            case 1: (members[a], members[b]) = (members[b], members[a])
            case 2: members[a] = members[b]
            default: members[a] = .null
            }
            node = .object(members)
        case .string:
            node =
                kind & 1 == 0
                ? .string(specials[Int(bytes.next()) % specials.count])
                : .string(["", "a", "b", "regression", "classification", "tree", "knn"][Int(bytes.next()) % 7])
        case .bool(let b):
            node = kind & 1 == 0 ? .bool(!b) : .number(1)
        case .null:
            node = .number(numbers[Int(kind) % numbers.count])
        }
    }
}

/// Fitted pipelines of every family and task, JSON-encoded, made once per process.
final class Models: Sendable {
    static let shared = Models()
    let frame: DataFrame
    let documents: [JSON]

    private init() {
        // 40 rows: two numbers (one with missing values), a text column, a 3-class label and a value.
        var generator = SeededGenerator(seed: 7)
        let n = 40
        var x1: [Double] = [], x2: [Double] = [], colour: [Int32] = [], label: [Int32] = [], value: [Double] = []
        for r in 0..<n {
            let a = generator.nextUnit() * 10, b = generator.nextUnit()
            x1.append(r % 9 == 0 ? .nan : a)
            x2.append(b)
            colour.append(Int32(r % 3))
            label.append(Int32(a < 3 ? 0 : (a < 6 ? 1 : 2)))
            value.append(a * 2 + b)
        }
        do {
            frame = try DataFrame(columns: [
                Column(name: "x1", data: .numeric(x1)),
                Column(name: "colour", data: .categorical(codes: colour, levels: ["a", "b", "c"])),
                Column(name: "x2", data: .numeric(x2)),
                Column(name: "label", data: .categorical(codes: label, levels: ["low", "mid", "high"])),
                Column(
                    name: "binary", data: .categorical(codes: label.map { $0 == 0 ? 0 : 1 }, levels: ["no", "yes"])),
                Column(name: "value", data: .numeric(value)),
            ])
            let small: [String: [String: ParameterValue]] = [
                "forest": ["n_estimators": .int(3), "max_depth": .int(4)],
                "boost": ["max_iter": .int(3), "min_samples_leaf": .int(3)],
                "mlp": ["hidden": .int(4), "max_iter": .int(5)],
                "knn": ["k": .int(3)],
                "tree": ["max_depth": .int(5)],
            ]
            var documents: [JSON] = []
            for algorithm in AlgorithmRegistry.all {
                for target in ["label", "binary", "value"] {
                    let task: Task = target == "value" ? .regression : .classification
                    guard algorithm.tasks.contains(task) else { continue }
                    let pipeline = try PipelineModel.train(
                        algorithm: algorithm, parameters: small[algorithm.name] ?? [:], frame: frame, target: target,
                        features: ["x1", "colour", "x2"], missingIndicators: target == "binary",
                        context: FitContext(seed: 3))
                    let data = try ModelCoding.encoder().encode(pipeline)
                    documents.append(
                        JSON.tree(try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)))
                }
            }
            self.documents = documents
        } catch {
            preconditionFailure("cannot prepare the fuzz models: \(error)")
        }
    }
}
