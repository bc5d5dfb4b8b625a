import Bundles
import Foundation

extension OpenInferenceModel {
    /// The common infer request read straight into the model's inputs, without building a
    /// `JSONValue` tree: `{"id"?, "inputs": [...], "outputs"?: [{"name"}...]}` whose tensors have
    /// only name, shape, datatype and flat data, every string written plainly (no escapes), every
    /// input sent once. Anything else — parameters, nested data, an unknown or repeated key, any
    /// problem at all — returns nil and the full decoding (`request`) answers or explains; so this
    /// only ever accepts what the full path accepts, with the same rows (a property test checks it).
    func fastRequest(_ body: Data) -> Request? {
        body.withUnsafeBytes { raw in
            var parser = JSONParser(raw.bindMemory(to: UInt8.self))
            return parser.inferRequest(self)
        }
    }
}

extension JSONParser {
    fileprivate mutating func inferRequest(_ model: OpenInferenceModel) -> OpenInferenceModel.Request? {
        var id: String?
        var outputs: [OpenInferenceModel.Output]?
        // Row-major [rows, features], made once the first tensor says how many rows: each
        // tensor's values land in their column straight from one reused scratch array.
        var table = InputTable(features: model.features.count)
        var sawInputs = false
        guard enterObject() else { return nil }
        repeat {
            guard let key = plainString(), colon() else { return nil }
            if Self.same(key, "inputs") {
                guard !sawInputs, inputs(model, into: &table) else { return nil }
                sawInputs = true
            } else if Self.same(key, "id") {
                guard id == nil, let text = plainText() else { return nil }
                id = text
            } else if Self.same(key, "outputs") {
                guard outputs == nil, let chosen = requestedOutputs(model) else { return nil }
                outputs = chosen
            } else {
                return nil
            }
        } while nextMember()
        guard endObject(), skipToEnd(), sawInputs, table.rowCount >= 1, table.isComplete else { return nil }
        let f = table.features
        var rows: [[JSONScalar]] = []
        rows.reserveCapacity(table.rowCount)
        for r in 0..<table.rowCount { rows.append(Array(table.values[(r * f)..<((r + 1) * f)])) }
        return OpenInferenceModel.Request(id: id, rows: rows, outputs: outputs ?? model.outputs)
    }

    /// `[tensor, ...]`, at least one, each a known input sent once, all with the same rows.
    private mutating func inputs(_ model: OpenInferenceModel, into table: inout InputTable) -> Bool {
        guard enterArray(), current != UInt8(ascii: "]") else { return false }
        var next = 0
        var scratch: [JSONScalar] = []
        repeat {
            guard let index = tensor(model, expected: next, values: &scratch), table.add(scratch, column: index) else {
                return false
            }
            next = index + 1
        } while nextItem()
        return endArray()
    }

    /// `{"name", "shape", "datatype", "data"}` in any order: the input's index, its values in `data`.
    /// - Parameter expected: the input tried first (clients send them in the metadata's order).
    private mutating func tensor(_ model: OpenInferenceModel, expected: Int, values data: inout [JSONScalar]) -> Int? {
        var index: Int?
        var shape: (rows: Int, width: Int?)?
        var datatype: UnsafeBufferPointer<UInt8>?
        var sawData = false
        guard enterObject() else { return nil }
        repeat {
            guard let key = plainString(), colon() else { return nil }
            if Self.same(key, "name") {
                guard index == nil, let name = plainString() else { return nil }
                // The name's bytes against the expected input's, else by name (as the full path looks it up).
                if expected < model.inputNames.count, Self.same(name, model.inputNames[expected]) {
                    index = expected
                } else {
                    guard let text = String(validating: name, as: UTF8.self), let i = model.inputIndex(text) else {
                        return nil
                    }
                    index = i
                }
            } else if Self.same(key, "shape") {
                guard shape == nil, let dimensions = self.shape() else { return nil }
                shape = dimensions
            } else if Self.same(key, "datatype") {
                guard datatype == nil, let type = plainString() else { return nil }
                datatype = type
            } else if Self.same(key, "data") {
                guard !sawData, flatData(limit: model.maximumRows, into: &data) else { return nil }
                sawData = true
            } else {
                return nil
            }
        } while nextMember()
        guard endObject(), let index, let shape, let datatype, sawData else { return nil }
        // [N, 1] or [N], 1 <= N <= the row limit, N values.
        guard shape.width == nil || shape.width == 1, shape.rows >= 1, shape.rows <= model.maximumRows,
            data.count == shape.rows
        else { return nil }
        if model.inputIsNumeric[index] {
            let integral: Bool
            if Self.same(datatype, "FP64") {
                integral = false
            } else {
                let type = String(decoding: datatype, as: UTF8.self)
                guard OpenInferenceModel.numericTypes.contains(type) else { return nil }
                integral = OpenInferenceModel.integerTypes.contains(type)
            }
            // By index: iterating a copy while writing would copy the array.
            for r in data.indices {
                switch data[r] {
                case .null: continue
                case .number(let d) where d.isNaN: data[r] = .null
                case .number(let d):
                    guard JSONScalar.numberProblem(d) == nil, !integral || d == d.rounded() else { return nil }
                case .text: return nil
                }
            }
        } else {
            guard Self.same(datatype, "BYTES") else { return nil }
            for r in data.indices {
                switch data[r] {
                case .null: continue
                // "" is a missing text, as in the full path.
                case .text(let s): if s.isEmpty { data[r] = .null }
                case .number: return nil
                }
            }
        }
        return index
    }

