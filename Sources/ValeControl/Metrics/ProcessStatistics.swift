import Foundation

/// The daemon's own resource use, read from /proc/self (proc(5)): the
/// `process_*` rows every Prometheus client library exports.
public struct ProcessStatistics: Sendable, Equatable {
    public var cpuSeconds: Double
    public var residentBytes: UInt64
    public var virtualBytes: UInt64
    public var threads: Int
    public var openFileDescriptors: Int
    public var maxFileDescriptors: UInt64?
    /// Seconds since the epoch.
    public var startTime: Double?

    /// Reads /proc/self/stat, /proc/self/fd and /proc/stat; nil when
    /// /proc is not mounted.
    public static func current(proc: String = "/proc") -> ProcessStatistics? {
        guard let stat = try? String(contentsOfFile: "\(proc)/self/stat", encoding: .utf8),
              let fields = parse(stat: stat) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "\(proc)/self/fd").count).map { max($0 - 1, 0) } ?? 0
        var limit = rlimit()
        let maxFDs: UInt64? = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 ? UInt64(limit.rlim_cur) : nil
        var start: Double?
        if let btime = bootTime(proc: proc) { start = btime + Double(fields.startTicks) / ticks }
        return ProcessStatistics(cpuSeconds: Double(fields.utime + fields.stime) / ticks,
                                 residentBytes: fields.rssPages * page, virtualBytes: fields.vsize,
                                 threads: fields.threads, openFileDescriptors: fds, maxFileDescriptors: maxFDs, startTime: start)
    }

    struct StatFields: Equatable {
        var utime: UInt64, stime: UInt64, threads: Int, startTicks: UInt64, vsize: UInt64, rssPages: UInt64
    }

    /// The fields of /proc/PID/stat after the parenthesised command name
    /// (which may itself contain spaces and parentheses).
    static func parse(stat: String) -> StatFields? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // Field 3 (state) is rest[0]; field N is rest[N - 3].
        let rest = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard rest.count > 21 else { return nil }
        func n(_ field: Int) -> UInt64? { UInt64(rest[field - 3]) }
        guard let utime = n(14), let stime = n(15), let threads = n(20), let start = n(22), let vsize = n(23),
              let rss = rest[24 - 3].first == "-" ? 0 : n(24) else { return nil }
        return StatFields(utime: utime, stime: stime, threads: Int(threads), startTicks: start, vsize: vsize, rssPages: rss)
    }

    private static func bootTime(proc: String) -> Double? {
        guard let text = try? String(contentsOfFile: "\(proc)/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
