import Glibc

/// Tells systemd how valed is doing (`Type=notify`): readiness, a status
/// line, reloads, shutdown and watchdog keep-alives. Every message goes
/// through a `SystemdNotifyTransport`; outside systemd the messages are
/// dropped silently (the transport reports there is no manager).
public final class SystemdNotifier: Sendable {
    /// The seam messages go through.
    public let transport: any SystemdNotifyTransport

    /// Creates a notifier over `transport` (libsystemd by default).
    public init(transport: any SystemdNotifyTransport = LibsystemdNotifyTransport()) {
        self.transport = transport
    }

    /// `READY=1` (plus `STATUS=` when given): start-up (or a reload) is
    /// complete. valed sends it after its first reconcile.
    @discardableResult
    public func ready(status: String? = nil) throws(SystemdError) -> Bool {
        try send(Self.message(["READY": "1"], status: status))
    }

    /// `STATUS=text`: the one-line summary `systemctl status` shows.
    @discardableResult
    public func status(_ text: String) throws(SystemdError) -> Bool {
        try send(Self.message([:], status: text))
    }

    /// `RELOADING=1` and `MONOTONIC_USEC=` (CLOCK_MONOTONIC now, which
    /// systemd 253+ uses to match the reload to its `READY=1`).
    @discardableResult
    public func reloading(status: String? = nil, monotonicMicroseconds: UInt64? = nil) throws(SystemdError) -> Bool {
        let now = monotonicMicroseconds ?? Self.monotonicMicroseconds()
        return try send(Self.message(["RELOADING": "1", "MONOTONIC_USEC": String(now)], status: status))
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping(status: String? = nil) throws(SystemdError) -> Bool {
        try send(Self.message(["STOPPING": "1"], status: status))
    }

    /// `WATCHDOG=1`: the keep-alive; sent from the engine's own loop so a
    /// stuck engine stops sending and systemd restarts the service.
    @discardableResult
    public func watchdog() throws(SystemdError) -> Bool {
        try send("WATCHDOG=1")
    }

    /// `sd_watchdog_enabled`: systemd's watchdog timeout for this process
    /// (`WatchdogSec=`), or nil when no watchdog is armed.
    public func watchdogTimeout() throws(SystemdError) -> Duration? {
        try transport.watchdogTimeoutMicroseconds().map { .microseconds(Int64(clamping: $0)) }
    }

    /// How often to send `WATCHDOG=1`: half the timeout, as sd_watchdog_enabled(3) advises.
    public func watchdogPingInterval() throws(SystemdError) -> Duration? {
        try watchdogTimeout().map { $0 / 2 }
    }

    /// Sends a raw state string through the transport.
    @discardableResult
    public func send(_ state: String) throws(SystemdError) -> Bool {
        try transport.notify(state)
    }

    /// Builds a notification: assignments in a fixed order, then `STATUS=`
    /// with line breaks flattened (a status is one line).
    static func message(_ assignments: KeyValuePairs<String, String>, status: String?) -> String {
        var lines = assignments.map { "\($0.key)=\($0.value)" }
        if let status {
            let flat = String(status.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
            lines.append("STATUS=\(flat)")
        }
        return lines.joined(separator: "\n")
    }

    /// CLOCK_MONOTONIC in microseconds, the clock systemd compares against.
    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
    }
}
