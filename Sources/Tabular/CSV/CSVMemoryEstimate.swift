/// The peak memory of loading a CSV, estimated from a sample of its first bytes by the storage each
/// column will actually use: a numeric column 8 bytes per row (16 in files wider than
/// `CSVColumnStorage.nestingLimit`, whose numbers are parsed into a slot and copied); a text column 8 bytes per row while
/// parsing (its slot) plus 4 for its codes, and per distinct value its bytes twice (the parser's
/// arena, then the level's `String`) and the tables that intern it (about 90 bytes, measured: the arena's
/// offsets and hashes, open-addressing slots, the merged dictionary and level array, a heap
/// `String` header past 15 bytes). One window of the raw file (`CSVReader.defaultWindowSize`, or
/// the whole file when smaller) is held throughout.
///
/// Distinct values are extrapolated from the sample: a column whose sampled values are all
/// different (names, ids, free text) is assumed to stay so; one with few distinct values keeps
/// about that many. Between the two, the fraction distinct in the sample squared scales the rows.
enum CSVMemoryEstimate {
    /// Bytes per distinct text value besides its own bytes (see the type's summary).
    static let perLevelOverhead = 90
    /// Bytes per row of a text column: its parse slot and its codes.
    static let textBytesPerRow = 12

    /// What the sample showed about one column.
    struct Profile {
        var numeric = true
        var values = 0
        var distinct = Set<[UInt8]>()
        var distinctBytes = 0
    }

    static func estimate(sample: UnsafeBufferPointer<UInt8>, totalBytes: Int, separator: UInt8) -> Int {
        var profiles: [Profile] = []
        var records = 0
        var dataBytes = 0
        var headerBytes = 0
        var complete = 0  // bytes of the sample up to the end of the last complete record
        var field: [UInt8] = []
        var column = 0
        var quoted = false, inQuotes = false, fieldStarted = false
        func endField() {
            if records > 0 {
                while profiles.count <= column { profiles.append(Profile()) }
                record(field, quoted: quoted, into: &profiles[column])
            } else {
                while profiles.count <= column { profiles.append(Profile()) }
            }
            field.removeAll(keepingCapacity: true)
            column += 1
            quoted = false
            fieldStarted = false
        }
        var i = 0
        while i < sample.count {
            let byte = sample[i]
            if inQuotes {
                if byte == 0x22 {
                    if i + 1 < sample.count, sample[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == 0x22, !fieldStarted {
                inQuotes = true
                quoted = true
                fieldStarted = true
            } else if byte == separator {
                endField()
            } else if byte == 0x0A {
                endField()
                if records == 0 { headerBytes = i + 1 } else { dataBytes = i + 1 - headerBytes }
                records += 1
                complete = i + 1
                column = 0
            } else if byte != 0x0D {
                if byte != 0x20 || fieldStarted { field.append(byte) }
                if byte != 0x20 && byte != 0x09 { fieldStarted = true }
            }
            i += 1
        }
        // The whole file was sampled and its last record has no line end.
        if sample.count == totalBytes, complete < sample.count, records > 0 {
            endField()
            dataBytes = sample.count - headerBytes
            records += 1
        }
        let columns = max(1, profiles.count, column)
        let sampledRows = records - 1
        guard sampledRows > 0, dataBytes > 0 else {
            // Not one data record in the sample: rows from the sample's length, every cell 8 bytes.
            let rows = totalBytes / max(1, sample.count) + 1
            return clampedSum(min(totalBytes, CSVReader.defaultWindowSize), rows, columns * 8)
        }
        let rows = Int(
            (Double(max(0, totalBytes - headerBytes)) / Double(dataBytes) * Double(sampledRows)).rounded(.up))
        var total = Double(min(totalBytes, CSVReader.defaultWindowSize))
        for c in 0..<columns {
            let profile = c < profiles.count ? profiles[c] : Profile()
            if profile.numeric {
                // Past the storage's nesting limit a numeric column is parsed into a slot and copied out.
                total += (columns > CSVColumnStorage.nestingLimit ? 16 : 8) * Double(rows)
                continue
            }
            let fraction = Double(profile.distinct.count) / Double(max(1, profile.values))
            let sampledDistinct = Double(profile.distinct.count)
            let levels = min(
                Double(rows),
                (sampledDistinct + max(0, Double(rows) - Double(sampledRows)) * fraction * fraction).rounded())
            let length = Double(profile.distinctBytes) / max(1, sampledDistinct)
            let heapString = length > 15 ? ((32 + length + 15) / 16).rounded(.down) * 16 : 0
            total +=
                Double(textBytesPerRow) * Double(rows) + levels * (Double(perLevelOverhead) + 2 * length + heapString)
        }
        return total >= Double(Int.max) ? Int.max : Int(total)
    }

    /// Records one sampled value: numeric if it is missing or reads as a number.
    private static func record(_ field: [UInt8], quoted: Bool, into profile: inout Profile) {
        var end = field.count
        while end > 0, field[end - 1] == 0x20 || field[end - 1] == 0x09 { end -= 1 }
        let value = Array(field[..<end])
        profile.values += 1
        if profile.numeric, !isMissingOrNumber(value) { profile.numeric = false }
        if profile.distinct.count < 1 << 16, profile.distinct.insert(value).inserted {
            profile.distinctBytes += value.count
        }
    }

    private static func isMissingOrNumber(_ value: [UInt8]) -> Bool {
        if value.isEmpty { return true }
        let text = String(decoding: value, as: UTF8.self)
        if ["na", "nan", "null", "n/a", "none", "-"].contains(text.lowercased()) { return true }
        return Double(text) != nil
    }

    /// `base + rows × perRow`, or `Int.max` on overflow.
    private static func clampedSum(_ base: Int, _ rows: Int, _ perRow: Int) -> Int {
        let (product, overflow) = rows.multipliedReportingOverflow(by: perRow)
        guard !overflow, product <= Int.max - base else { return Int.max }
        return base + product
    }
}
