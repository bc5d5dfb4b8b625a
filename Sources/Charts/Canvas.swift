/// A character grid for x–y plots: one dot per cell in ASCII (a marker per series), 2 × 4 braille
/// dots per cell in Unicode (coloured by the series that drew last).
struct Canvas {
    let columns: Int
    let rows: Int
    let style: TerminalStyle
    /// Braille dot bits (Unicode) per cell.
    private var bits: [UInt8]
    /// The series that last drew in a cell; -1 for the reference line, nil for empty.
    private var owner: [Int?]

    init(columns: Int, rows: Int, style: TerminalStyle) {
        self.columns = columns
        self.rows = rows
        self.style = style
        bits = Array(repeating: 0, count: columns * rows)
        owner = Array(repeating: nil, count: columns * rows)
    }

    var dotColumns: Int { style == .ascii ? columns : columns * 2 }
    var dotRows: Int { style == .ascii ? rows : rows * 4 }

    /// Braille bit for the dot at (x, y) inside its cell (Unicode's numbering of the 8 dots).
    private static let brailleBits: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    mutating func set(_ p: (Int, Int), series: Int) {
        let (x, y) = p
        guard x >= 0, y >= 0, x < dotColumns, y < dotRows else { return }
        let cx = style == .ascii ? x : x / 2, cy = style == .ascii ? y : y / 4
        let i = cy * columns + cx
        if style == .unicode { bits[i] |= Canvas.brailleBits[y % 4][x % 2] }
        // A series never gives way to the reference line.
        if series >= 0 || owner[i] == nil { owner[i] = series }
    }

    /// A straight segment between two dots (Bresenham); dotted draws every other dot.
    mutating func segment(_ a: (Int, Int), _ b: (Int, Int), series: Int, dotted: Bool) {
        var (x0, y0) = a
        let (x1, y1) = b
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        var step = 0
        while true {
            if !dotted || step % 2 == 0 { set((x0, y0), series: series) }
            step += 1
            if x0 == x1 && y0 == y1 { break }
            let e2 = 2 * error
            if e2 >= dy {
                error += dy
                x0 += sx
            }
            if e2 <= dx {
                error += dx
                y0 += sy
            }
        }
    }

    func lines() -> [String] {
        (0..<rows).map { r in
            var line = ""
            for c in 0..<columns {
                let i = r * columns + c
                guard let series = owner[i] else {
                    line += " "
                    continue
                }
                switch style {
                case .ascii:
                    line.append(
                        series < 0 ? "." : TerminalRenderer.asciiMarkers[series % TerminalRenderer.asciiMarkers.count])
                case .unicode:
                    let glyph = String(Character(Unicode.Scalar(0x2800 + UInt32(bits[i])) ?? " "))
                    let code = series < 0 ? 244 : TerminalRenderer.colours[series % TerminalRenderer.colours.count]
                    line += TerminalRenderer.colour(code, glyph)
                }
            }
            return line
        }
    }
}
