/// Tunables of one userspace switch. The defaults follow VALE
/// (NETMAP-API.md 2.3.9) where VALE has a value.
public struct SwitchConfiguration: Sendable, Equatable {
    /// Most MAC addresses the learning table holds (VALE's `NM_BDG_HASH`, 1024).
    public var tableSize: Int
    /// Seconds after which an address not seen as a source is forgotten.
    /// VALE never ages; 300 s is the Linux bridge's default.
    public var agingSeconds: Int
    /// Largest frame (Ethernet header included, no FCS) a port accepts when
    /// the port's own interface does not say otherwise; VALE's `NM_BDG_MFS_DEFAULT`.
    public var defaultMaxFrameSize: Int
    /// Frames handled per port before the loop looks at the next port, so
    /// one busy port cannot starve the others (VALE's `bridge_batch` idea).
    public var batchSize: Int

    /// Transmit through a PACKET_TX_RING (frames copied into a mapped ring,
    /// one `send` per batch) instead of `sendmmsg` of the received frames.
    /// See docs/userspace-datapath.md for the measurements behind the default.
    public var transmitRing: Bool

    /// Receive ring per port in MiB: kernel memory each attached port pins
    /// (TPACKET_V2 slots of about 2 KiB for MTU 1500: 16 MiB is 8192
    /// frames). Super-frames the kernel queues beside the ring may take as
    /// much again while they wait (the socket's receive buffer).
    public var receiveRingMiB: Int

    /// A configuration; every argument defaults to VALE's behaviour.
    public init(tableSize: Int = 1024, agingSeconds: Int = 300, defaultMaxFrameSize: Int = 1514,
                batchSize: Int = 1024, transmitRing: Bool = false, receiveRingMiB: Int = 16) {
        self.transmitRing = transmitRing
        self.receiveRingMiB = receiveRingMiB
        self.tableSize = tableSize
        self.agingSeconds = agingSeconds
        self.defaultMaxFrameSize = defaultMaxFrameSize
        self.batchSize = batchSize
    }

    /// Up to `maxPorts` ports per switch: VALE's usable maximum (issue #398).
    public static let maxPorts = 252
}
