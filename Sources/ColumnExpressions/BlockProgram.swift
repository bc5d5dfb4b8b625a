import Foundation
import Tabular
import Parallelism

/// An expression compiled for evaluation over blocks of rows: each operator's loop runs over one
/// block into a scratch buffer small enough to stay in cache, and only the result is written out
/// as a column. Every row gets the same operations in the same order as the column-at-a-time
/// evaluator, so the same bits and the same counts of missing results; only the memory traffic of
/// the intermediate columns goes away. Conditions are evaluated on a selection: `a and b` looks at
/// `b` only on the rows where `a` is not false. Numeric sub-expressions of a condition still run
/// over every row, so their counts (division by zero, …) stay those of a full evaluation.
struct BlockProgram {
    /// Rows per block: a scratch buffer of 2,048 numbers is 16 KB, so a few of them stay in the
    /// fast caches while the inputs stream past.
    static let blockSize = 2048

    /// Where a step reads numbers: an input column, an earlier step's scratch buffer, or one number for every row.
    enum Source {
        case input(Int)
        case register(Int)
        case constant(Double)
    }

    enum Unary {
        case negate, abs, floor, ceil, exp, log, sqrt
        case round(digits: Double, scale: Double)
    }

    enum Arithmetic { case add, subtract, multiply, divide, remainder }

    /// One numeric operator; step `i` writes register `i` (in `numbers(rows:)` the last step writes the new column).
    enum Step {
        case unary(Unary, Source)
        case arithmetic(Arithmetic, Source, Source)
        case clip(Source, Source, Source)
    }

    /// A condition's node: `1` true, `0` false, `-1` missing for each selected row. `slot` names
    /// the scratch bytes (and selection) the node evaluates its children into.
    indirect enum Condition {
        case constant(Int8)
        /// A condition computed column-at-a-time (text against text, `contains`, …), read as an input.
        case flags(Int)
        case compare(BinaryOperator, Source, Source)
        /// A text column's codes, one answer per level and `missing` for a missing value.
        case levels(Int, table: [Int8], missing: Int8)
        case numberIn(Source, Set<Double>, hit: Int8)
        case numberMissing(Source, yes: Int8)
        case conditionMissing(Condition, yes: Int8, slot: Int)
        case not(Condition, slot: Int)
        /// `a and b and …` (Kleene's, so the order of the parts does not change the value).
        case and([Condition], slot: Int)
        case or([Condition], slot: Int)
    }

    var numbers: [[Double]] = []
    var codes: [[Int32]] = []
    var flags: [[Int8]] = []
    var steps: [Step] = []
    var slots = 0

    mutating func input(_ values: [Double]) -> Source {
        numbers.append(values)
        return .input(numbers.count - 1)
    }

    mutating func add(_ step: Step) -> Source {
        steps.append(step)
        return .register(steps.count - 1)
    }

    mutating func newSlot() -> Int {
        slots += 1
        return slots - 1
    }

    /// Whether every input has `rows` values (always, for columns of one table).
    func inputsHave(_ rows: Int) -> Bool {
        numbers.allSatisfy { $0.count == rows } && codes.allSatisfy { $0.count == rows }
            && flags.allSatisfy { $0.count == rows }
    }
}

/// Rows that got a missing value in a block program, by reason.
struct BlockNotes {
    var zeroDivisions = 0
    var tooLarge = 0
    var logOutside = 0
    var sqrtOutside = 0

    static func + (a: BlockNotes, b: BlockNotes) -> BlockNotes {
        BlockNotes(
            zeroDivisions: a.zeroDivisions + b.zeroDivisions, tooLarge: a.tooLarge + b.tooLarge,
            logOutside: a.logOutside + b.logOutside, sqrtOutside: a.sqrtOutside + b.sqrtOutside)
    }
}

// MARK: running

