import Foundation
import Parallelism

/// Reshaping a table by rows: sort, deduplicate, join, group keys. Each keeps the column-oriented
/// storage and works a column at a time; none prints or knows the command language.
extension DataFrame {
    /// One key of a sort: a column and its direction. Missing values sort last either way.
    public struct SortKey: Sendable, Equatable {
        public var column: String
        public var descending: Bool

        public init(column: String, descending: Bool = false) {
            self.column = column
            self.descending = descending
        }
    }

    /// Row order for `keys`: stable (rows that tie keep their order), numbers by value, text in
    /// lexicographic order of the text, missing values last.
    public func sortedRowOrder(by keys: [SortKey]) throws -> [Int] {
        // One key: a radix sort of the numbers, or a counting sort of the text's ranks.
        if keys.count == 1, let column = column(named: keys[0].column), rowCount < Int(Int32.max) {
            switch column.data {
            case .numeric(let v):
                return radixOrder(v, descending: keys[0].descending)
            case .categorical(let codes, let levels):
                return Self.countingOrder(codes: codes, levels: levels, descending: keys[0].descending)
            }
        }
        // Each key becomes one integer rank per row (missing → Int.max), so the comparison is on integers.
        let ranks: [(rank: [Int], descending: Bool)] = try keys.map { key in
            guard let column = column(named: key.column) else {
                throw TabularError.unknownColumn(key.column, available: columnNames)
            }
            return (Self.ranks(column.data), key.descending)
        }
        var order = Array(0..<rowCount)
        if ranks.count == 1 {
            let r = ranks[0].rank, descending = ranks[0].descending
            order.sort { a, b in
                let x = r[a], y = r[b]
                if x == y { return a < b }
                if x == Int.max || y == Int.max { return y == Int.max }
                return descending ? x > y : x < y
            }
            return order
        }
        order.sort { a, b in
            for (r, descending) in ranks {
                let x = r[a], y = r[b]
                if x == y { continue }
                if x == Int.max || y == Int.max { return y == Int.max }
                return descending ? x > y : x < y
            }
            return a < b
        }
        return order
    }

    /// Rows ordered by their text (stable; missing last): a counting sort over the levels' ranks.
    static func countingOrder(codes: [Int32], levels: [String], descending: Bool) -> [Int] {
        let rank = ranks(.categorical(codes: Array(0..<Int32(levels.count)), levels: levels))
        let distinct = (rank.max() ?? -1) + 1
        let position = { (r: Int) -> Int in descending ? distinct - 1 - r : r }
        var starts = [Int](repeating: 0, count: distinct + 1)
        for c in codes where c >= 0 { starts[position(rank[Int(c)]) + 1] += 1 }
        for i in 0..<distinct { starts[i + 1] += starts[i] }
        var order = [Int](repeating: 0, count: codes.count)
        var missing = starts[distinct]
        for (row, c) in codes.enumerated() {
            if c < 0 {
                order[missing] = row
                missing += 1
            } else {
                let slot = position(rank[Int(c)])
                order[starts[slot]] = row
                starts[slot] += 1
            }
        }
        return order
    }

    /// Dense ranks of a column's values (equal values, equal ranks; missing `Int.max`).
    static func ranks(_ data: ColumnData) -> [Int] {
        switch data {
        case .numeric(let v):
            let present = v.indices.filter { !v[$0].isNaN }
            let sorted = present.sorted { v[$0] < v[$1] || (v[$0] == v[$1] && $0 < $1) }
            var rank = [Int](repeating: Int.max, count: v.count)
            var current = -1
            var previous = Double.nan
            for i in sorted {
                if v[i] != previous {
                    current += 1
                    previous = v[i]
                }
                rank[i] = current
            }
            return rank
        case .categorical(let codes, let levels):
            let order = levels.indices.sorted { levels[$0] < levels[$1] || (levels[$0] == levels[$1] && $0 < $1) }
            var levelRank = [Int](repeating: 0, count: levels.count)
            var current = -1
            var previous: String?
            for l in order {
                if levels[l] != previous {
                    current += 1
                    previous = levels[l]
                }
                levelRank[l] = current
            }
            return codes.map { $0 < 0 ? Int.max : levelRank[Int($0)] }
        }
    }

