import Synchronization

/// How a bounded wait ended.
public enum DeadlineOutcome<T: Sendable>: Sendable {
    case value(T)
    case failed(String)
    case timedOut
}

/// Runs `body` in a task of its own and waits for it at most `limit`. A body
/// that deadlocks makes the test fail with `.timedOut` instead of hanging
/// the suite: unlike a task group (which waits for every child at its end,
/// the stuck one included), the stuck task is left behind.
public func outcome<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> T) async -> DeadlineOutcome<T> {
    let slot = OnceSlot<DeadlineOutcome<T>>()
    return await withCheckedContinuation { continuation in
        slot.set(continuation)
        Task.detached {
            let result: DeadlineOutcome<T>
            do { result = .value(try await body()) } catch { result = .failed("\(error)") }
            slot.resume(result)
        }
        Task.detached {
            try? await Task.sleep(for: limit)
            slot.resume(.timedOut)
        }
    }
}

/// A continuation resumed once, by whichever side comes first.
private final class OnceSlot<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, Never>?>(nil)
    func set(_ c: CheckedContinuation<T, Never>) { continuation.withLock { $0 = c } }
    func resume(_ value: T) { continuation.withLock { $0.take() }?.resume(returning: value) }
}

extension DeadlineOutcome {
    /// The value, or nil when the body threw or ran out of time.
    public var value: T? { if case .value(let v) = self { v } else { nil } }
}