    /// `[N]` or `[N, W]` of non-negative integers below 9e15, as the full path requires; other
    /// ranks are left to it.
    private mutating func shape() -> (rows: Int, width: Int?)? {
        guard enterArray(), let rows = dimension() else { return nil }
        var width: Int?
        if nextItem() {
            guard let w = dimension() else { return nil }
            width = w
        }
        return endArray() ? (rows, width) : nil
    }

    private mutating func dimension() -> Int? {
        guard let d = try? number(), d.isFinite, d >= 0, d == d.rounded(), d < 9e15 else { return nil }
        return Int(d)
    }

    /// A flat array of numbers, `NaN`, strings and nulls, at most `limit` of them, into `values`
    /// (emptied first); nested data, booleans or anything else is left to the full path.
    private mutating func flatData(limit: Int, into values: inout [JSONScalar]) -> Bool {
        values.removeAll(keepingCapacity: true)
        guard enterArray() else { return false }
        if current == UInt8(ascii: "]") { return endArray() }
        repeat {
            guard values.count < limit, let c = current else { return false }
            switch c {
            case UInt8(ascii: "\""):
                guard let text = plainText() else { return false }
                values.append(.text(text))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard let d = try? number() else { return false }
                values.append(.number(d))
            case UInt8(ascii: "N"):
                guard (try? literal("NaN")) != nil else { return false }
                values.append(.number(.nan))
            case UInt8(ascii: "n"):
                guard (try? literal("null")) != nil else { return false }
                values.append(.null)
            default:
                return false
            }
        } while nextItem()
        return endArray()
    }

    /// `[{"name": ...}, ...]`, at least one, each a distinct output of the model.
    private mutating func requestedOutputs(_ model: OpenInferenceModel) -> [OpenInferenceModel.Output]? {
        guard enterArray(), current != UInt8(ascii: "]") else { return nil }
        var chosen: [OpenInferenceModel.Output] = []
        repeat {
            guard enterObject(), let key = plainString(), Self.same(key, "name"), colon(), let name = plainText(),
                endObject(), let output = model.outputs.first(where: { $0.name == name }), !chosen.contains(output)
            else { return nil }
            chosen.append(output)
        } while nextItem()
        return endArray() ? chosen : nil
    }

    // MARK: punctuation (each skips the white space after it)

    private mutating func punctuation(_ c: Unicode.Scalar) -> Bool {
        guard current == UInt8(ascii: c) else { return false }
        at += 1
        skipSpace()
        return true
    }

    /// `{` then the first key's quote: an empty object is left to the full path.
    private mutating func enterObject() -> Bool {
        skipSpace()
        return punctuation("{") && current == UInt8(ascii: "\"")
    }

    private mutating func endObject() -> Bool {
        skipSpace()
        return punctuation("}")
    }

    private mutating func enterArray() -> Bool {
        skipSpace()
        return punctuation("[")
    }

    private mutating func endArray() -> Bool {
        skipSpace()
        return punctuation("]")
    }

    private mutating func colon() -> Bool {
        skipSpace()
        return punctuation(":") && current != nil
    }

    /// A comma before another member (its key's quote must follow); false at anything else.
    private mutating func nextMember() -> Bool {
        skipSpace()
        return punctuation(",") && current == UInt8(ascii: "\"")
    }

    /// A comma before another item; false at anything else.
    private mutating func nextItem() -> Bool {
        skipSpace()
        return punctuation(",")
    }

    /// Nothing but white space after the value.
    private mutating func skipToEnd() -> Bool {
        skipSpace()
        return at == bytes.count
    }
}

/// The fast path's rows as they arrive by column: row-major `[rows, features]`, every cell
/// written by exactly one tensor.
private struct InputTable {
    let features: Int
    private(set) var rowCount = -1
    private(set) var values: [JSONScalar] = []
    private var filled: [Bool]
    private var filledCount = 0

    init(features: Int) {
        self.features = features
        filled = [Bool](repeating: false, count: features)
    }

    /// Every input was sent.
    var isComplete: Bool { filledCount == features }

    /// Writes `column`'s values; false for a column sent twice or a row count unlike the first's.
    mutating func add(_ column: [JSONScalar], column index: Int) -> Bool {
        guard filled.indices.contains(index), !filled[index] else { return false }
        if rowCount < 0 {
            rowCount = column.count
            values = [JSONScalar](repeating: .null, count: rowCount * features)
        }
        guard column.count == rowCount else { return false }
        for (r, value) in column.enumerated() { values[r * features + index] = value }
        filled[index] = true
        filledCount += 1
        return true
    }
}
