/// Parameters of `io.valed.ShowNIC`.
public struct ShowNICParameters: Sendable, Hashable, Codable {
    public var interface: String
    public init(interface: String) { self.interface = interface }
}

/// One NIC setting valed manages (`NICSetting`): a flag, an ethtool
/// feature, pause frames.
public struct NICSetting: Sendable, Hashable, Codable {
    /// e.g. `up`, `promiscuous`, `rx-checksum`, `generic-receive-offload`,
    /// `rx-vlan-hw-parse`, `pause-rx` (ethtool's names for features).
    public var name: String
    public var current: String?
    /// The value before valed changed it; `nil` when valed did not change it.
    public var saved: String?
    /// The driver does not allow changing it.
    public var fixed: Bool

    public init(name: String, current: String?, saved: String? = nil, fixed: Bool = false) {
        self.name = name
        self.current = current
        self.saved = saved
        self.fixed = fixed
    }
}

/// What valed sees of a NIC and what it changed (`NIC`).
public struct NICInfo: Sendable, Hashable, Codable {
    public var name: String
    /// Interface index.
    public var index: Int
    public var driver: String?
    public var mtu: Int
    public var up: Bool
    public var carrier: Bool
    /// IFLA_OPERSTATE as a word: `up`, `down`, `lowerlayerdown`, ...
    public var operState: String
    public var promiscuous: Bool
    /// `vale0:eth0` when attached.
    public var attachedTo: String?
    public var counters: Counters?
    public var settings: [NICSetting]
    /// Sentences, e.g. the MTU exceeds the switch's buffer size.
    public var warnings: [String]

    public init(name: String, index: Int, driver: String? = nil, mtu: Int, up: Bool, carrier: Bool, operState: String,
                promiscuous: Bool, attachedTo: String? = nil, counters: Counters? = nil, settings: [NICSetting] = [],
                warnings: [String] = []) {
        self.name = name
        self.index = index
        self.driver = driver
        self.mtu = mtu
        self.up = up
        self.carrier = carrier
        self.operState = operState
        self.promiscuous = promiscuous
        self.attachedTo = attachedTo
        self.counters = counters
        self.settings = settings
        self.warnings = warnings
    }
}

/// Reply of `io.valed.ShowNIC`.
public struct ShowNICReply: Sendable, Hashable, Codable {
    public var nic: NICInfo
    public init(nic: NICInfo) { self.nic = nic }
}
