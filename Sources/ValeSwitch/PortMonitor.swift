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

/// Called on the packet thread for each copied frame: it must return
/// quickly (hand the frame to a queue or a stream continuation).
public typealias MonitorHandler = @Sendable (MonitoredFrame) -> Void

/// The monitors of one port. The packet thread checks `count` (one relaxed
/// load) per frame and takes the lock only when a monitor exists.
final class PortMonitors: Sendable {
    private let entries = Mutex<[Int: (MonitorDirection, MonitorHandler)]>([:])
    private let active = Atomic<Int>(0)

    var isEmpty: Bool { active.load(ordering: .relaxed) == 0 }

    func add(id: Int, direction: MonitorDirection, handler: @escaping MonitorHandler) {
        entries.withLock { $0[id] = (direction, handler); active.store($0.count, ordering: .relaxed) }
    }

    @discardableResult
    func remove(id: Int) -> Bool {
        entries.withLock {
            let removed = $0.removeValue(forKey: id) != nil
            active.store($0.count, ordering: .relaxed)
            return removed
        }
    }

    func removeAll() {
        entries.withLock { $0.removeAll(); active.store(0, ordering: .relaxed) }
    }

    /// Copies `frame` to every monitor that wants `direction`.
    func deliver(_ frame: UnsafeRawBufferPointer, direction: FrameDirection, port: Int,
                 seconds: Int, nanoseconds: Int) {
        let handlers = entries.withLock { $0.values.filter { $0.0.includes(direction) }.map { $0.1 } }
        guard !handlers.isEmpty else { return }
        let copy = MonitoredFrame(bytes: Array(frame), seconds: seconds, nanoseconds: nanoseconds,
                                  direction: direction, port: port)
        for handler in handlers { handler(copy) }
    }
}
