#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C during a stream: the handler does nothing, but its presence
/// makes the blocking poll(2) return EINTR instead of the process dying,
/// so valectl ends the stream cleanly (a pcap file is complete, the
/// connection closes and valed releases the monitor).
enum Interrupts {
    static func install() {
        signal(SIGINT) { _ in }
        signal(SIGTERM) { _ in }
        // A parent may have started us with these blocked (a blocked mask
        // survives exec): unblock them, or Ctrl-C would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }
}