extension BlockProgram {
    /// The last step's value on every row, written straight into the new column, and the notes.
    /// `rows` must be positive and every input that long (`inputsHave`).
    /// - Complexity: O(rows × steps), in chunks on every core for large tables.
    func numbers(rows: Int) -> (values: [Double], notes: BlockNotes) {
        var notes = BlockNotes()
        let values = [Double](unsafeUninitializedCapacity: rows) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            ExpressionEvaluator.adviseHugePages(base, count: rows)
            let out = SharedPointer(base)
            notes = withInputs { inputs in
                Self.inChunks(rows) { range in
                    let scratch = Scratch(registers: steps.count, slots: 0)
                    defer { scratch.free() }
                    var notes = BlockNotes()
                    for start in stride(from: range.lowerBound, to: range.upperBound, by: Self.blockSize) {
                        let block = Block(
                            start: start, count: min(Self.blockSize, range.upperBound - start), inputs: inputs,
                            scratch: scratch)
                        runSteps(block, result: out.pointer + start, &notes)
                    }
                    return notes
                }.reduce(BlockNotes(), +)
            }
            initialized = rows
        }
        return (values, notes)
    }

    /// The rows where `condition` is true, in order, the number where it is missing, and the
    /// notes of its numeric parts. `rows` must be positive and every input that long.
    func trueRows(_ condition: Condition, rows: Int) -> (rows: [Int], missing: Int, notes: BlockNotes) {
        withInputs { inputs in
            let parts = Self.inChunks(rows) { range -> (rows: [Int], missing: Int, notes: BlockNotes) in
                let scratch = Scratch(registers: steps.count, slots: slots)
                defer { scratch.free() }
                var notes = BlockNotes()
                var missing = 0
                // Every row written, the count advanced only for kept ones: no branch on the
                // condition's value, which is unpredictable on real data.
                let kept = [Int](unsafeUninitializedCapacity: range.count) { buffer, initialized in
                    initialized = 0
                    guard let base = buffer.baseAddress else { return }
                    var n = 0
                    for start in stride(from: range.lowerBound, to: range.upperBound, by: Self.blockSize) {
                        let block = Block(
                            start: start, count: min(Self.blockSize, range.upperBound - start), inputs: inputs,
                            scratch: scratch)
                        runSteps(block, result: nil, &notes)
                        let out = scratch.bytes
                        evaluate(condition, block, Selection(indices: nil, count: block.count), into: out)
                        for i in 0..<block.count {
                            // v is 1 (true), 0 (false) or -1 (missing): kept and missing as bits,
                            // so LLVM has no comparison to turn back into a branch.
                            let v = out[i]
                            (base + n).initialize(to: start &+ i)
                            n &+= Int(v & 1 & ~(v >> 7))
                            missing &+= Int((v >> 7) & 1)
                        }
                    }
                    initialized = n
                }
                return (kept, missing, notes)
            }
            var kept: [Int] = []
            kept.reserveCapacity(parts.reduce(0) { $0 + $1.rows.count })
            for part in parts { kept.append(contentsOf: part.rows) }
            return (kept, parts.reduce(0) { $0 + $1.missing }, parts.reduce(BlockNotes()) { $0 + $1.notes })
        }
    }

    /// `body` on ranges of rows, in chunks on every core for large tables; results in row order,
    /// so nothing depends on the number of threads.
    static func inChunks<T>(_ rows: Int, _ body: (Range<Int>) -> T) -> [T] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let chunks = rows >= 1 << 17 ? cores * 4 : 1
        let size = (rows + chunks - 1) / chunks
        // Shared as is: each chunk reads its own rows and writes only its own result.
        return withoutActuallyEscaping(body) { body in
            let work = SharedPointer(body)
            return parallelMap(chunks, threads: min(chunks, cores)) { c in
                work.pointer(min(rows, c * size)..<min(rows, (c + 1) * size))
            }
        }
    }

    /// `body` with the base address of every input.
    func withInputs<R>(_ body: (Inputs) -> R) -> R {
        Self.withBases(numbers[...], []) { numbers in
            Self.withBases(codes[...], []) { codes in
                Self.withBases(flags[...], []) { flags in body(Inputs(numbers: numbers, codes: codes, flags: flags)) }
            }
        }
    }

    private static func withBases<T, R>(
        _ arrays: ArraySlice<[T]>, _ bases: [UnsafePointer<T>], _ body: ([UnsafePointer<T>]) -> R
    ) -> R {
        guard let first = arrays.first else { return body(bases) }
        return first.withUnsafeBufferPointer { p in
            // Inputs are never empty here (rows > 0); an empty one would leave its slot out and trap on use.
            withBases(arrays.dropFirst(), bases + (p.baseAddress.map { [$0] } ?? []), body)
        }
    }

    struct Inputs {
        let numbers: [UnsafePointer<Double>]
        let codes: [UnsafePointer<Int32>]
        let flags: [UnsafePointer<Int8>]
    }

    /// One thread's buffers, reused for every block of its chunk: a register per step, two bytes
    /// buffers per condition slot (plus the root's) and a selection per slot.
    struct Scratch {
        let registers: UnsafeMutablePointer<Double>
        let bytes: UnsafeMutablePointer<Int8>
        let selections: UnsafeMutablePointer<Int32>

        init(registers count: Int, slots: Int) {
            let b = BlockProgram.blockSize
            registers = .allocate(capacity: max(1, count) * b)
            selections = .allocate(capacity: max(1, slots) * b)
            // Initialised once: a node may read a child's byte on a row its child did not select,
            // and then ignores it; it must still be a defined value.
            let bytes = UnsafeMutablePointer<Int8>.allocate(capacity: (1 + 2 * slots) * b)
            bytes.initialize(repeating: 0, count: (1 + 2 * slots) * b)
            self.bytes = bytes
        }

        func free() {
            registers.deallocate()
            bytes.deallocate()
            selections.deallocate()
        }
    }

    /// Rows `start..<start + count` of the table.
    struct Block {
        let start: Int
        let count: Int
        let inputs: Inputs
        let scratch: Scratch

        @inline(__always) func register(_ r: Int) -> UnsafeMutablePointer<Double> {
            scratch.registers + r * BlockProgram.blockSize
        }

        @inline(__always) func resolve(_ source: Source) -> Resolved {
            switch source {
            case .input(let i): .rows(inputs.numbers[i] + start)
            case .register(let r): .rows(UnsafePointer(register(r)))
            case .constant(let c): .constant(c)
            }
        }
    }

    enum Resolved {
        case rows(UnsafePointer<Double>)
        case constant(Double)
    }

    /// The rows of a block a node computes: the first `count` rows, or those listed in `indices` (ascending).
    struct Selection {
        let indices: UnsafePointer<Int32>?
        let count: Int
    }

    /// Every step over one block; the last writes `result` when given.
    func runSteps(_ block: Block, result: UnsafeMutablePointer<Double>?, _ notes: inout BlockNotes) {
        let n = block.count
        for (s, step) in steps.enumerated() {
            let out = s == steps.count - 1 ? (result ?? block.register(s)) : block.register(s)
            switch step {
            case .unary(let op, let a):
                Self.unary(op, block.resolve(a), out, n, &notes)
            case .arithmetic(let op, let a, let b):
                let (x, y) = (block.resolve(a), block.resolve(b))
                let counts =
                    switch op {
                    case .add: Self.arithmetic(ExpressionEvaluator.Add.self, x, y, out, n, zeros: false)
                    case .subtract: Self.arithmetic(ExpressionEvaluator.Subtract.self, x, y, out, n, zeros: false)
                    case .multiply: Self.arithmetic(ExpressionEvaluator.Multiply.self, x, y, out, n, zeros: false)
                    case .divide: Self.arithmetic(ExpressionEvaluator.Divide.self, x, y, out, n, zeros: true)
                    case .remainder: Self.arithmetic(ExpressionEvaluator.Remainder.self, x, y, out, n, zeros: true)
                    }
                notes.tooLarge += counts.infinite
                notes.zeroDivisions += counts.zeros
            case .clip(let a, let low, let high):
                let (x, l, h) = (block.resolve(a), block.resolve(low), block.resolve(high))
                for i in 0..<n {
                    let v = x.at(i), lo = l.at(i), hi = h.at(i)
                    let lowered = v.isNaN || lo.isNaN ? v : Swift.max(v, lo)
                    out[i] = lowered.isNaN || hi.isNaN ? lowered : Swift.min(lowered, hi)
                }
            }
        }
    }
}

