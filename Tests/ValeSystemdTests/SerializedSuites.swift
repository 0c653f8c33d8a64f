import Testing

/// The suites here change process-wide state (environment variables that
/// libsystemd reads: NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*) or spawn children
/// that inherit it, so they run one at a time.
@Suite(.serialized) enum SystemdProcessState {}
