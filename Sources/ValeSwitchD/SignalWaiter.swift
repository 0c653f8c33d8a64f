#if canImport(Glibc)
import Glibc
#endif

/// Signals handled synchronously: blocked in the calling thread (and so in
/// every thread created afterwards), then taken one at a time by `wait()`.
/// No handler runs asynchronously inside a packet or connection thread.
struct SignalWaiter {
    private var set = sigset_t()

    /// Blocks `signals`; call before any thread is created.
    init(signals: [Int32]) {
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// The next of the blocked signals (sigwait(3)).
    func wait() -> Int32 {
        var signal: Int32 = 0
        var copy = set
        while sigwait(&copy, &signal) != 0 {}
        return signal
    }
}
