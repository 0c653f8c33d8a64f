import Synchronization

/// A FIFO lock for the engine's multi-step operations that await in between
/// (a driver swap, a module reload): other callers queue instead of
/// interleaving, so two reconciles never run at once. The engine actor stays
/// free while the holder awaits; only the lock's queue waits.
///
/// It is not reentrant, and a closure run under it (module unload/load, the
/// driver swap, a test's hook) could call back into the engine and wait for
/// itself forever. It is therefore re-entry-checked: every operation run
/// under the lock is recorded in a task-local value that child tasks
/// inherit, and an operation that finds its own task (or a parent) holding
/// the lock is refused with an `EngineError` at once instead of deadlocking
/// (docs/threading.md). A record inherited by an unstructured task that
/// outlives the operation is stale and ignored: the check compares it with
/// the acquisition that holds the lock now.
final class AsyncLock: Sendable {
    /// Who holds the lock, for the re-entry sentence and the status line.
    struct Holder: Sendable, Equatable {
        var operation: String
        var since: ContinuousClock.Instant
        fileprivate var acquisition: UInt64
    }

    private struct State {
        var holder: Holder?
        var waiters: [(operation: String, acquisition: UInt64, continuation: CheckedContinuation<UInt64, Never>)] = []
        var acquisitions: UInt64 = 0
    }

    /// The acquisitions of AsyncLocks the current task runs under, by lock.
    @TaskLocal private static var held: [ObjectIdentifier: (operation: String, acquisition: UInt64)] = [:]

    private let state = Mutex(State())

    /// The operation holding the lock now, if any (read without waiting).
    var holder: Holder? { state.withLock { $0.holder } }

    /// Runs `body` holding the lock; `operation` names it ("apply", "module
    /// reload") in the re-entry sentence and the status line. Throws
    /// `EngineError(.conflict)` without waiting when the calling task already
    /// holds the lock.
    func run<T: Sendable>(_ operation: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try refuseReentry(operation)
        return try await holding(await acquire(operation), operation, body)
    }

    /// Runs `body` holding the lock if nobody holds it or waits for it now;
    /// otherwise returns nil at once, without waiting. A re-entry is
    /// refused as in `run`.
    func runIfFree<T: Sendable>(_ operation: String, _ body: @Sendable () async throws -> T) async throws -> T? {
        try refuseReentry(operation)
        let acquisition: UInt64? = state.withLock { s in
            guard s.holder == nil, s.waiters.isEmpty else { return nil }
            s.acquisitions += 1
            s.holder = Holder(operation: operation, since: .now, acquisition: s.acquisitions)
            return s.acquisitions
        }
        guard let acquisition else { return nil }
        return try await holding(acquisition, operation, body)
    }

    /// Throws the re-entry sentence when the calling task already holds the lock.
    private func refuseReentry(_ operation: String) throws {
        if let outer = Self.held[ObjectIdentifier(self)], state.withLock({ $0.holder?.acquisition == outer.acquisition }) {
            throw Self.reentry(operation, inside: outer.operation)
        }
    }

    /// Runs `body` under the acquisition just granted, recorded for the
    /// re-entry check, and releases the lock after it.
    private func holding<T: Sendable>(_ acquisition: UInt64, _ operation: String,
                                      _ body: @Sendable () async throws -> T) async throws -> T {
        defer { release() }
        var held = Self.held
        held[ObjectIdentifier(self)] = (operation, acquisition)
        return try await Self.$held.withValue(held) { try await body() }
    }

    /// The sentence for a refused re-entry.
    static func reentry(_ operation: String, inside outer: String) -> EngineError {
        EngineError(.conflict, "cannot run \(operation) now: it was called from inside \(outer), which holds the engine's lock "
            + "(a callback run under the lock called back into the engine); refused instead of waiting for itself forever — a bug in valed, please report it")
    }

    private func acquire(_ operation: String) async -> UInt64 {
        await withCheckedContinuation { (continuation: CheckedContinuation<UInt64, Never>) in
            let granted: UInt64? = state.withLock { s in
                s.acquisitions += 1
                let id = s.acquisitions
                if s.holder == nil {
                    s.holder = Holder(operation: operation, since: .now, acquisition: id)
                    return id
                }
                s.waiters.append((operation, id, continuation))
                return nil
            }
            // Resumed outside the mutex: nothing runs under it.
            if let granted { continuation.resume(returning: granted) }
        }
    }

    private func release() {
        let next: (CheckedContinuation<UInt64, Never>, UInt64)? = state.withLock { s in
            guard !s.waiters.isEmpty else { s.holder = nil; return nil }
            let w = s.waiters.removeFirst()
            s.holder = Holder(operation: w.operation, since: .now, acquisition: w.acquisition)
            return (w.continuation, w.acquisition)
        }
        // Resumed outside the mutex.
        if let (continuation, id) = next { continuation.resume(returning: id) }
    }
}