extension BlockProgram.Resolved {
    @inline(__always) func at(_ i: Int) -> Double {
        switch self {
        case .rows(let p): p[i]
        case .constant(let c): c
        }
    }
}

// MARK: numeric kernels

/// One side of an operator within a block, specialised away like the evaluator's `Operand`.
protocol BlockOperand { subscript(_ i: Int) -> Double { get } }

struct BlockRows: BlockOperand {
    let pointer: UnsafePointer<Double>
    @inline(__always) subscript(_ i: Int) -> Double { pointer[i] }
}

struct BlockConstant: BlockOperand {
    let value: Double
    @inline(__always) subscript(_ i: Int) -> Double { value }
}

extension BlockProgram {
    /// `K` over a block; an infinite result becomes missing and is counted (as `finite` does), and
    /// with `zeros` the rows with a present dividend and a zero divisor are counted.
    static func arithmetic<K: ExpressionEvaluator.NumberKernel>(
        _ kernel: K.Type, _ x: Resolved, _ y: Resolved,
        _ out: UnsafeMutablePointer<Double>, _ n: Int, zeros: Bool
    ) -> (infinite: Int, zeros: Int) {
        switch (x, y) {
        case (.rows(let p), .rows(let q)):
            zipBlock(K.self, BlockRows(pointer: p), BlockRows(pointer: q), out, n, zeros: zeros)
        case (.rows(let p), .constant(let c)):
            zipBlock(K.self, BlockRows(pointer: p), BlockConstant(value: c), out, n, zeros: zeros)
        case (.constant(let c), .rows(let q)):
            zipBlock(K.self, BlockConstant(value: c), BlockRows(pointer: q), out, n, zeros: zeros)
        case (.constant(let c), .constant(let d)):
            zipBlock(K.self, BlockConstant(value: c), BlockConstant(value: d), out, n, zeros: zeros)
        }
    }

