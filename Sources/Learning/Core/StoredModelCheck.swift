/// Checks a stored model's parts while it is decoded, so a damaged or hand-crafted model file is
/// refused with what is wrong and where, before any kernel (which indexes without bounds checks)
/// runs on it.
enum StoredModelCheck {
    /// Throws `DecodingError.dataCorrupted` at `path` saying `problem` unless `condition` holds.
    static func require(
        _ condition: Bool, at path: @autoclosure () -> [any CodingKey], _ problem: @autoclosure () -> String
    ) throws {
        guard condition else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: problem()))
        }
    }

    /// True when no value is NaN or infinite.
    static func allFinite(_ values: [Double]) -> Bool { values.allSatisfy { $0.isFinite } }

    /// `a × b`, or nil when either is negative or the product overflows.
    static func product(_ a: Int, _ b: Int) -> Int? {
        guard a >= 0, b >= 0 else { return nil }
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : p
    }
}
