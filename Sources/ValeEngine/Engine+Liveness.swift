import Foundation
import ValeState

/// What the engine's executor answered to a liveness probe.
public struct EngineHeartbeat: Sendable, Equatable {
    /// The operation holding the engine's lock, and for how long.
    public struct Busy: Sendable, Equatable {
        public var operation: String
        public var duration: Duration
    }
    /// Probes answered since the engine was made; grows by one per answer.
    public var beat: UInt64
    /// Set while a multi-step operation (apply, reload, module reload, a
    /// driver swap) holds the engine's lock: the engine is busy, not stuck.
    public var busy: Busy?
}

/// Liveness of the engine's executor, the lock helper for operations that
/// cannot throw, and the test-only apply delay (docs/threading.md).
extension Engine {
    /// The watchdog's probe. It takes no lock, so the actor answers it as
    /// soon as its executor is free: between the awaits of a long apply, a
    /// driver swap or a module reload (which hold only the `AsyncLock`, not
    /// the executor), but never while something blocks the executor — a
    /// wedged engine leaves the probe waiting and the watchdog unfed.
    public func heartbeat() -> EngineHeartbeat {
        heartbeats &+= 1
        return EngineHeartbeat(beat: heartbeats,
                               busy: lock.holder.map { .init(operation: $0.operation, duration: .now - $0.since) })
    }

    /// Runs `body` under the engine's lock for an operation that reports
    /// rather than throws; a re-entry (refused by the lock instead of a
    /// deadlock) is logged and answered with `refused`.
    func locked<T: Sendable>(_ operation: String, orElse refused: (EngineError) -> T,
                             _ body: @Sendable () async -> T) async -> T {
        do {
            return try await lock.run(operation, body)
        } catch {
            let engineError = error as? EngineError ?? EngineError(.conflict, "\(error)")
            logger.critical("\(engineError)")
            return refused(engineError)
        }
    }

    /// Test-only (`valed --test-delay-apply`): every apply and reload waits
    /// this long holding the engine's lock before it reconciles, the way a
    /// driver swap or a module reload does, so a test can prove that the
    /// watchdog outlives a long operation. Never set in production.
    package func setTestApplyDelay(_ delay: Duration?) { testApplyDelay = delay }

    func waitTestApplyDelay(_ operation: String) async {
        guard let delay = testApplyDelay else { return }
        logger.warning("test-only apply delay: \(operation) waits \(delay) holding the engine's lock")
        try? await Task.sleep(for: delay)
    }
}