    @inline(__always)
    static func zipBlock<K: ExpressionEvaluator.NumberKernel, X: BlockOperand, Y: BlockOperand>(
        _ kernel: K.Type, _ x: X, _ y: Y,
        _ out: UnsafeMutablePointer<Double>, _ n: Int, zeros: Bool
    ) -> (infinite: Int, zeros: Int) {
        // The loop that writes does nothing else, so LLVM vectorises it (a count or a flag in it
        // keeps it scalar); the check for infinite results then reads the block back from cache.
        // Overflows and zero divisors are rare: counted exactly in one more pass only when present.
        for i in 0..<n { out[i] = K.apply(x[i], y[i]) }
        var special: UInt64 = 0
        for i in 0..<n { special |= out[i].bitPattern & 0x7FFF_FFFF_FFFF_FFFF == 0x7FF0_0000_0000_0000 ? 1 : 0 }
        var infinite = 0
        if special != 0 {
            for i in 0..<n where out[i].isInfinite {
                out[i] = .nan
                infinite += 1
            }
        }
        var zeroCount = 0
        if zeros {
            var zero: UInt64 = 0
            for i in 0..<n { zero |= y[i].bitPattern << 1 == 0 ? 1 : 0 }  // ±0
            if zero != 0 {
                for i in 0..<n where !x[i].isNaN && y[i] == 0 { zeroCount += 1 }
            }
        }
        return (infinite, zeroCount)
    }

    /// A one-argument function over a block, with the evaluator's rules for each (`exp` that
    /// overflows, `log` of a number ≤ 0 and `sqrt` of a negative number give missing, counted).
    static func unary(
        _ op: Unary, _ x: Resolved, _ out: UnsafeMutablePointer<Double>, _ n: Int, _ notes: inout BlockNotes
    ) {
        switch op {
        case .negate: for i in 0..<n { out[i] = -x.at(i) }
        case .abs: for i in 0..<n { out[i] = Swift.abs(x.at(i)) }
        case .floor: for i in 0..<n { out[i] = x.at(i).rounded(.down) }
        case .ceil: for i in 0..<n { out[i] = x.at(i).rounded(.up) }
        case .round(let digits, let scale):
            for i in 0..<n {
                let v = x.at(i)
                out[i] =
                    digits == 0
                    ? v.rounded(.toNearestOrAwayFromZero) : (v * scale).rounded(.toNearestOrAwayFromZero) / scale
            }
        case .exp:
            for i in 0..<n {
                let r = Foundation.exp(x.at(i))
                if r.isInfinite {
                    out[i] = .nan
                    notes.tooLarge += 1
                } else {
                    out[i] = r
                }
            }
        case .log:
            for i in 0..<n {
                let v = x.at(i)
                if v <= 0 {
                    out[i] = .nan
                    notes.logOutside += 1
                } else {
                    out[i] = Foundation.log(v)
                }
            }
        case .sqrt:
            for i in 0..<n {
                let v = x.at(i)
                if v < 0 {
                    out[i] = .nan
                    notes.sqrtOutside += 1
                } else {
                    out[i] = v.squareRoot()
                }
            }
        }
    }
}

