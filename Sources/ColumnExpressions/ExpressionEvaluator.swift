import Foundation
public import Tabular
import Parallelism

/// An expression's value over every row: whole columns, or one constant for every row.
/// Conditions are three-valued (`1` true, `0` false, `-1` missing): a comparison with a missing
/// value is missing, `and` / `or` follow Kleene's logic, `filter` keeps only true rows.
public enum ColumnValues: Sendable {
    case number([Double])
    case boolean([Int8])
    case text(codes: [Int32], levels: [String])
    case constantNumber(Double)
    case constantText(String)
    case constantBoolean(Bool)

    /// As a table column: conditions become 0/1 numbers (missing stays missing).
    public func column(named name: String, rows: Int) -> Column {
        switch self {
        case .number(let v): Column(name: name, data: .numeric(v))
        case .boolean(let b): Column(name: name, data: .numeric(b.map { $0 < 0 ? .nan : Double($0) }))
        case .text(let codes, let levels): Column(name: name, data: Self.compacted(codes: codes, levels: levels))
        case .constantNumber(let x): Column(name: name, data: .numeric(Array(repeating: x, count: rows)))
        case .constantBoolean(let b): Column(name: name, data: .numeric(Array(repeating: b ? 1 : 0, count: rows)))
        case .constantText(let s):
            Column(name: name, data: .categorical(codes: Array(repeating: 0, count: rows), levels: [s]))
        }
    }

    /// The rows where a condition holds; `missing` counts rows where it could not be decided.
    public func trueRows(count rows: Int) -> (rows: [Int], missing: Int) {
        switch self {
        case .boolean(let b):
            var out: [Int] = []
            out.reserveCapacity(rows / 2)
            var missing = 0
            b.withUnsafeBufferPointer { p in
                for i in 0..<p.count {
                    let v = p[i]
                    if v == 1 { out.append(i) } else if v < 0 { missing += 1 }
                }
            }
            return (out, missing)
        case .constantBoolean(true): return (Array(0..<rows), 0)
        default: return ([], 0)
        }
    }

    /// Text codes with repeated levels merged (after `lower`, `trim`, …) and the levels no row uses dropped.
    static func compacted(codes: [Int32], levels: [String]) -> ColumnData {
        var used = [Bool](repeating: false, count: levels.count)
        for c in codes where c >= 0 { used[Int(c)] = true }
        var index: [String: Int32] = [:]
        var newLevels: [String] = []
        var remap = [Int32](repeating: -1, count: levels.count)
        for (i, level) in levels.enumerated() where used[i] {
            if let existing = index[level] {
                remap[i] = existing
                continue
            }
            let code = Int32(newLevels.count)
            index[level] = code
            newLevels.append(level)
            remap[i] = code
        }
        if newLevels.count == levels.count, remap.enumerated().allSatisfy({ Int($0.element) == $0.offset }) {
            return .categorical(codes: codes, levels: levels)
        }
        return .categorical(codes: codes.map { $0 < 0 ? -1 : remap[Int($0)] }, levels: newLevels)
    }
}

/// Computes expressions over a table, a whole column at a time. Expressions must have been
/// type-checked (`ColumnExpression.type(in:)`); the evaluator counts the rows where a value
/// could not be computed (division by zero, log of a non-positive number) and gives them a
/// missing value instead of failing.
public struct ExpressionEvaluator {
    public let frame: DataFrame
    /// The format of each date column a date part read: fixed when a model recorded it, else
    /// detected from the column and recorded here.
    public var dateFormats: [String: DateFormat]
    /// Rows that got a missing value, by reason ("division by zero": 3).
    public private(set) var notes: [String: Int] = [:]
    private(set) var extra: [String: Column] = [:]
    /// Numeric operators and filter conditions run over blocks of rows (`BlockProgram`); off, every
    /// operator writes a whole column, as the reference the block programs are tested against.
    var usesBlocks = true
    /// Date columns whose unreadable values are already counted (year(d) + month(d) counts them once).
    private var countedDateColumns: Set<String> = []

