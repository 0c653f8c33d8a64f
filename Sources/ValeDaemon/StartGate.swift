import Synchronization

/// Says when a part of valed is up. The part after it waits here: it goes on
/// once the gate opens, or stops waiting when the gate is abandoned (the
/// part before it failed to start, or valed stops first).
final class StartGate: Sendable {
    private struct State {
        var outcome: Bool?
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }
    private let state = Mutex(State())

    /// The part is up: waiters go on.
    func open() { settle(true) }

    /// The part will not come up: waiters stop waiting.
    func abandon() { settle(false) }

    /// True once the gate opened, false once it was abandoned.
    func wait() async -> Bool {
        await withCheckedContinuation { continuation in
            let outcome = state.withLock { state -> Bool? in
                if state.outcome == nil { state.waiters.append(continuation) }
                return state.outcome
            }
            if let outcome { continuation.resume(returning: outcome) }
        }
    }

    /// The first outcome wins; continuations resume outside the lock.
    private func settle(_ outcome: Bool) {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }
}