// MARK: conditions

/// A comparison as a type, so each loop is specialised.
protocol BlockComparison { static func test(_ x: Double, _ y: Double) -> Bool }
enum BlockEqual: BlockComparison { @inline(__always) static func test(_ x: Double, _ y: Double) -> Bool { x == y } }
enum BlockNotEqual: BlockComparison { @inline(__always) static func test(_ x: Double, _ y: Double) -> Bool { x != y } }
enum BlockLess: BlockComparison { @inline(__always) static func test(_ x: Double, _ y: Double) -> Bool { x < y } }
enum BlockLessOrEqual: BlockComparison {
    @inline(__always) static func test(_ x: Double, _ y: Double) -> Bool { x <= y }
}
enum BlockGreater: BlockComparison { @inline(__always) static func test(_ x: Double, _ y: Double) -> Bool { x > y } }
enum BlockGreaterOrEqual: BlockComparison {
    @inline(__always) static func test(_ x: Double, _ y: Double) -> Bool { x >= y }
}

extension BlockProgram {
    /// `condition` on the selected rows of `block`, into `out` (indexed by row within the block;
    /// rows not selected are left as they were).
    func evaluate(_ condition: Condition, _ block: Block, _ selection: Selection, into out: UnsafeMutablePointer<Int8>)
    {
        switch condition {
        case .constant(let v):
            Self.each(selection) { i in out[i] = v }
        case .flags(let k):
            let p = block.inputs.flags[k] + block.start
            Self.each(selection) { i in out[i] = p[i] }
        case .compare(let op, let a, let b):
            let (x, y) = (block.resolve(a), block.resolve(b))
            switch op {
            case .equal: Self.compare(BlockEqual.self, x, y, selection, out)
            case .notEqual: Self.compare(BlockNotEqual.self, x, y, selection, out)
            case .less: Self.compare(BlockLess.self, x, y, selection, out)
            case .lessOrEqual: Self.compare(BlockLessOrEqual.self, x, y, selection, out)
            case .greater: Self.compare(BlockGreater.self, x, y, selection, out)
            default: Self.compare(BlockGreaterOrEqual.self, x, y, selection, out)
            }
        case .levels(let k, let table, let missing):
            let codes = block.inputs.codes[k] + block.start
            table.withUnsafeBufferPointer { t in
                let levels = t.count
                Self.each(selection) { i in
                    let c = Int(codes[i])
                    // A code outside the levels cannot occur in a valid column; read it as missing rather than trap.
                    out[i] = c < 0 ? missing : (c < levels ? t[c] : -1)
                }
            }
        case .numberIn(let a, let set, let hit):
            let x = block.resolve(a)
            Self.each(selection) { i in
                let v = x.at(i)
                out[i] = v.isNaN ? -1 : (set.contains(v) ? hit : 1 - hit)
            }
        case .numberMissing(let a, let yes):
            let x = block.resolve(a)
            Self.each(selection) { i in out[i] = x.at(i).isNaN ? yes : 1 - yes }
        case .conditionMissing(let inner, let yes, let slot):
            let v = block.scratch.bytes + (1 + 2 * slot) * Self.blockSize
            evaluate(inner, block, selection, into: v)
            Self.each(selection) { i in out[i] = v[i] < 0 ? yes : 1 - yes }
        case .not(let inner, let slot):
            let v = block.scratch.bytes + (1 + 2 * slot) * Self.blockSize
            evaluate(inner, block, selection, into: v)
            Self.each(selection) { i in out[i] = v[i] < 0 ? -1 : 1 - v[i] }
        case .and(let parts, let slot):
            chain(parts, isAnd: true, slot, block, selection, out)
        case .or(let parts, let slot):
            chain(parts, isAnd: false, slot, block, selection, out)
        }
    }

