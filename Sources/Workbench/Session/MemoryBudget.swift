public import Foundation

/// How much memory loading a data file may take: `WORKBENCH_MEMORY_BUDGET` (`512M`, `8G`, or bytes),
/// else half of the machine's memory (or of the container's limit, if lower).
///
/// A file over the budget is refused with its estimate before it is read, instead of pushing the
/// machine into swap or the out-of-memory killer.
public enum MemoryBudget {
    public static let variable = "WORKBENCH_MEMORY_BUDGET"

    /// The budget in bytes for this process's environment.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        if let text = environment[variable], !text.isEmpty {
            guard let bytes = parse(text) else {
                throw CommandError(
                    "\(variable)='\(text)' is not a size",
                    hint: "write it like 512M, 8G or a number of bytes, or unset it for half of this machine's memory")
            }
            return bytes
        }
        return defaultBudget()
    }

    /// `1500`, `512K`, `512M`, `8G`, `1T` (binary units, case-insensitive, an optional trailing B or iB).
    static func parse(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("IB") { digits.removeLast(2) } else if digits.hasSuffix("B") { digits.removeLast() }
        let shifts: [Character: Int] = ["K": 10, "M": 20, "G": 30, "T": 40]
        var shift = 0
        if let last = digits.last, let s = shifts[last] {
            shift = s
            digits.removeLast()
        }
        guard let value = Double(digits.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
            return nil
        }
        let bytes = value * Double(1 << shift)
        guard bytes >= 1, bytes < Double(Int.max >> 1) else { return nil }
        return Int(bytes)
    }

    /// Half of physical memory, or of the cgroup's memory limit when that is lower.
    static func defaultBudget() -> Int {
        let pages = Int(sysconf(Int32(_SC_PHYS_PAGES)))
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var total = pages > 0 && pageSize > 0 ? pages.multipliedReportingOverflow(by: pageSize).partialValue : 8 << 30
        for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
                let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0
            {
                total = min(total, limit)
            }
        }
        return max(1 << 28, total / 2)
    }

    /// Refuses, before it is allocated, a matrix of `rows` × `columns` doubles held `copies` times
    /// (an encoded table and the algorithm's working copy) that would not fit the budget, with
    /// the estimate. A fatal allocation failure would end the session; this ends one command.
    static func checkMatrix(
        rows: Int, columns: Int, copies: Int = 2, what: String, hint: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let budget = try current(environment: environment)
        let (cells, overflow1) = rows.multipliedReportingOverflow(by: columns)
        let (bytes, overflow2) = cells.multipliedReportingOverflow(by: 8 * copies)
        let needed = overflow1 || overflow2 ? Int.max : bytes
        guard needed > budget else { return }
        throw CommandError(
            "\(what) would need a \(rows) × \(columns) matrix: about \(describe(needed)) in memory, over the memory budget of \(describe(budget))",
            hint: hint + " (or, if this machine has the memory, raise \(variable))")
    }

    /// "1.5 GiB", "300 MiB".
    static func describe(_ bytes: Int) -> String {
        if bytes == Int.max { return "more than \(Int.max >> 60) EiB" }
        let gib = Double(bytes) / Double(1 << 30)
        return gib >= 1 ? String(format: "%.1f GiB", gib) : "\(max(1, bytes >> 20)) MiB"
    }
}