    public init(frame: DataFrame, dateFormats: [String: DateFormat] = [:]) {
        self.frame = frame
        self.dateFormats = dateFormats
    }

    /// Makes `column` readable by later expressions (a derived column defined earlier in the same command).
    public mutating func add(_ column: Column) { extra[column.name] = column }

    var rows: Int { frame.rowCount }

    func column(named name: String) -> Column? { extra[name] ?? frame.column(named: name) }

    mutating func note(_ reason: String, _ count: Int) {
        if count > 0 { notes[reason, default: 0] += count }
    }

    public mutating func evaluate(_ expression: ColumnExpression) throws(ExpressionError) -> ColumnValues {
        if usesBlocks, rows > 0, Self.isBlockNumberOperator(expression), !expression.columns.isEmpty {
            return try blockNumbers(expression)
        }
        switch expression {
        case .number(let v, _): return .constantNumber(v)
        case .text(let s, _): return .constantText(s)
        case .boolean(let b, _): return .constantBoolean(b)
        case .column(let name, let span):
            guard let column = extra[name] ?? frame.column(named: name) else {
                throw ExpressionError("no column '\(name)'", at: span)
            }
            switch column.data {
            case .numeric(let v): return .number(v)
            case .categorical(let codes, let levels): return .text(codes: codes, levels: levels)
            }
        case .negate(let a, _):
            return Self.mapNumber(try evaluate(a)) { -$0 }
        case .not(let a, _):
            return Self.mapBoolean(try evaluate(a)) { $0 < 0 ? -1 : 1 - $0 }
        case .isMissing(let a, let negated, _):
            let v = try evaluate(a)
            let yes: Int8 = negated ? 0 : 1
            switch v {
            case .number(let x): return .boolean(x.map { $0.isNaN ? yes : 1 - yes })
            case .boolean(let b): return .boolean(b.map { $0 < 0 ? yes : 1 - yes })
            case .text(let codes, _): return .boolean(codes.map { $0 < 0 ? yes : 1 - yes })
            case .constantNumber(let x): return .constantBoolean(x.isNaN == !negated)
            default: return .constantBoolean(negated)
            }
        case .membership(let a, let items, let negated, _):
            let v = try evaluate(a)
            let hit: Int8 = negated ? 0 : 1
            switch v {
            case .number(let x):
                let set = Set(items.compactMap { if case .number(let n, _) = $0 { n } else { nil } })
                return .boolean(x.map { $0.isNaN ? -1 : (set.contains($0) ? hit : 1 - hit) })
            case .text(let codes, let levels):
                let set = Set(items.compactMap { if case .text(let s, _) = $0 { s } else { nil } })
                let perLevel = levels.map { set.contains($0) ? hit : 1 - hit }
                return .boolean(codes.map { $0 < 0 ? -1 : perLevel[Int($0)] })
            case .constantNumber(let x):
                return .constantBoolean(
                    items.contains { if case .number(let n, _) = $0 { n == x } else { false } } != negated)
            case .constantText(let s):
                return .constantBoolean(
                    items.contains { if case .text(let t, _) = $0 { t == s } else { false } } != negated)
            default: throw ExpressionError("'in' needs a number or text on its left", at: a.span)
            }
        case .binary(let op, let a, let b, let span):
            let left = try evaluate(a)
            let right = try evaluate(b)
            if op.isArithmetic { return arithmetic(op, left, right) }
            if op.isLogical { return Self.logical(op, left, right) }
            return try Self.compare(op, left, right, span)
        case .call(let name, let arguments, let span):
            return try call(name, arguments, span)
        }
    }

    // MARK: numbers

