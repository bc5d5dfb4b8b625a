/// A way of writing dates found in a text column: ISO 8601 (`2007-11-09`, `2007-11-09T14:05:00Z`),
/// day-first (`09/11/2007`, `9.11.07`) or month-first (`11/09/2007`, `11/9/07`), with or without a
/// time of day. Parses text to calendar fields; no time zones beyond dropping an ISO offset.
public struct DateFormat: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The order of the calendar fields.
    public enum Order: String, Sendable, Codable {
        /// year, month, day (`2007-11-09`, `2007/11/09`).
        case yearFirst
        /// day, month, year (`09/11/2007`).
        case dayFirst
        /// month, day, year (`11/09/2007`).
        case monthFirst
    }

    public var order: Order
    /// The character between the date fields: `-`, `/` or `.`.
    public var separator: String
    /// Whether the year is written with two digits (`07`, read as 2007; 70–99 as 19xx).
    public var twoDigitYear: Bool
    /// Whether some value carries a time of day (`14:05` or `14:05:30`, after `T` or a space).
    public var hasTime: Bool

    public init(order: Order, separator: String, twoDigitYear: Bool = false, hasTime: Bool = false) {
        self.order = order
        self.separator = separator
        self.twoDigitYear = twoDigitYear
        self.hasTime = hasTime
    }

    /// The calendar fields of one value.
    public struct Fields: Sendable, Equatable {
        public var year: Int
        public var month: Int
        public var day: Int
        public var hour: Int
        public var minute: Int
        public var second: Int

        /// 1 = Monday … 7 = Sunday (ISO 8601), by Zeller's congruence on the proleptic Gregorian calendar.
        public var dayOfWeek: Int {
            var y = year, m = month
            if m < 3 {
                m += 12
                y -= 1
            }
            let k = y % 100, j = y / 100
            let h = (day + (13 * (m + 1)) / 5 + k + k / 4 + j / 4 + 5 * j) % 7  // 0 = Saturday
            return (h + 5) % 7 + 1
        }

        /// 1 … 366.
        public var dayOfYear: Int {
            let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][month - 1]
            return before + day + (month > 2 && DateFormat.isLeap(year) ? 1 : 0)
        }

        /// Days since 1970-01-01 on the proleptic Gregorian calendar, with the time of day as a
        /// fraction (2007-11-09T12:00 is 13826.5): one number per instant, for drift and ordering.
        /// By Howard Hinnant's days_from_civil.
        public var daysSince1970: Double {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yoe = y - era * 400
            let mp = (month + 9) % 12
            let doy = (153 * mp + 2) / 5 + day - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146_097 + doe - 719_468
            return Double(days) + Double(hour * 3600 + minute * 60 + second) / 86_400
        }
    }

    /// `yyyy-MM-dd`, `dd/MM/yyyy`, `M/d/yy HH:mm` and so on, as the format is usually written.
    public var description: String {
        let year = twoDigitYear ? "yy" : "yyyy"
        let s = String(separator)
        let date: String =
            switch order {
            case .yearFirst: "yyyy\(s)MM\(s)dd"
            case .dayFirst: "dd\(s)MM\(s)\(year)"
            case .monthFirst: "MM\(s)dd\(s)\(year)"
            }
        let iso = order == .yearFirst && separator == "-"
        return date + (hasTime ? (iso ? "THH:mm:ss" : " HH:mm") : "") + (iso ? " (ISO 8601)" : "")
    }

    /// The fields of `text` in this format, or nil when it does not parse (or names no real day).
    public func parse(_ text: String) -> Fields? {
        guard let raw = Self.split(text), String(raw.separator) == separator else { return nil }
        let (a, b, c) = raw.parts
        var year: Int, month: Int, day: Int
        switch order {
        case .yearFirst:
            guard raw.digits.0 == 4 else { return nil }
            (year, month, day) = (a, b, c)
        case .dayFirst, .monthFirst:
            guard raw.digits.0 <= 2, raw.digits.1 <= 2, raw.digits.2 == (twoDigitYear ? 2 : 4) else { return nil }
            (day, month) = order == .dayFirst ? (a, b) : (b, a)
            year = twoDigitYear ? (c >= 70 ? 1900 + c : 2000 + c) : c
        }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year) else { return nil }
        return Fields(year: year, month: month, day: day, hour: raw.time.0, minute: raw.time.1, second: raw.time.2)
    }

    /// What a text column's values say about dates: the format most of them follow, how many
    /// follow it, and the first present value that does not (with its row).
    public struct Detection: Sendable, Equatable {
        public var format: DateFormat
        public var parsed: Int
        public var present: Int
        public var firstUnparsed: (value: String, row: Int)?

        public static func == (a: Detection, b: Detection) -> Bool {
            a.format == b.format && a.parsed == b.parsed && a.present == b.present
                && a.firstUnparsed?.value == b.firstUnparsed?.value && a.firstUnparsed?.row == b.firstUnparsed?.row
        }
    }

    /// The date format of a text column, when at least half its present values are dates written
    /// one way; nil for numbers, non-dates and empty columns. Day-first and month-first are told
    /// apart by a field above 12; when no value has one, slashes read month-first and dots day-first.
    /// - Complexity: O(distinct values + rows).
    public static func detect(in column: Column) -> Detection? {
        guard case .categorical(let codes, let levels) = column.data else { return nil }
        var counts = [Int](repeating: 0, count: levels.count)
        for c in codes where c >= 0 { counts[Int(c)] += 1 }
        let present = counts.reduce(0, +)
        guard present > 0 else { return nil }
        // Tally the shapes of the distinct values, weighted by how often each occurs.
        struct Shape: Hashable {
            var yearFirst: Bool
            var separator: Character
            var twoDigitYear: Bool
        }
        var shapes: [Shape: Int] = [:]
        var firstOver12 = false, secondOver12 = false, time = false
        for (i, level) in levels.enumerated() where counts[i] > 0 {
            guard let raw = split(level) else { continue }
            let yearFirst = raw.digits.0 == 4
            let shape = Shape(
                yearFirst: yearFirst, separator: raw.separator, twoDigitYear: !yearFirst && raw.digits.2 == 2)
            shapes[shape, default: 0] += counts[i]
            if !yearFirst {
                if raw.parts.0 > 12 { firstOver12 = true }
                if raw.parts.1 > 12 { secondOver12 = true }
            }
            if raw.hasTime { time = true }
        }
        guard let best = shapes.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key.separator != "-") })
        else { return nil }
        let order: Order
        if best.key.yearFirst {
            order = .yearFirst
        } else if firstOver12 && !secondOver12 {
            order = .dayFirst
        } else if secondOver12 && !firstOver12 {
            order = .monthFirst
        } else {
            order = best.key.separator == "." ? .dayFirst : .monthFirst
        }
        let format = DateFormat(
            order: order, separator: String(best.key.separator), twoDigitYear: best.key.twoDigitYear, hasTime: time)
        var parsedLevels = [Bool](repeating: false, count: levels.count)
        var parsed = 0
        for (i, level) in levels.enumerated() where counts[i] > 0 && format.parse(level) != nil {
            parsedLevels[i] = true
            parsed += counts[i]
        }
        guard parsed * 2 >= present else { return nil }
        var firstUnparsed: (String, Int)?
        if parsed < present, let row = codes.firstIndex(where: { $0 >= 0 && !parsedLevels[Int($0)] }) {
            firstUnparsed = (levels[Int(codes[row])], row)
        }
        return Detection(format: format, parsed: parsed, present: present, firstUnparsed: firstUnparsed)
    }

    // MARK: - Scanning

    /// Three numbers separated by one of `-/.`, then optionally a time: the shape every supported
    /// format shares. Digits counts tell four-digit years from two-digit fields.
    private struct Raw {
        var parts: (Int, Int, Int)
        var digits: (Int, Int, Int)
        var separator: Character
        var hasTime: Bool
        var time: (Int, Int, Int)
    }

    private static func split(_ text: String) -> Raw? {
        let bytes = Array(text.utf8)
        var i = 0
        func number(maxDigits: Int) -> (value: Int, digits: Int)? {
            var value = 0, digits = 0
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57, digits < maxDigits {
                value = value * 10 + Int(bytes[i] - 48)
                digits += 1
                i += 1
            }
            return digits == 0 ? nil : (value, digits)
        }
        guard let a = number(maxDigits: 4), i < bytes.count else { return nil }
        let sep = bytes[i]
        guard sep == UInt8(ascii: "-") || sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".") else { return nil }
        i += 1
        guard let b = number(maxDigits: 2), i < bytes.count, bytes[i] == sep else { return nil }
        i += 1
        guard let c = number(maxDigits: 4) else { return nil }
        guard a.digits == 4 ? c.digits <= 2 : c.digits == 4 || c.digits == 2 else { return nil }
        var time = (0, 0, 0)
        var hasTime = false
        if i < bytes.count {
            guard bytes[i] == UInt8(ascii: "T") || bytes[i] == UInt8(ascii: " ") else { return nil }
            i += 1
            guard let h = number(maxDigits: 2), h.value < 24, i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                return nil
            }
            i += 1
            guard let m = number(maxDigits: 2), m.digits == 2, m.value < 60 else { return nil }
            var s = 0
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                i += 1
                guard let sec = number(maxDigits: 2), sec.digits == 2, sec.value < 61 else { return nil }
                s = sec.value
                // Fractions of a second and an ISO zone (Z, +01:00) are accepted and ignored.
                if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                    i += 1
                    while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
                }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "Z") {
                i += 1
            } else if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                i += 1
                guard number(maxDigits: 2)?.digits == 2 else { return nil }
                if i < bytes.count, bytes[i] == UInt8(ascii: ":") { i += 1 }
                guard number(maxDigits: 2)?.digits == 2 else { return nil }
            }
            hasTime = true
            time = (h.value, m.value, s)
        }
        guard i == bytes.count else { return nil }
        return Raw(
            parts: (a.value, b.value, c.value), digits: (a.digits, b.digits, c.digits),
            separator: Character(UnicodeScalar(sep)), hasTime: hasTime, time: time)
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
