import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How many cores this process may actually run on at once: the CPUs of its affinity mask
/// (`sched_getaffinity`, what `taskset` and container cpusets restrict), further bounded by a
/// cgroup CPU quota (`cpu.max` of cgroup v2, `cpu.cfs_quota_us` / `cpu.cfs_period_us` of v1:
/// what `docker --cpus` sets), rounded up. Spinning workers beyond this wait on one another.
public enum AvailableCores {
    /// The cores available to this process now (at least 1).
    public static var count: Int {
        let quota = cgroupLimit(v2: read("/sys/fs/cgroup/cpu.max"),
                                v1Quota: read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") ?? read("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"),
                                v1Period: read("/sys/fs/cgroup/cpu/cpu.cfs_period_us") ?? read("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"))
        return bounded(affinity: affinityCount ?? ProcessInfo.processInfo.activeProcessorCount, quota: quota)
    }

    /// The smaller of the affinity count and the quota (either may be missing), at least 1.
    static func bounded(affinity: Int, quota: Int?) -> Int {
        max(1, min(affinity, quota ?? Int.max))
    }

    /// CPUs in this process's affinity mask (what `sched_getaffinity` returns, read from the
    /// kernel's `Cpus_allowed_list` because glibc keeps the call behind `_GNU_SOURCE`), or nil
    /// where /proc is not there.
    static var affinityCount: Int? {
        guard let status = read("/proc/self/status", limit: 1 << 16) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
        return line.flatMap { cpuListCount(String($0.dropFirst("Cpus_allowed_list:".count))) }
    }

    /// CPUs in a kernel CPU list ("0-3,8,10-11"), or nil when it is not one.
    static func cpuListCount(_ list: String) -> Int? {
        var total = 0
        for part in list.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard let lo = Int(bounds[0]), lo >= 0, bounds.count <= 2 else { return nil }
            let hi = bounds.count == 2 ? Int(bounds[1]) : lo
            guard let hi, hi >= lo, hi - lo < 1 << 20 else { return nil }
            total += hi - lo + 1
            guard total < 1 << 20 else { return nil }
        }
        return total > 0 ? total : nil
    }

    /// Whole cores a cgroup quota allows (quota / period, rounded up), or nil for no limit or
    /// text that is not a quota. v2's `cpu.max` is "max 100000" or "200000 100000"; v1's quota
    /// is -1 for no limit.
    static func cgroupLimit(v2: String?, v1Quota: String?, v1Period: String?) -> Int? {
        if let v2 {
            let fields = v2.split(whereSeparator: \.isWhitespace)
            if fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]) {
                return cores(quota: quota, period: period)
            }
            return nil
        }
        guard let q = v1Quota?.trimmingCharacters(in: .whitespacesAndNewlines), let quota = Int(q),
              let p = v1Period?.trimmingCharacters(in: .whitespacesAndNewlines), let period = Int(p) else { return nil }
        return cores(quota: quota, period: period)
    }

    private static func cores(quota: Int, period: Int) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        let (whole, rest) = quota.quotientAndRemainder(dividingBy: period)
        return max(1, whole + (rest > 0 ? 1 : 0))
    }

    private static func read(_ path: String, limit: Int = 256) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count < limit else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