    static func mapNumber(_ v: ColumnValues, _ f: (Double) -> Double) -> ColumnValues {
        switch v {
        case .number(let x): .number(x.map(f))
        case .constantNumber(let x): .constantNumber(f(x))
        default: v
        }
    }

    static func mapBoolean(_ v: ColumnValues, _ f: (Int8) -> Int8) -> ColumnValues {
        switch v {
        case .boolean(let b): .boolean(b.map(f))
        case .constantBoolean(let b): .constantBoolean(f(b ? 1 : 0) == 1)
        default: v
        }
    }

    private mutating func arithmetic(_ op: BinaryOperator, _ a: ColumnValues, _ b: ColumnValues) -> ColumnValues {
        var zeroDivisions = 0
        let result: ColumnValues
        let infinite: Int
        switch op {
        case .add: (result, infinite) = Self.zipNumbers(Add.self, a, b)
        case .subtract: (result, infinite) = Self.zipNumbers(Subtract.self, a, b)
        case .multiply: (result, infinite) = Self.zipNumbers(Multiply.self, a, b)
        case .divide:
            zeroDivisions = Self.zeroDivisors(a, b)
            (result, infinite) = Self.zipNumbers(Divide.self, a, b)
        default:
            zeroDivisions = Self.zeroDivisors(a, b)
            (result, infinite) = Self.zipNumbers(Remainder.self, a, b)
        }
        note("division by zero", zeroDivisions)
        // Counted in the same pass: a second look only when something overflowed.
        return infinite > 0 ? finite(result, a, b) : result
    }

    /// One arithmetic operator as a type, so each loop is specialised (no call per row).
    protocol NumberKernel { static func apply(_ x: Double, _ y: Double) -> Double }
    enum Add: NumberKernel { @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double { x + y } }
    enum Subtract: NumberKernel { @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double { x - y } }
    enum Multiply: NumberKernel { @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double { x * y } }
    enum Divide: NumberKernel {
        @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double { y == 0 ? .nan : x / y }
    }
    /// Floored, as in Python and pandas: -7 % 3 is 2.
    enum Remainder: NumberKernel {
        @inline(__always) static func apply(_ x: Double, _ y: Double) -> Double {
            y == 0 ? .nan : x - y * (x / y).rounded(.down)
        }
    }

    /// `K` row by row (in chunks on every core for large columns), and how many results are infinite.
    static func zipNumbers<K: NumberKernel>(_ kernel: K.Type, _ a: ColumnValues, _ b: ColumnValues) -> (
        ColumnValues, infinite: Int
    ) {
        switch (a, b) {
        case (.number(let x), .number(let y)) where x.count == y.count:
            return x.withUnsafeBufferPointer { px in
                y.withUnsafeBufferPointer { py in
                    zipRows(K.self, Rows(SharedPointer(px)), Rows(SharedPointer(py)), count: x.count)
                }
            }
        case (.number(let x), .constantNumber(let c)):
            return x.withUnsafeBufferPointer { px in
                zipRows(K.self, Rows(SharedPointer(px)), Constant(value: c), count: x.count)
            }
        case (.constantNumber(let c), .number(let y)):
            return y.withUnsafeBufferPointer { py in
                zipRows(K.self, Constant(value: c), Rows(SharedPointer(py)), count: y.count)
            }
        case (.constantNumber(let c), .constantNumber(let d)):
            let r = K.apply(c, d)
            return (.constantNumber(r), r.isInfinite ? 1 : 0)
        default:
            return (.constantNumber(.nan), 0)
        }
    }

    /// One side of an operator: a column's rows, or one number for every row (both specialised away).
    protocol Operand: Sendable { subscript(_ row: Int) -> Double { get } }
    struct Rows: Operand {
        let values: SharedPointer<UnsafeBufferPointer<Double>>
        init(_ values: SharedPointer<UnsafeBufferPointer<Double>>) { self.values = values }
        @inline(__always) subscript(_ row: Int) -> Double { values.pointer[row] }
    }
    struct Constant: Operand {
        let value: Double
        @inline(__always) subscript(_ row: Int) -> Double { value }
    }

