import CSystemd
import Glibc

/// The seam under `SystemdNotifier`: sending one notification datagram and
/// reading the watchdog settings systemd put in the environment.
public protocol SystemdNotifyTransport: Sendable {
    /// Sends `state` (newline-separated `KEY=VALUE` assignments) to the
    /// service manager: `sd_notify(0, state)`. Returns false when there is
    /// no service manager to tell (`NOTIFY_SOCKET` unset).
    func notify(_ state: String) throws(SystemdError) -> Bool

    /// `sd_watchdog_enabled(0, &usec)`: the watchdog timeout in
    /// microseconds when systemd expects `WATCHDOG=1` from this process.
    func watchdogTimeoutMicroseconds() throws(SystemdError) -> UInt64?
}

/// The real transport: libsystemd's `sd_notify` and `sd_watchdog_enabled`,
/// which read `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`.
public struct LibsystemdNotifyTransport: SystemdNotifyTransport {
    /// Creates the live transport.
    public init() {}

    public func notify(_ state: String) throws(SystemdError) -> Bool {
        let rc = sd_notify(0, state)
        if rc < 0 { throw SystemdError.call("sd_notify(\(state.split(separator: "\n").first ?? ""))", returned: rc) }
        return rc > 0
    }

    public func watchdogTimeoutMicroseconds() throws(SystemdError) -> UInt64? {
        var usec: UInt64 = 0
        let rc = sd_watchdog_enabled(0, &usec)
        if rc < 0 { throw SystemdError.call("sd_watchdog_enabled", returned: rc) }
        return rc > 0 ? usec : nil
    }
}
