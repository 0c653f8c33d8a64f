#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C during a stream: the signal handler writes a byte to a pipe
/// that the client's poll(2) watches (the self-pipe trick), so valectl ends
/// the stream cleanly whenever the signal arrives: the pcap file is
/// complete, the connection closes and valed releases the monitor.
enum Interrupts {
    /// The pipe: read end for poll(2), write end for the handler.
    private static let pipeDescriptors: (read: Int32, write: Int32) = {
        var descriptors: [Int32] = [-1, -1]
        // Blocking is harmless: it would take 64 KiB of unread Ctrl-Cs to fill it.
        guard pipe(&descriptors) == 0 else { return (-1, -1) }
        return (descriptors[0], descriptors[1])
    }()

    /// Installs the handlers for SIGINT and SIGTERM and returns the
    /// descriptor to watch (`VarlinkClient.interruptDescriptor`).
    static func install() -> Int32? {
        let descriptors = pipeDescriptors
        guard descriptors.read >= 0 else { return nil }
        let handler: @convention(c) (Int32) -> Void = { _ in
            var byte: UInt8 = 1
            _ = write(Interrupts.pipeDescriptors.write, &byte, 1)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        // A parent may have started us with these blocked (a blocked mask
        // survives exec): unblock them, or Ctrl-C would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        return descriptors.read
    }
}
