#if canImport(Glibc)
import Glibc
#endif

/// Where the learning table reads the time for aging. Tests pass a clock
/// they move by hand; the datapath uses `MonotonicSwitchClock`.
public protocol SwitchClock: Sendable {
    /// Nanoseconds on a clock that never goes backwards.
    func nanoseconds() -> UInt64
}

/// `clock_gettime(CLOCK_MONOTONIC_COARSE)`: a few nanoseconds per call from
/// the vDSO, with tick resolution, which is plenty for aging in seconds.
public struct MonotonicSwitchClock: SwitchClock {
    /// The live clock.
    public init() {}

    public func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
