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
        // A parent may have started valectl with these signals blocked (the
        // mask is inherited across exec); then Ctrl-C would stay pending and
        // never end the stream.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