    /// The loop behind `zipNumbers`: `count` rows of `K(x, y)` and the number of infinite results.
    static func zipRows<K: NumberKernel, X: Operand, Y: Operand>(_ kernel: K.Type, _ x: X, _ y: Y, count: Int) -> (
        ColumnValues, infinite: Int
    ) {
        let (values, infinite) = filledCounting(count) { range, out in
            var infinite = 0
            for i in range {
                let r = K.apply(x[i], y[i])
                out[i] = r
                infinite &+= r.isInfinite ? 1 : 0
            }
            return infinite
        }
        return (.number(values), infinite)
    }

    /// Rows where the divisor is 0 and the dividend present: those get a missing value.
    static func zeroDivisors(_ a: ColumnValues, _ b: ColumnValues) -> Int {
        switch (a, b) {
        case (.number(let x), .number(let y)): zip(x, y).reduce(0) { $0 + (!$1.0.isNaN && $1.1 == 0 ? 1 : 0) }
        case (.constantNumber(let x), .number(let y)): x.isNaN ? 0 : y.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        case (.number(let x), .constantNumber(0)): x.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
        case (.constantNumber(let x), .constantNumber(0)): x.isNaN ? 0 : 1
        default: 0
        }
    }

    /// Results that overflow to infinity become missing values, counted: a model cannot learn from ∞.
    private mutating func finite(_ v: ColumnValues, _ inputs: ColumnValues...) -> ColumnValues {
        switch v {
        case .number(var x):
            // Read first: rewriting would copy the whole column (`v` still holds it) for nothing.
            let infinite = x.withUnsafeBufferPointer { p in p.reduce(0) { $0 + ($1.isInfinite ? 1 : 0) } }
            guard infinite > 0 else { return v }
            var count = 0
            x.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count where p[i].isInfinite {
                    p[i] = .nan
                    count += 1
                }
            }
            note("a result too large for a number", count)
            return .number(x)
        case .constantNumber(let x) where x.isInfinite:
            note("a result too large for a number", rows)
            return .constantNumber(.nan)
        default:
            return v
        }
    }

    /// A new column of `count` numbers, `body` writing each range of rows; large columns in
    /// chunks on every core (each row depends on its own inputs only, so the result is the same).
    static func filled(_ count: Int, _ body: (_ rows: Range<Int>, _ out: UnsafeMutablePointer<Double>) -> Void)
        -> [Double]
    {
        filledCounting(count) { rows, out in
            body(rows, out)
            return 0
        }.values
    }

    /// Asks Linux for transparent huge pages under a large new column before it is first written,
    /// as numpy does: a fresh 8 MB column otherwise takes 2,048 page faults. Only the 2 MiB-aligned
    /// interior is advised; a refusal (huge pages off) changes nothing.
    static func adviseHugePages(_ base: UnsafeMutablePointer<Double>, count: Int) {
        #if os(Linux)
        let bytes = count * MemoryLayout<Double>.stride
        let huge = 2 << 20
        guard bytes >= 2 * huge else { return }
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + bytes) & ~(huge - 1)
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, 14)  // MADV_HUGEPAGE
        #endif
    }

    /// `filled`, with a count each chunk returns, added up.
    static func filledCounting(_ count: Int, _ body: (_ rows: Range<Int>, _ out: UnsafeMutablePointer<Double>) -> Int)
        -> (values: [Double], count: Int)
    {
        guard count > 0 else { return ([], 0) }
        var total = 0
        let values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            adviseHugePages(base, count: count)
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let chunks = count >= 1 << 17 ? cores * 4 : 1
            let size = (count + chunks - 1) / chunks
            let out = SharedPointer(base)
            // Shared as is: each chunk writes only its own rows of `out`.
            total = withoutActuallyEscaping(body) { body in
                let work = SharedPointer(body)
                return parallelMap(chunks, threads: min(chunks, cores)) { c in
                    work.pointer(min(count, c * size)..<min(count, (c + 1) * size), out.pointer)
                }.reduce(0, +)
            }
            initialized = count
        }
        return (values, total)
    }

    static func zipNumbers(_ a: ColumnValues, _ b: ColumnValues, _ rows: Int, _ f: (Double, Double) -> Double)
        -> ColumnValues
    {
        switch (a, b) {
        case (.number(let x), .number(let y)) where x.count == y.count:
            return .number(
                x.withUnsafeBufferPointer { px in
                    y.withUnsafeBufferPointer { py in
                        let (sx, sy) = (SharedPointer(px), SharedPointer(py))
                        return filled(x.count) { range, out in
                            for i in range { out[i] = f(sx.pointer[i], sy.pointer[i]) }
                        }
                    }
                })
        case (.number(let x), .constantNumber(let c)):
            return .number(
                x.withUnsafeBufferPointer { px in
                    let sx = SharedPointer(px)
                    return filled(x.count) { range, out in for i in range { out[i] = f(sx.pointer[i], c) } }
                })
        case (.constantNumber(let c), .number(let y)):
            return .number(
                y.withUnsafeBufferPointer { py in
                    let sy = SharedPointer(py)
                    return filled(y.count) { range, out in for i in range { out[i] = f(c, sy.pointer[i]) } }
                })
        case (.constantNumber(let c), .constantNumber(let d)):
            return .constantNumber(f(c, d))
        default:
            return .constantNumber(.nan)
        }
    }

    // MARK: conditions

    static func logical(_ op: BinaryOperator, _ a: ColumnValues, _ b: ColumnValues) -> ColumnValues {
        // Kleene: false and missing is false, true or missing is true, otherwise missing propagates.
        let isAnd = op == .and
        let f = { (x: Int8, y: Int8) -> Int8 in
            if isAnd {
                if x == 0 || y == 0 { return 0 }
                return x < 0 || y < 0 ? -1 : 1
            }
            if x == 1 || y == 1 { return 1 }
            return x < 0 || y < 0 ? -1 : 0
        }
        switch (a, b) {
        case (.boolean(let x), .boolean(let y)): return .boolean(zip(x, y).map { f($0, $1) })
        case (.boolean(let x), .constantBoolean(let c)):
            let cv: Int8 = c ? 1 : 0
            return .boolean(x.map { f($0, cv) })
        case (.constantBoolean(let c), .boolean(let y)):
            let cv: Int8 = c ? 1 : 0
            return .boolean(y.map { f(cv, $0) })
        case (.constantBoolean(let c), .constantBoolean(let d)): return .constantBoolean(f(c ? 1 : 0, d ? 1 : 0) == 1)
        default: return .constantBoolean(false)
        }
    }

    static func compare(_ op: BinaryOperator, _ a: ColumnValues, _ b: ColumnValues, _ span: Span)
        throws(ExpressionError) -> ColumnValues
    {
        func test<T: Comparable>(_ x: T, _ y: T) -> Bool {
            op.holds(x, y)
        }
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return .boolean(zip(x, y).map { $0.isNaN || $1.isNaN ? -1 : (test($0, $1) ? 1 : 0) })
        case (.number(let x), .constantNumber(let c)):
            return .boolean(x.map { $0.isNaN || c.isNaN ? -1 : (test($0, c) ? 1 : 0) })
        case (.constantNumber(let c), .number(let y)):
            return .boolean(y.map { $0.isNaN || c.isNaN ? -1 : (test(c, $0) ? 1 : 0) })
        case (.constantNumber(let c), .constantNumber(let d)):
            return .constantBoolean(test(c, d))
        case (.text(let codes, let levels), .constantText(let s)):
            // Once per level, then a lookup per row.
            let perLevel: [Int8] = levels.map { test($0, s) ? 1 : 0 }
            return .boolean(codes.map { $0 < 0 ? -1 : perLevel[Int($0)] })
        case (.constantText(let s), .text(let codes, let levels)):
            let perLevel: [Int8] = levels.map { test(s, $0) ? 1 : 0 }
            return .boolean(codes.map { $0 < 0 ? -1 : perLevel[Int($0)] })
        case (.text(let xc, let xl), .text(let yc, let yl)):
            return .boolean(zip(xc, yc).map { $0 < 0 || $1 < 0 ? -1 : (test(xl[Int($0)], yl[Int($1)]) ? 1 : 0) })
        case (.constantText(let s), .constantText(let t)):
            return .constantBoolean(test(s, t))
        case (.boolean(let x), .boolean(let y)):
            return .boolean(zip(x, y).map { $0 < 0 || $1 < 0 ? -1 : (test($0, $1) ? 1 : 0) })
        case (.boolean(let x), .constantBoolean(let c)):
            let cv: Int8 = c ? 1 : 0
            return .boolean(x.map { $0 < 0 ? -1 : (test($0, cv) ? 1 : 0) })
        case (.constantBoolean(let c), .boolean(let y)):
            let cv: Int8 = c ? 1 : 0
            return .boolean(y.map { $0 < 0 ? -1 : (test(cv, $0) ? 1 : 0) })
        case (.constantBoolean(let c), .constantBoolean(let d)):
            return .constantBoolean(test(c ? 1 : 0, d ? 1 : 0))
        default:
            throw ExpressionError("'\(op.rawValue)' compares values of different types", at: span)
        }
    }

    // MARK: functions

    private mutating func call(_ name: String, _ arguments: [ColumnExpression], _ span: Span) throws(ExpressionError)
        -> ColumnValues
    {
        switch name {
        case "abs": return Self.mapNumber(try evaluate(arguments[0])) { Swift.abs($0) }
        case "floor": return Self.mapNumber(try evaluate(arguments[0])) { $0.rounded(.down) }
        case "ceil": return Self.mapNumber(try evaluate(arguments[0])) { $0.rounded(.up) }
        case "exp": return finite(Self.mapNumber(try evaluate(arguments[0])) { Foundation.exp($0) })
        case "log", "sqrt":
            let v = try evaluate(arguments[0])
            let outside: (Double) -> Bool = name == "log" ? { $0 <= 0 } : { $0 < 0 }
            let bad: Int =
                switch v {
                case .number(let x): x.reduce(0) { $0 + (outside($1) ? 1 : 0) }
                case .constantNumber(let x): outside(x) ? rows : 0
                default: 0
                }
            note(name == "log" ? "log of a number ≤ 0" : "square root of a negative number", bad)
            return Self.mapNumber(v) { outside($0) ? .nan : (name == "log" ? Foundation.log($0) : $0.squareRoot()) }
        case "round":
            var digits = 0.0
            if arguments.count == 2, case .number(let d, _) = arguments[1] { digits = d }
            let scale = Foundation.pow(10, digits)
            return Self.mapNumber(try evaluate(arguments[0])) {
                digits == 0
                    ? $0.rounded(.toNearestOrAwayFromZero) : ($0 * scale).rounded(.toNearestOrAwayFromZero) / scale
            }
        case "clip":
            let x = try evaluate(arguments[0]), low = try evaluate(arguments[1]), high = try evaluate(arguments[2])
            let lowered = Self.zipNumbers(x, low, rows) { $0.isNaN || $1.isNaN ? $0 : Swift.max($0, $1) }
            return Self.zipNumbers(lowered, high, rows) { $0.isNaN || $1.isNaN ? $0 : Swift.min($0, $1) }
        case "if":
            let condition = try evaluate(arguments[0])
            return try choose(condition, try evaluate(arguments[1]), try evaluate(arguments[2]), span)
        case "coalesce":
            var result = try evaluate(arguments[0])
            for next in arguments.dropFirst() {
                let missing = Self.missingMask(result, rows)
                result = try choose(missing, try evaluate(next), result, span, missingConditionGivesMissing: false)
            }
            return result
        case "lower", "upper", "trim":
            let transform: (String) -> String =
                switch name {
                case "lower": { $0.lowercased() }
                case "upper": { $0.uppercased() }
                default: { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                }
            switch try evaluate(arguments[0]) {
            case .text(let codes, let levels):
                guard
                    case .categorical(let c, let l) = ColumnValues.compacted(
                        codes: codes, levels: levels.map(transform))
                else { return .constantText("") }
                return .text(codes: c, levels: l)
            case .constantText(let s): return .constantText(transform(s))
            case let other: return other
            }
        case "length":
            switch try evaluate(arguments[0]) {
            case .text(let codes, let levels):
                let perLevel = levels.map { Double($0.count) }
                return .number(codes.map { $0 < 0 ? .nan : perLevel[Int($0)] })
            case .constantText(let s): return .constantNumber(Double(s.count))
            default: return .constantNumber(.nan)
            }
        case "contains", "startswith", "endswith":
            guard case .text(let needle, _) = arguments[1] else { return .constantBoolean(false) }
            let test: (String) -> Bool =
                switch name {
                case "contains": { $0.contains(needle) }
                case "startswith": { $0.hasPrefix(needle) }
                default: { $0.hasSuffix(needle) }
                }
            switch try evaluate(arguments[0]) {
            case .text(let codes, let levels):
                let perLevel: [Int8] = levels.map { test($0) ? 1 : 0 }
                return .boolean(codes.map { $0 < 0 ? -1 : perLevel[Int($0)] })
            case .constantText(let s): return .constantBoolean(test(s))
            default: return .constantBoolean(false)
            }
        default:
            guard ExpressionFunction.dateParts.contains(name), case .column(let column, let columnSpan) = arguments[0]
            else {
                throw ExpressionError("no function '\(name)'", at: span)
            }
            return try datePart(name, of: column, at: columnSpan)
        }
    }

    /// Rows where `v` is missing, as a condition.
    static func missingMask(_ v: ColumnValues, _ rows: Int) -> ColumnValues {
        switch v {
        case .number(let x): .boolean(x.map { $0.isNaN ? 1 : 0 })
        case .boolean(let b): .boolean(b.map { $0 < 0 ? 1 : 0 })
        case .text(let codes, _): .boolean(codes.map { $0 < 0 ? 1 : 0 })
        case .constantNumber(let x): .constantBoolean(x.isNaN)
        default: .constantBoolean(false)
        }
    }

    /// Row by row `condition ? a : b`; a missing condition gives a missing value (or `b` when
    /// `missingConditionGivesMissing` is false).
    private func choose(
        _ condition: ColumnValues, _ a: ColumnValues, _ b: ColumnValues, _ span: Span,
        missingConditionGivesMissing: Bool = true
    ) throws(ExpressionError) -> ColumnValues {
        let n = rows
        let flags: [Int8] =
            switch condition {
            case .boolean(let x): x
            case .constantBoolean(let c): Array(repeating: c ? 1 : 0, count: n)
            default: Array(repeating: -1, count: n)
            }
        func pick(_ i: Int) -> Int { flags[i] == 1 ? 0 : (flags[i] == 0 || !missingConditionGivesMissing ? 1 : -1) }
        switch (a, b) {
        case (.number, _), (.constantNumber, _):
            let x = Self.expandNumbers(a, n), y = Self.expandNumbers(b, n)
            return .number(
                (0..<n).map { i in
                    switch pick(i) {
                    case 0: x[i]
                    case 1: y[i]
                    default: .nan
                    }
                })
        case (.boolean, _), (.constantBoolean, _):
            let x = Self.expandBooleans(a, n), y = Self.expandBooleans(b, n)
            return .boolean(
                (0..<n).map { i in
                    switch pick(i) {
                    case 0: x[i]
                    case 1: y[i]
                    default: -1
                    }
                })
        default:
            // Text: one level list, both sides' codes mapped into it.
            let (xc, xl) = Self.expandText(a, n), (yc, yl) = Self.expandText(b, n)
            let levels = xl + yl
            let offset = Int32(xl.count)
            let codes: [Int32] = (0..<n).map { i in
                switch pick(i) {
                case 0: xc[i]
                case 1: yc[i] < 0 ? -1 : yc[i] + offset
                default: -1
                }
            }
            guard case .categorical(let c, let l) = ColumnValues.compacted(codes: codes, levels: levels) else {
                return .constantText("")
            }
            return .text(codes: c, levels: l)
        }
    }

    static func expandNumbers(_ v: ColumnValues, _ n: Int) -> [Double] {
        switch v {
        case .number(let x): x
        case .constantNumber(let c): Array(repeating: c, count: n)
        default: Array(repeating: .nan, count: n)
        }
    }

    static func expandBooleans(_ v: ColumnValues, _ n: Int) -> [Int8] {
        switch v {
        case .boolean(let x): x
        case .constantBoolean(let c): Array(repeating: c ? 1 : 0, count: n)
        default: Array(repeating: -1, count: n)
        }
    }

    static func expandText(_ v: ColumnValues, _ n: Int) -> (codes: [Int32], levels: [String]) {
        switch v {
        case .text(let codes, let levels): (codes, levels)
        case .constantText(let s): (Array(repeating: 0, count: n), [s])
        default: (Array(repeating: -1, count: n), [])
        }
    }

    // MARK: dates

    /// A part of each date in a text column, read in the column's format (fixed by a model, else
    /// detected once); values that are not dates in that format become missing, counted.
    private mutating func datePart(_ part: String, of name: String, at span: Span) throws(ExpressionError)
        -> ColumnValues
    {
        guard let column = extra[name] ?? frame.column(named: name),
            case .categorical(let codes, let levels) = column.data
        else {
            throw ExpressionError("\(part) needs a date column; '\(name)' holds numbers", at: span)
        }
        let format: DateFormat
        if let known = dateFormats[name] {
            format = known
        } else {
            guard let detection = DateFormat.detect(in: column), detection.parsed > 0 else {
                let example = levels.first.map { ": '\($0)' is not a date" } ?? ""
                throw ExpressionError(
                    "'\(name)' does not hold dates\(example)", at: span,
                    hint: "dates look like 2024-03-01, 03/01/2024 or 1 Mar 2024")
            }
            format = detection.format
            dateFormats[name] = format
        }
        let perLevel: [Double] = levels.map { text in
            guard let fields = format.parse(text) else { return .nan }
            return switch part {
            case "year": Double(fields.year)
            case "month": Double(fields.month)
            case "day": Double(fields.day)
            case "weekday": Double(fields.dayOfWeek)
            case "dayofyear": Double(fields.dayOfYear)
            default: Double(fields.hour)
            }
        }
        var unreadable = 0
        let values: [Double] = codes.map { c in
            guard c >= 0 else { return .nan }
            let v = perLevel[Int(c)]
            if v.isNaN { unreadable += 1 }
            return v
        }
        if countedDateColumns.insert(name).inserted { note("not a date written \(format)", unreadable) }
        return .number(values)
    }
}

extension BinaryOperator {
    /// Whether the comparison holds for `x` and `y` (the other operators: `>=`).
    func holds<T: Comparable>(_ x: T, _ y: T) -> Bool {
        switch self {
        case .equal: x == y
        case .notEqual: x != y
        case .less: x < y
        case .lessOrEqual: x <= y
        case .greater: x > y
        default: x >= y
        }
    }
}