    /// For each row, a group number shared by the rows whose values in `columns` are equal
    /// (missing equals missing), numbered in order of first appearance; and the first row of each group.
    public func groupIDs(on columns: [String]) throws -> (ids: [Int], firstRows: [Int]) {
        let keys: [[Int]] = try columns.map { name in
            guard let column = column(named: name) else {
                throw TabularError.unknownColumn(name, available: columnNames)
            }
            return Self.valueIDs(column.data)
        }
        var ids = [Int](repeating: 0, count: rowCount)
        var firstRows: [Int] = []
        if keys.count == 1, let largest = keys[0].max(), largest < max(1_024, rowCount) {
            // Value ids are dense (0 ..< distinct values, -1 missing): an array instead of a dictionary.
            var group = [Int](repeating: -1, count: largest + 2)
            for r in 0..<rowCount {
                let slot = keys[0][r] + 1
                if group[slot] < 0 {
                    group[slot] = firstRows.count
                    firstRows.append(r)
                }
                ids[r] = group[slot]
            }
            return (ids, firstRows)
        }
        if keys.count == 1 {
            var seen: [Int: Int] = [:]
            for r in 0..<rowCount {
                let k = keys[0][r]
                if let g = seen[k] {
                    ids[r] = g
                } else {
                    seen[k] = firstRows.count
                    ids[r] = firstRows.count
                    firstRows.append(r)
                }
            }
            return (ids, firstRows)
        }
        var seen: [[Int]: Int] = [:]
        var tuple = [Int](repeating: 0, count: keys.count)
        for r in 0..<rowCount {
            for k in keys.indices { tuple[k] = keys[k][r] }
            if let g = seen[tuple] {
                ids[r] = g
            } else {
                seen[tuple] = firstRows.count
                ids[r] = firstRows.count
                firstRows.append(r)
            }
        }
        return (ids, firstRows)
    }

    /// An integer per row, equal exactly when the values are equal (missing: -1).
    static func valueIDs(_ data: ColumnData) -> [Int] {
        switch data {
        case .numeric(let v):
            var seen: [UInt64: Int] = [:]
            return v.map { x in
                if x.isNaN { return -1 }
                let bits = (x == 0 ? 0.0 : x).bitPattern
                if let id = seen[bits] { return id }
                seen[bits] = seen.count
                return seen.count - 1
            }
        case .categorical(let codes, let levels):
            // Levels that repeat (after a reshaping) share an id.
            var byText: [String: Int] = [:]
            let levelID = levels.map { l in
                if let id = byText[l] { return id }
                byText[l] = byText.count
                return byText.count - 1
            }
            return codes.map { $0 < 0 ? -1 : levelID[Int($0)] }
        }
    }

    /// The first row of each distinct combination of `columns` (all columns when empty), in order.
    public func firstRowsOfDistinct(on columns: [String]) throws -> [Int] {
        try groupIDs(on: columns.isEmpty ? columnNames : columns).firstRows
    }

    /// How to join: keep only rows with a match, or every left row.
    public enum JoinKind: String, Sendable, CaseIterable {
        case inner, left
    }

    /// What a join did, for the report.
    public struct JoinSummary: Sendable, Equatable {
        public var rows: Int
        public var leftMatched: Int
        public var leftUnmatched: Int
        public var rightUnmatched: Int
        /// Columns of the right table renamed because the left already had the name.
        public var renamed: [(from: String, to: String)]

        public static func == (a: JoinSummary, b: JoinSummary) -> Bool {
            a.rows == b.rows && a.leftMatched == b.leftMatched && a.leftUnmatched == b.leftUnmatched
                && a.rightUnmatched == b.rightUnmatched
                && a.renamed.map(\.from) == b.renamed.map(\.from) && a.renamed.map(\.to) == b.renamed.map(\.to)
        }
    }

