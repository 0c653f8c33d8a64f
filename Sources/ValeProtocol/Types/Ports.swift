/// Traffic counters of a port or NIC (`Counters` in io.valed.varlink).
public struct Counters: Sendable, Hashable, Codable {
    public var rxPackets: UInt64
    public var rxBytes: UInt64
    public var txPackets: UInt64
    public var txBytes: UInt64
    /// Frames dropped: full rings, oversized frames, no destination.
    public var drops: UInt64

    public init(rxPackets: UInt64 = 0, rxBytes: UInt64 = 0, txPackets: UInt64 = 0, txBytes: UInt64 = 0, drops: UInt64 = 0) {
        self.rxPackets = rxPackets
        self.rxBytes = rxBytes
        self.txPackets = txPackets
        self.txBytes = txBytes
        self.drops = drops
    }
}

/// What a port is. Encoded as the strings documented in docs/protocol.md.
public enum PortKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A NIC attached to a switch.
    case nic
    /// A NIC attached together with its host-stack port (`eth0^`).
    case nicHost = "nic+host"
    /// A persistent VALE interface (VALE_NEWIF).
    case persistent
    /// A port opened on the fly by a program (`vale0:vm1` opened by QEMU).
    case ephemeral
    /// A TAP device serving a VM on the userspace datapath.
    case tap
    /// A VXLAN or Geneve device valed created (an overlay port).
    case tunnel
}

/// Who made an object, which decides whether valed may remove it.
public enum Ownership: String, Sendable, Hashable, Codable, CaseIterable {
    /// Named by the configuration file.
    case config
    /// Created through valectl; kept in the store.
    case runtime
    /// Created by someone else; listed, never touched.
    case foreign
}

/// Where a port or tunnel stands (`PortState` in io.valed.varlink). The
/// sentence that goes with `datapathGone`, `notOwned`, `renamed` and
/// `failed` travels beside it as `stateReason`; valectl renders the two as
/// text for people.
public enum PortState: String, Sendable, Hashable, Codable, CaseIterable {
    /// As desired.
    case ok
    /// Desired but absent (the NIC disappeared, a tunnel device was deleted).
    case missing
    /// Its interface exists (or valed creates it) but is on no switch yet.
    case notAttached
    /// No longer desired; valed has not detached it yet.
    case beingRemoved
    /// The datapath is gone (netmap was unloaded).
    case datapathGone
    /// A device with this name exists that valed did not create (tunnels).
    case notOwned
    /// Renamed inside its switch by the kernel (netmap's rename trap).
    case renamed
    /// The last step for it failed.
    case failed
}

/// A port of a switch (`Port` in io.valed.varlink).
public struct Port: Sendable, Hashable, Codable {
    /// The switch, e.g. `vale0`. JSON field `switch`.
    public var switchName: String
    /// The port part of the name: `eth0` for `vale0:eth0`.
    public var name: String
    public var kind: PortKind
    public var owner: Ownership
    public var state: PortState
    /// The sentence for `datapathGone`, `notOwned`, `renamed` and `failed`.
    public var stateReason: String?
    /// The switch's index in the kernel (VALE_LIST `nr_bridge_idx`).
    public var bridgeIndex: Int?
    /// The port's index in its switch (VALE_LIST `nr_port_idx`).
    public var portIndex: Int?
    /// Link carrier of the NIC behind the port, when there is one.
    public var carrier: Bool?
    public var counters: Counters?
    /// The NIC's own counters (IFLA_STATS64), for `nic` and `nic+host` ports.
    public var nicCounters: Counters?

    public init(switchName: String, name: String, kind: PortKind, owner: Ownership, state: PortState = .ok,
                stateReason: String? = nil, bridgeIndex: Int? = nil, portIndex: Int? = nil, carrier: Bool? = nil, counters: Counters? = nil,
                nicCounters: Counters? = nil) {
        self.switchName = switchName
        self.name = name
        self.kind = kind
        self.owner = owner
        self.state = state
        self.stateReason = stateReason
        self.bridgeIndex = bridgeIndex
        self.portIndex = portIndex
        self.carrier = carrier
        self.counters = counters
        self.nicCounters = nicCounters
    }

    /// `switch:name`, the name netmap uses.
    public var qualifiedName: String { "\(switchName):\(name)" }

    enum CodingKeys: String, CodingKey {
        case switchName = "switch", name, kind, owner, state, stateReason, bridgeIndex, portIndex, carrier, counters, nicCounters
    }
}

/// A switch and its ports (`Switch` in io.valed.varlink).
public struct SwitchInfo: Sendable, Hashable, Codable {
    public var name: String
    public var owner: Ownership
    public var bridgeIndex: Int?
    public var ports: [Port]

    public init(name: String, owner: Ownership, bridgeIndex: Int? = nil, ports: [Port] = []) {
        self.name = name
        self.owner = owner
        self.bridgeIndex = bridgeIndex
        self.ports = ports
    }
}

/// Ring geometry of a port (PORT_INFO_GET).
public struct RingGeometry: Sendable, Hashable, Codable {
    public var txRings: Int
    public var rxRings: Int
    public var txSlots: Int
    public var rxSlots: Int

    public init(txRings: Int, rxRings: Int, txSlots: Int, rxSlots: Int) {
        self.txRings = txRings
        self.rxRings = rxRings
        self.txSlots = txSlots
        self.rxSlots = rxSlots
    }
}

/// Kernel polling threads of an attached NIC (VALE_POLLING_ENABLE).
public struct Polling: Sendable, Hashable, Codable {
    public var firstCPU: Int
    public var cpus: Int

    public init(firstCPU: Int, cpus: Int) {
        self.firstCPU = firstCPU
        self.cpus = cpus
    }
}

/// Everything valed knows about one port (`PortDetails`).
public struct PortDetails: Sendable, Hashable, Codable {
    /// As asked: `vale0:eth0`, or `vm1` for a persistent port.
    public var name: String
    public var kind: PortKind
    public var owner: Ownership
    /// One entry per switch the port is attached to; empty for a
    /// persistent port that is not attached.
    public var attachments: [Port]
    public var geometry: RingGeometry?
    /// netmap memory region id (`nr_mem_id`).
    public var memoryId: Int?
    /// virtio-net header length (PORT_HDR_GET): 0, 10 or 12.
    public var vnetHeaderLength: Int?
    public var polling: Polling?
    public var counters: Counters?
    /// The NIC's own counters (IFLA_STATS64), for `nic` and `nic+host` ports.
    public var nicCounters: Counters?

    public init(name: String, kind: PortKind, owner: Ownership, attachments: [Port] = [], geometry: RingGeometry? = nil,
                memoryId: Int? = nil, vnetHeaderLength: Int? = nil, polling: Polling? = nil, counters: Counters? = nil,
                nicCounters: Counters? = nil) {
        self.name = name
        self.kind = kind
        self.owner = owner
        self.attachments = attachments
        self.geometry = geometry
        self.memoryId = memoryId
        self.vnetHeaderLength = vnetHeaderLength
        self.polling = polling
        self.counters = counters
        self.nicCounters = nicCounters
    }
}
