import CLinuxSupport
import Foundation

/// Runs blocking kernel work (finit_module, delete_module, a driver swap:
/// seconds, not microseconds) on a thread of its own and awaits it, so it
/// blocks neither a thread of Swift's cooperative pool (two on a two-core
/// host, shared with the engine and the watchdog's probe) nor the control
/// server's event loop, which is the task executor of every request
/// (docs/threading.md).
func onOwnThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            // Foundation does not name the kernel's thread; `top -H` shows this.
            _ = clinux_set_thread_name(name)
            continuation.resume(with: Result { try body() })
        }
        thread.name = name
        thread.start()
    }
}