    /// The number of rows `join` would give, without building it (for the memory check first).
    public func joinedRowCount(with right: DataFrame, on keys: [String], kind: JoinKind) throws -> Int {
        let (leftGroups, matches) = try joinIndex(with: right, on: keys)
        var total = 0
        for g in leftGroups { total += g < 0 ? (kind == .left ? 1 : 0) : matches[g].count }
        return total
    }

    /// Rows of `self` and `right` whose `keys` are equal (missing never matches), left rows in
    /// order and, for each, its matches in the right table's order; `kind == .left` keeps left
    /// rows without a match, with missing values for the right's columns. Right columns whose
    /// names the left has get `suffix`.
    public func joined(with right: DataFrame, on keys: [String], kind: JoinKind, suffix: String) throws -> (
        frame: DataFrame, summary: JoinSummary
    ) {
        let (leftGroups, matches) = try joinIndex(with: right, on: keys)
        var leftRows: [Int] = []
        var rightRows: [Int] = []
        leftRows.reserveCapacity(rowCount)
        rightRows.reserveCapacity(rowCount)
        var matched = 0
        var rightUsed = [Bool](repeating: false, count: right.rowCount)
        for (r, g) in leftGroups.enumerated() {
            if g >= 0 {
                matched += 1
                for m in matches[g] {
                    leftRows.append(r)
                    rightRows.append(m)
                }
            } else if kind == .left {
                leftRows.append(r)
                rightRows.append(-1)
            }
        }
        var usedGroup = [Bool](repeating: false, count: matches.count)
        for g in leftGroups where g >= 0 { usedGroup[g] = true }
        for (g, rows) in matches.enumerated() where usedGroup[g] { for m in rows { rightUsed[m] = true } }
        var names = Set(columnNames)
        var renamed: [(String, String)] = []
        var rightColumns: [(name: String, data: ColumnData)] = []
        for column in right.columns where !keys.contains(column.name) {
            var name = column.name
            if names.contains(name) {
                var candidate = name + suffix
                var n = 2
                while names.contains(candidate) {
                    candidate = name + suffix + String(n)
                    n += 1
                }
                renamed.append((name, candidate))
                name = candidate
            }
            names.insert(name)
            rightColumns.append((name, column.data))
        }
        // Each output column is one gather: all of them on every core for large results.
        let leftCount = columns.count
        let workers =
            leftRows.count * (leftCount + rightColumns.count) >= 1 << 20
            ? ProcessInfo.processInfo.activeProcessorCount : 1
        let out = parallelMap(leftCount + rightColumns.count, threads: workers) {
            [leftRows, rightRows, rightColumns] i -> Column in
            i < leftCount
                ? Column(name: columns[i].name, data: columns[i].data.selecting(leftRows))
                : Column(
                    name: rightColumns[i - leftCount].name,
                    data: rightColumns[i - leftCount].data.selectingAllowingMissing(rightRows))
        }
        let frame = try DataFrame(columns: out)
        let summary = JoinSummary(
            rows: leftRows.count, leftMatched: matched, leftUnmatched: rowCount - matched,
            rightUnmatched: rightUsed.reduce(0) { $0 + ($1 ? 0 : 1) }, renamed: renamed)
        return (frame, summary)
    }

