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
    /// TPACKET_V3 block retire timeout in milliseconds: the longest a
    /// received frame waits in a partly filled block before the packet
    /// thread sees it. Lower means less latency and more timer wakeups.
    public var retireTimeoutMilliseconds: Int

    /// Transmit through a PACKET_TX_RING (frames copied into a mapped ring,
    /// one `send` per batch) instead of `sendmmsg` of the received frames.
    /// See docs/userspace-datapath.md for the measurements behind the default.
    public var transmitRing: Bool

    /// Receive ring per port, in 256 KiB TPACKET_V3 blocks: kernel memory
    /// each attached port pins (64 blocks = 16 MiB). Fewer blocks save
    /// memory on switches with many ports; TCP bursts of 64 KiB super-frames
    /// want many (docs/userspace-datapath.md).
    public var receiveRingBlocks: Int

    /// A configuration; every argument defaults to VALE's behaviour.
    public init(tableSize: Int = 1024, agingSeconds: Int = 300, defaultMaxFrameSize: Int = 1514,
                batchSize: Int = 1024, retireTimeoutMilliseconds: Int = 1, transmitRing: Bool = false,
                receiveRingBlocks: Int = 64) {
        self.transmitRing = transmitRing
        self.receiveRingBlocks = receiveRingBlocks
        self.tableSize = tableSize
        self.agingSeconds = agingSeconds
        self.defaultMaxFrameSize = defaultMaxFrameSize
        self.batchSize = batchSize
        self.retireTimeoutMilliseconds = retireTimeoutMilliseconds
    }

    /// Up to `maxPorts` ports per switch: VALE's usable maximum (issue #398).
    public static let maxPorts = 252
}