    /// Kleene's `and` / `or` over `parts`: `out` holds each row's value so far, and each part is
    /// evaluated only on the rows the earlier parts left undecided (not yet false for `and`, not
    /// yet true for `or`), a list that shrinks in place as rows are decided.
    /// - Complexity: one pass over the selection for the first part, then passes over the rows still undecided.
    private func chain(
        _ parts: [Condition], isAnd: Bool, _ slot: Int, _ block: Block, _ selection: Selection,
        _ out: UnsafeMutablePointer<Int8>
    ) {
        guard let first = parts.first else { return }
        evaluate(first, block, selection, into: out)
        let undecided = block.scratch.selections + slot * Self.blockSize
        let values = block.scratch.bytes + (1 + 2 * slot) * Self.blockSize
        // Tables rather than comparisons: LLVM turns `count += x != 0 ? 1 : 0` into a branch,
        // which mispredicts on every other row of a condition that keeps half the rows.
        let (keeps, combined) =
            isAnd ? (Self.undecidedAfterAnd, Self.kleeneAnd) : (Self.undecidedAfterOr, Self.kleeneOr)
        keeps.withUnsafeBufferPointer { keeps in
            combined.withUnsafeBufferPointer { combined in
                var count = 0
                Self.each(selection) { i in
                    undecided[count] = Int32(truncatingIfNeeded: i)
                    count &+= Int(keeps[Int(UInt8(bitPattern: out[i]))])
                }
                for part in parts.dropFirst() where count > 0 {
                    evaluate(part, block, Selection(indices: UnsafePointer(undecided), count: count), into: values)
                    var kept = 0
                    for j in 0..<count {
                        let i = Int(undecided[j])
                        let v = combined[Int(out[i] &+ 1) &* 3 &+ Int(values[i] &+ 1)]
                        out[i] = v
                        undecided[kept] = Int32(truncatingIfNeeded: i)
                        kept &+= Int(keeps[Int(UInt8(bitPattern: v))])
                    }
                    count = kept
                }
            }
        }
    }

    /// Kleene's `and` and `or` of x and y (each -1, 0 or 1) at `(x + 1) * 3 + (y + 1)`.
    static let kleeneAnd: [Int8] = [-1, 0, -1, 0, 0, 0, -1, 0, 1]
    static let kleeneOr: [Int8] = [-1, -1, 1, -1, 0, 1, 1, 1, 1]
    /// 1 for a value (as its byte) that leaves a row undecided: not false in an `and`, not true in an `or`.
    static let undecidedAfterAnd: [UInt8] = (0..<256).map { $0 == 0 ? 0 : 1 }
    static let undecidedAfterOr: [UInt8] = (0..<256).map { $0 == 1 ? 0 : 1 }

    @inline(__always)
    static func each(_ selection: Selection, _ body: (Int) -> Void) {
        if let indices = selection.indices {
            for j in 0..<selection.count { body(Int(indices[j])) }
        } else {
            for i in 0..<selection.count { body(i) }
        }
    }

    static func compare<C: BlockComparison>(
        _ test: C.Type, _ x: Resolved, _ y: Resolved, _ selection: Selection, _ out: UnsafeMutablePointer<Int8>
    ) {
        switch (x, y) {
        case (.rows(let p), .rows(let q)):
            compareRows(C.self, BlockRows(pointer: p), BlockRows(pointer: q), selection, out)
        case (.rows(let p), .constant(let c)):
            compareRows(C.self, BlockRows(pointer: p), BlockConstant(value: c), selection, out)
        case (.constant(let c), .rows(let q)):
            compareRows(C.self, BlockConstant(value: c), BlockRows(pointer: q), selection, out)
        case (.constant(let c), .constant(let d)):
            compareRows(C.self, BlockConstant(value: c), BlockConstant(value: d), selection, out)
        }
    }

    /// A comparison with a missing side is missing, as in `ExpressionEvaluator.compare`.
    @inline(__always)
    static func compareRows<C: BlockComparison, X: BlockOperand, Y: BlockOperand>(
        _ test: C.Type, _ x: X, _ y: Y, _ selection: Selection, _ out: UnsafeMutablePointer<Int8>
    ) {
        if let indices = selection.indices {
            for j in 0..<selection.count {
                let i = Int(indices[j])
                let a = x[i], b = y[i]
                out[i] = a.isNaN || b.isNaN ? -1 : (C.test(a, b) ? 1 : 0)
            }
        } else {
            for i in 0..<selection.count {
                let a = x[i], b = y[i]
                out[i] = a.isNaN || b.isNaN ? -1 : (C.test(a, b) ? 1 : 0)
            }
        }
    }
}
