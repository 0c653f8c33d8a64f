import Synchronization

/// A snapshot of one port's counters. "rx" is what the switch received from
/// the port, "tx" what the switch sent out of it.
public struct PortCounters: Sendable, Equatable {
    /// Frames received from the port.
    public var rxPackets: UInt64 = 0
    /// Bytes of the frames received from the port (Ethernet header included).
    public var rxBytes: UInt64 = 0
    /// Frames the port received but the switch could not take: ring overflow
    /// in the kernel, runt or truncated frames.
    public var rxDrops: UInt64 = 0
    /// Frames sent out of the port.
    public var txPackets: UInt64 = 0
    /// Bytes of the frames sent out of the port.
    public var txBytes: UInt64 = 0
    /// Frames meant for the port but dropped: larger than its max frame size,
    /// or refused by the kernel on send.
    public var txDrops: UInt64 = 0

    /// All drops of the port.
    public var drops: UInt64 { rxDrops + txDrops }

    /// Zero counters.
    public init() {}
}

/// The live counters of one port: written by the packet thread, read by
/// anyone at any time (relaxed atomics, so readers never stop traffic).
public final class PortStatistics: Sendable {
    let rxPackets = Atomic<UInt64>(0)
    let rxBytes = Atomic<UInt64>(0)
    let rxDrops = Atomic<UInt64>(0)
    let txPackets = Atomic<UInt64>(0)
    let txBytes = Atomic<UInt64>(0)
    let txDrops = Atomic<UInt64>(0)

    /// Fresh zero counters.
    public init() {}

    /// The current values; each counter is read atomically on its own.
    public var snapshot: PortCounters {
        var c = PortCounters()
        c.rxPackets = rxPackets.load(ordering: .relaxed)
        c.rxBytes = rxBytes.load(ordering: .relaxed)
        c.rxDrops = rxDrops.load(ordering: .relaxed)
        c.txPackets = txPackets.load(ordering: .relaxed)
        c.txBytes = txBytes.load(ordering: .relaxed)
        c.txDrops = txDrops.load(ordering: .relaxed)
        return c
    }

    @inline(__always) func countReceived(bytes: Int) {
        rxPackets.add(1, ordering: .relaxed)
        rxBytes.add(UInt64(bytes), ordering: .relaxed)
    }

    @inline(__always) func countSent(bytes: Int) {
        txPackets.add(1, ordering: .relaxed)
        txBytes.add(UInt64(bytes), ordering: .relaxed)
    }

    /// Frames counted as sent when queued that the kernel then refused.
    func reclassifyUnsent(packets: UInt64, bytes: UInt64) {
        txPackets.subtract(packets, ordering: .relaxed)
        txBytes.subtract(bytes, ordering: .relaxed)
        txDrops.add(packets, ordering: .relaxed)
    }

    @inline(__always) func countReceiveDrops(_ n: UInt64 = 1) { rxDrops.add(n, ordering: .relaxed) }
    @inline(__always) func countSendDrop() { txDrops.add(1, ordering: .relaxed) }
}
