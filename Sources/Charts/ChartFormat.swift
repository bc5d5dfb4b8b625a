/// Locale-free number formatting and axis ticks shared by the renderers, so the same chart gives
/// the same bytes on every machine (SVG goldens depend on it).
public enum ChartFormat {
    /// `x` with exactly `decimals` decimals, no exponent; "-0" is written "0".
    public static func fixed(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9.0e18 else { return String(x) }
        let n = UInt64(scaled), s = UInt64(scale)
        var text = (x < 0 && n != 0 ? "-" : "") + String(n / s)
        if decimals > 0 {
            let f = String(n % s)
            text += "." + String(repeating: "0", count: decimals - f.count) + f
        }
        return text
    }

    /// A coordinate for SVG: one decimal, trailing ".0" dropped.
    public static func coordinate(_ x: Double) -> String {
        let text = fixed(x, decimals: 1)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// A tick or value label: up to four significant digits, trailing zeros dropped.
    public static func label(_ x: Double) -> String {
        guard x.isFinite else { return fixed(x, decimals: 0) }
        let magnitude = abs(x)
        if magnitude == 0 { return "0" }
        if magnitude >= 1e6 || magnitude < 1e-3 {
            var exponent = 0
            var m = magnitude
            while m >= 10 {
                m /= 10
                exponent += 1
            }
            while m < 1 {
                m *= 10
                exponent -= 1
            }
            return trim(fixed(x < 0 ? -m : m, decimals: 2)) + "e" + String(exponent)
        }
        var digits = 0
        var m = magnitude
        while m >= 10 {
            m /= 10
            digits += 1
        }
        return trim(fixed(x, decimals: max(0, 3 - digits)))
    }

    private static func trim(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t == "-0" ? "0" : t
    }

    /// About `count` round tick values (steps of 1, 2 or 5 × 10ⁿ) inside `range`.
    public static func ticks(_ range: ClosedRange<Double>, count: Int = 5) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite, count > 0 else { return [range.lowerBound] }
        let rough = span / Double(count)
        var power = 1.0
        while power * 10 <= rough { power *= 10 }
        while power > rough { power /= 10 }
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * power }.first { $0 >= rough } ?? power * 10
        var ticks: [Double] = []
        var k = (range.lowerBound / step).rounded(.up)
        while k * step <= range.upperBound + step * 1e-9, ticks.count < 50 {
            let v = k * step
            ticks.append(abs(v) < step * 1e-9 ? 0 : v)
            k += 1
        }
        return ticks
    }

    /// Text made safe inside XML/HTML elements and attribute values.
    public static func escapeXML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
