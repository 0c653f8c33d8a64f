import Synchronization

/// Which frames of a port a monitor copies. "rx" are frames the switch
/// received from the port (what came in on the interface), "tx" frames the
/// switch sent out of it. For a NIC this matches netmap's `/r` and `/t`
/// monitors of the NIC's rings.
public enum MonitorDirection: String, Sendable, CaseIterable {
    /// Frames entering the switch through the port.
    case rx
    /// Frames leaving the switch through the port.
    case tx
    /// Both.
    case both

    func includes(_ d: FrameDirection) -> Bool { self == .both || (self == .rx) == (d == .rx) }
}

/// The direction of one monitored frame.
public enum FrameDirection: String, Sendable {
    /// Received by the switch from the port.
    case rx
    /// Sent by the switch out of the port.
    case tx
}

/// A copy of one frame handed to a monitor.
public struct MonitoredFrame: Sendable {
    /// The frame, from the destination MAC on, without FCS, as on the wire:
    /// GSO super-frames arrive as their segments, checksums finished.
    public var bytes: [UInt8]
    /// Wall-clock time (CLOCK_REALTIME): the kernel's receive timestamp for
    /// rx frames, the time of sending for tx frames.
    public var seconds: Int
    /// Nanoseconds within `seconds`.
    public var nanoseconds: Int
    /// rx or tx.
    public var direction: FrameDirection
    /// The port index on its switch.
    public var port: Int
}

/// Identifies a monitor for `UserspaceSwitchHost.removeMonitor`.
public struct MonitorToken: Hashable, Sendable {
    /// The switch of the monitored port.
    public let switchName: String
    /// The monitored port.
    public let port: Int
    let id: Int
}

/// Called on the packet thread for each copied frame, after the thread has
/// released the switch (no lock of the switch or of the monitor is held), so
/// it may call back into `UserspaceSwitchHost`, `removeMonitor` included. It
/// must still return quickly: the next batch waits for it.
public typealias MonitorHandler = @Sendable (MonitoredFrame) -> Void

/// Copies collected while the packet thread holds the switch, handed to their
/// handlers once it has let go (`deliver`). Owned by the packet thread.
struct MonitorOutbox {
    private(set) var entries: [(MonitorHandler, MonitoredFrame)] = []

    var isEmpty: Bool { entries.isEmpty }

    mutating func append(_ handler: @escaping MonitorHandler, _ frame: MonitoredFrame) {
        entries.append((handler, frame))
    }

    /// Calls each handler with its frame, in the order collected, and empties
    /// the outbox. Call with no lock held: a handler may re-enter the switch
    /// (a stream that ends removes its own monitor).
    mutating func deliver() {
        guard !entries.isEmpty else { return }
        let batch = entries
        entries.removeAll(keepingCapacity: true)
        for (handler, frame) in batch { handler(frame) }
    }
}

/// The monitors of one port. The packet thread checks `isEmpty` (one relaxed
/// load) per frame and takes the monitors' own lock only when one exists;
/// that lock is never held while a handler runs.
final class PortMonitors: Sendable {
    private struct Entry {
        var direction: MonitorDirection
        var handler: MonitorHandler
        var ended: (@Sendable () -> Void)?
    }
    private let entries = Mutex<[Int: Entry]>([:])
    private let active = Atomic<Int>(0)

    var isEmpty: Bool { active.load(ordering: .relaxed) == 0 }

    func add(id: Int, direction: MonitorDirection, handler: @escaping MonitorHandler,
             ended: (@Sendable () -> Void)? = nil) {
        entries.withLock {
            $0[id] = Entry(direction: direction, handler: handler, ended: ended)
            active.store($0.count, ordering: .relaxed)
        }
    }

    @discardableResult
    func remove(id: Int) -> Bool {
        entries.withLock {
            let removed = $0.removeValue(forKey: id) != nil
            active.store($0.count, ordering: .relaxed)
            return removed
        }
    }

    /// Ends every monitor of the port (it was detached, or its switch
    /// deleted) and returns their `ended` callbacks, for the caller to run
    /// once it holds no lock.
    @discardableResult
    func removeAll() -> [@Sendable () -> Void] {
        entries.withLock {
            let ended = $0.values.compactMap(\.ended)
            $0.removeAll()
            active.store(0, ordering: .relaxed)
            return ended
        }
    }

    /// Copies `frame` for every monitor that wants `direction` into `outbox`;
    /// the handlers run later, from `MonitorOutbox.deliver`, outside the
    /// switch's lock (issue 12: a handler that ended its stream re-entered
    /// the switch from under the packet thread's lock and crashed valed).
    func collect(_ frame: UnsafeRawBufferPointer, direction: FrameDirection, port: Int,
                 seconds: Int, nanoseconds: Int, into outbox: inout MonitorOutbox) {
        let handlers = entries.withLock { $0.values.filter { $0.direction.includes(direction) }.map(\.handler) }
        guard !handlers.isEmpty else { return }
        let copy = MonitoredFrame(bytes: Array(frame), seconds: seconds, nanoseconds: nanoseconds,
                                  direction: direction, port: port)
        for handler in handlers { outbox.append(handler, copy) }
    }
}
