import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's own resource use, read from `/proc/self` (Linux); zeros where unavailable.
public struct ProcessResources: Sendable, Equatable {
    public var residentBytes: Int
    public var cpuSeconds: Double
    public var openFileDescriptors: Int

    /// Reads the current figures.
    public static func current() -> ProcessResources {
        var result = ProcessResources(residentBytes: 0, cpuSeconds: 0, openFileDescriptors: 0)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let pages = Int(fields[1]) { result.residentBytes = pages * page }
        }
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            // Fields after "(comm)": state is field 3, so utime (14) and stime (15) are at 11 and 12.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]), ticks > 0 {
                result.cpuSeconds = (user + system) / ticks
            }
        }
        result.openFileDescriptors =
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 1) - 1
        return result
    }
}
