/// Parses decimal numbers from bytes, giving exactly the `Double` that `Double(String)` gives for the same text.
///
/// Accepted syntax: `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`. Hex floats, `inf`,
/// `infinity` and `nan` are deliberately not numbers here (the reader's missing tokens cover `NaN`),
/// and neither is text beyond the Double range such as `1e400`, which `Double(String)` makes
/// infinite: a column holding it is text, as with `inf` (and the table writes back as it was read).
/// Common numbers take Clinger's fast path (at most 19 digits, exact power of ten, one
/// correctly rounded multiplication or division); the rest fall back to `Double(String)`.
enum CSVNumberParser {
    /// 10^0 … 10^22: every one is exactly representable as a Double, which the fast path relies on.
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The value of the number at the start of `p..<end` and where its syntax ends, or `nil` when
    /// no number starts there. The caller decides whether the byte after it is an acceptable end.
    @inline(__always)
    static func parsePrefix(
        _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, pow10: UnsafePointer<Double>
    ) -> (value: Double, next: UnsafePointer<UInt8>)? {
        var p = start
        var negative = false
        if p < end {
            let c = p.pointee
            if c == UInt8(ascii: "-") {
                negative = true
                p += 1
            } else if c == UInt8(ascii: "+") {
                p += 1
            }
        }
        // Accumulate every digit; with at most 19 of them (leading zeros included) the mantissa is exact,
        // since 10^19 < 2^64. Longer spellings are rare and go to the slow path.
        var mantissa: UInt64 = 0
        var digits = accumulateDigits(&p, end, into: &mantissa)
        var exponent = 0  // decimal exponent applied to `mantissa`
        if p < end && p.pointee == UInt8(ascii: ".") {
            p += 1
            let fractionDigits = accumulateDigits(&p, end, into: &mantissa)
            digits += fractionDigits
            exponent = -fractionDigits
        }
        let sawDigit = digits > 0
        let truncated = digits > 19
        guard sawDigit else { return nil }
        if p < end && (p.pointee | 0x20) == UInt8(ascii: "e") {
            // An exponent counts only with at least one digit; otherwise the number ends before the 'e'
            // and the caller sees the 'e' as an unexpected byte.
            var q = p + 1
            var exponentNegative = false
            if q < end && (q.pointee == UInt8(ascii: "-") || q.pointee == UInt8(ascii: "+")) {
                exponentNegative = q.pointee == UInt8(ascii: "-")
                q += 1
            }
            var e = 0
            var sawExponentDigit = false
            while q < end {
                let d = q.pointee &- 48
                if d > 9 { break }
                sawExponentDigit = true
                if e < 100_000 { e = e * 10 + Int(d) }  // beyond this every result is 0 or infinity anyway
                q += 1
            }
            if sawExponentDigit {
                exponent += exponentNegative ? -e : e
                p = q
            }
        }
        if !truncated {
            var value: Double? = nil
            if mantissa == 0 {
                value = 0
            } else if mantissa <= 1 << 53 {
                if exponent == 0 {
                    value = Double(mantissa)
                } else if exponent > 0 && exponent <= 22 {
                    value = Double(mantissa) * pow10[exponent]
                } else if exponent < 0 && exponent >= -22 {
                    value = Double(mantissa) / pow10[-exponent]
                } else if exponent > 22 && exponent <= 22 + 15 {
                    // Move the excess into the mantissa when that stays exact (below 2^53).
                    let scale = UInt64(pow10[exponent - 22])
                    let (product, overflow) = mantissa.multipliedReportingOverflow(by: scale)
                    if !overflow && product <= 1 << 53 {
                        value = Double(product) * 1e22
                    }
                }
            }
            if let v = value { return (negative ? -v : v, p) }
        }
        return slowPath(start, p).map { ($0, p) }
    }

    /// Appends the decimal digits at `p` to `mantissa` (wrapping past 19 digits), advancing `p`; returns how many.
    @inline(__always)
    private static func accumulateDigits(
        _ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, into mantissa: inout UInt64
    ) -> Int {
        var count = 0
        while p < end {
            let d = p.pointee &- 48
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            count += 1
            p += 1
        }
        return count
    }

    /// Hard cases (many digits, large exponents): the standard library's correctly rounded conversion,
    /// refusing results that overflow to infinity.
    @inline(never)
    static func slowPath(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Double? {
        let text = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// The number spelled by exactly these bytes (no surrounding spaces), or `nil`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        return powersOfTen.withUnsafeBufferPointer { pow10 -> Double? in
            guard let pow = pow10.baseAddress,
                let (value, next) = parsePrefix(base, base + bytes.count, pow10: pow),
                next == base + bytes.count
            else { return nil }
            return value
        }
    }
}