    /// For each left row, the group of right rows with its key (-1: a key value is missing or
    /// absent from the right), and each group's right rows in order; keys compared by value
    /// (text by its text, across dictionaries).
    private func joinIndex(with right: DataFrame, on keys: [String]) throws -> (leftGroups: [Int], matches: [[Int]]) {
        var leftIDs: [[Int]] = []
        var rightIDs: [[Int]] = []
        for key in keys {
            guard let l = column(named: key) else { throw TabularError.unknownColumn(key, available: columnNames) }
            guard let r = right.column(named: key) else {
                throw TabularError.unknownColumn(key, available: right.columnNames)
            }
            guard l.kind == r.kind else {
                throw TabularError.joinKeyKinds(key, left: l.kind.rawValue, right: r.kind.rawValue)
            }
            let (a, b) = Self.sharedValueIDs(l.data, r.data)
            leftIDs.append(a)
            rightIDs.append(b)
        }
        var matches: [[Int]] = []
        var leftGroups = [Int](repeating: -1, count: rowCount)
        if keys.count == 1 {
            // One key: value ids are dense (0 ..< distinct values), so arrays replace dictionaries.
            let size = (max(leftIDs[0].max() ?? -1, rightIDs[0].max() ?? -1)) + 1
            var group = [Int](repeating: -1, count: size)
            for r in 0..<right.rowCount where rightIDs[0][r] >= 0 {
                let id = rightIDs[0][r]
                if group[id] < 0 {
                    group[id] = matches.count
                    matches.append([])
                }
                matches[group[id]].append(r)
            }
            for r in 0..<rowCount where leftIDs[0][r] >= 0 { leftGroups[r] = group[leftIDs[0][r]] }
            return (leftGroups, matches)
        }
        var index: [[Int]: Int] = [:]
        var tuple = [Int](repeating: 0, count: keys.count)
        for r in 0..<right.rowCount {
            var missing = false
            for k in keys.indices {
                tuple[k] = rightIDs[k][r]
                if tuple[k] < 0 { missing = true }
            }
            if missing { continue }
            if let g = index[tuple] {
                matches[g].append(r)
            } else {
                index[tuple] = matches.count
                matches.append([r])
            }
        }
        for r in 0..<rowCount {
            var missing = false
            for k in keys.indices {
                tuple[k] = leftIDs[k][r]
                if tuple[k] < 0 { missing = true }
            }
            if !missing, let g = index[tuple] { leftGroups[r] = g }
        }
        return (leftGroups, matches)
    }

    /// Ids for the values of two columns of one kind, equal across both exactly when the values are.
    static func sharedValueIDs(_ a: ColumnData, _ b: ColumnData) -> ([Int], [Int]) {
        switch (a, b) {
        case (.categorical(let ac, let al), .categorical(let bc, let bl)):
            var byText: [String: Int] = [:]
            func id(_ s: String) -> Int {
                if let i = byText[s] { return i }
                byText[s] = byText.count
                return byText.count - 1
            }
            let aLevel = al.map(id), bLevel = bl.map(id)
            return (ac.map { $0 < 0 ? -1 : aLevel[Int($0)] }, bc.map { $0 < 0 ? -1 : bLevel[Int($0)] })
        case (.numeric(let av), .numeric(let bv)):
            var seen: [UInt64: Int] = [:]
            func id(_ x: Double) -> Int {
                if x.isNaN { return -1 }
                let bits = (x == 0 ? 0.0 : x).bitPattern
                if let i = seen[bits] { return i }
                seen[bits] = seen.count
                return seen.count - 1
            }
            return (av.map(id), bv.map(id))
        default:
            return (Array(repeating: -1, count: a.count), Array(repeating: -1, count: b.count))
        }
    }

    /// The frame with `name` renamed to `newName`.
    public func renamingColumn(_ name: String, to newName: String) throws -> DataFrame {
        guard let i = index(of: name) else { throw TabularError.unknownColumn(name, available: columnNames) }
        var columns = self.columns
        columns[i].name = newName
        return try DataFrame(columns: columns)
    }
}

extension ColumnData {
    /// The rows at `indices`, where `-1` gives a missing value.
    public func selectingAllowingMissing(_ indices: [Int]) -> ColumnData {
        switch self {
        case .numeric(let v):
            return .numeric(indices.map { $0 < 0 ? .nan : v[$0] })
        case .categorical(let codes, let levels):
            return .categorical(codes: indices.map { $0 < 0 ? -1 : codes[$0] }, levels: levels)
        }
    }
}
