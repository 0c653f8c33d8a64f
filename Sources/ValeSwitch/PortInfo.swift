/// What kind of interface a port is, from its driver (ETHTOOL_GDRVINFO).
public enum PortKind: String, Sendable {
    /// A physical or virtual NIC (any driver but veth and tun).
    case nic
    /// One end of a veth pair.
    case veth
    /// A TAP device, normally a VM's (see `UserspaceSwitchHost.createTAP`).
    case tap
}

/// The link state of a port's interface, read when the switch is listed.
public enum PortState: String, Sendable {
    /// Up with carrier: frames flow.
    case up
    /// Administratively down.
    case down
    /// Up but without carrier (a TAP no VM has opened, a cable out).
    case noCarrier = "no-carrier"
    /// The interface was deleted (or replaced by a new one of the same
    /// name); the port carries nothing until it is detached and attached again.
    case gone
}

/// One port of a userspace switch, as `UserspaceSwitchHost.list()` shows it.
public struct PortInfo: Sendable, Equatable {
    /// Index on the switch (0 ..< SwitchConfiguration.maxPorts).
    public var index: Int
    /// The interface name.
    public var name: String
    /// NIC, veth or TAP.
    public var kind: PortKind
    /// Whether it was attached with `hostStack` (see docs/userspace-datapath.md:
    /// the host stack keeps its own path through the interface either way).
    public var hostStack: Bool
    /// Largest frame the switch sends to this port; larger ones are drops.
    public var maxFrameSize: Int
    /// Link state now.
    public var state: PortState
    /// Counters now.
    public var counters: PortCounters
}

/// One userspace switch, as `UserspaceSwitchHost.list()` shows it.
public struct SwitchInfo: Sendable, Equatable {
    /// The switch name (e.g. "vale0").
    public var name: String
    /// Its tunables.
    public var configuration: SwitchConfiguration
    /// Its ports, by index.
    public var ports: [PortInfo]
    /// MAC addresses in the learning table.
    public var learnedAddresses: Int
}
