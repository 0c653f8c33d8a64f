/// Packet and byte counters of a switch port or a NIC.
public struct Counters: Sendable, Hashable {
    public var rxPackets: UInt64
    public var rxBytes: UInt64
    public var txPackets: UInt64
    public var txBytes: UInt64
    /// Frames dropped: full rings, oversized frames, no destination.
    public var drops: UInt64

    public init(rxPackets: UInt64 = 0, rxBytes: UInt64 = 0, txPackets: UInt64 = 0, txBytes: UInt64 = 0, drops: UInt64 = 0) {
        self.rxPackets = rxPackets; self.rxBytes = rxBytes; self.txPackets = txPackets
        self.txBytes = txBytes; self.drops = drops
    }
}
