import Foundation
import ValeDatapath
import ValeState

/// A change of state, streamed to `valectl events` subscribers and logged.
public struct EngineEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case portAttached = "port-attached"
        case portDetached = "port-detached"
        case portCreated = "port-created"
        case portDeleted = "port-deleted"
        case portMissing = "port-missing"
        case portError = "port-error"
        case nicRemoved = "nic-removed"
        case nicReturned = "nic-returned"
        case carrier = "carrier"
        case promiscuousReasserted = "promiscuous-reasserted"
        case reconciled = "reconciled"
        case configReloaded = "config-reloaded"
        case module = "module"
    }
    public var time: Date
    public var kind: Kind
    /// The object: "vale0:eth0", "vm1", "netmap", "vale-switchd".
    public var subject: String
    public var detail: String

    public init(kind: Kind, subject: String, detail: String, time: Date = Date()) {
        self.kind = kind; self.subject = subject; self.detail = detail; self.time = time
    }
}

/// Fans events out to every subscriber; a slow subscriber loses its oldest
/// events rather than slowing the engine.
final class EventHub: Sendable {
    private let subscribers = LockedValue<[UInt64: AsyncStream<EngineEvent>.Continuation]>([:])
    private let nextID = LockedValue<UInt64>(0)

    func subscribe() -> AsyncStream<EngineEvent> {
        let id = nextID.withLock { value -> UInt64 in value += 1; return value }
        let (stream, continuation) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    func publish(_ event: EngineEvent) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(event) }
    }

    func finish() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }
}
