/// The objects `io.valed.forwarder` reports: switches, ports, counters,
/// TAPs. The field names are those of io.valed.forwarder.varlink.

/// `Counters`: rx is what the switch received from the port, tx what it sent out of it.
public struct ForwarderCounters: Sendable, Hashable, Codable {
    public var rxPackets: UInt64
    public var rxBytes: UInt64
    public var rxDrops: UInt64
    public var txPackets: UInt64
    public var txBytes: UInt64
    public var txDrops: UInt64

    public init(rxPackets: UInt64 = 0, rxBytes: UInt64 = 0, rxDrops: UInt64 = 0,
                txPackets: UInt64 = 0, txBytes: UInt64 = 0, txDrops: UInt64 = 0) {
        self.rxPackets = rxPackets
        self.rxBytes = rxBytes
        self.rxDrops = rxDrops
        self.txPackets = txPackets
        self.txBytes = txBytes
        self.txDrops = txDrops
    }
}

/// `SwitchConfig`: the tunables a switch was created with.
public struct ForwarderSwitchConfig: Sendable, Hashable, Codable {
    public var tableSize: Int
    public var agingSeconds: Int
    /// Receive ring per port, in MiB (TPACKET_V2 slots of about 2 KiB).
    public var ringMiB: Int
    public var transmitRing: Bool

    /// VALE's defaults, as ValeSwitch's `SwitchConfiguration()` has them.
    public init(tableSize: Int = 1024, agingSeconds: Int = 300, ringMiB: Int = 16,
                transmitRing: Bool = false) {
        self.tableSize = tableSize
        self.agingSeconds = agingSeconds
        self.ringMiB = ringMiB
        self.transmitRing = transmitRing
    }
}

/// `Port.kind`.
public enum ForwarderPortKind: String, Sendable, Hashable, Codable, CaseIterable {
    case nic, veth, tap
}

/// `Port.state`: the link state of the port's interface when listed.
public enum ForwarderPortState: String, Sendable, Hashable, Codable, CaseIterable {
    case up, down, noCarrier, gone
}

/// `Port`.
public struct ForwarderPort: Sendable, Hashable, Codable {
    public var index: Int
    public var interface: String
    public var kind: ForwarderPortKind
    public var hostStack: Bool
    public var maxFrameSize: Int
    public var state: ForwarderPortState
    public var counters: ForwarderCounters

    public init(index: Int, interface: String, kind: ForwarderPortKind, hostStack: Bool, maxFrameSize: Int,
                state: ForwarderPortState, counters: ForwarderCounters) {
        self.index = index
        self.interface = interface
        self.kind = kind
        self.hostStack = hostStack
        self.maxFrameSize = maxFrameSize
        self.state = state
        self.counters = counters
    }
}

/// `Switch`.
public struct ForwarderSwitch: Sendable, Hashable, Codable {
    public var name: String
    public var config: ForwarderSwitchConfig
    public var learnedAddresses: Int
    public var ports: [ForwarderPort]

    public init(name: String, config: ForwarderSwitchConfig, learnedAddresses: Int, ports: [ForwarderPort]) {
        self.name = name
        self.config = config
        self.learnedAddresses = learnedAddresses
        self.ports = ports
    }
}

/// `PendingAttachment`: recorded in the state file, not restored at start.
public struct PendingAttachment: Sendable, Hashable, Codable {
    public var switchName: String
    public var interface: String
    public var hostStack: Bool
    public var error: String

    public init(switchName: String, interface: String, hostStack: Bool, error: String) {
        self.switchName = switchName
        self.interface = interface
        self.hostStack = hostStack
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case switchName = "switch", interface, hostStack, error }
}

/// `TAP`: a persistent TAP device vale-switchd created.
public struct ForwarderTAP: Sendable, Hashable, Codable {
    public var name: String
    public var uid: UInt32?
    public var gid: UInt32?
    public var mtu: Int?
    public var exists: Bool

    public init(name: String, uid: UInt32?, gid: UInt32?, mtu: Int?, exists: Bool) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.mtu = mtu
        self.exists = exists
    }
}
