/// One network interface as rtnetlink reports it (RTM_NEWLINK, parsed by
/// libnl-route-3 into a `struct rtnl_link`), plus the driver name from ethtool.
public struct LinkInfo: Sendable, Hashable, Codable {
    /// Interface index (`ifi_index`); a re-created interface gets a new one.
    public var ifindex: Int32
    /// Interface name (IFLA_IFNAME).
    public var name: String
    /// `ifi_flags` as `dev_get_flags()` reports them (IFF_UP, IFF_PROMISC, IFF_LOWER_UP…).
    public var flags: UInt32
    /// Operational state (IFLA_OPERSTATE, RFC 2863).
    public var operState: OperState
    /// IFLA_CARRIER: the driver sees a link partner (true even while admin down on some drivers).
    public var carrier: Bool
    /// IFLA_MTU.
    public var mtu: UInt32
    /// IFLA_PROMISCUITY: how many users asked for promiscuous mode (the kernel's count).
    public var promiscuity: UInt32
    /// IFLA_INFO_KIND: "veth", "tun", "bridge"… nil for plain hardware NICs.
    public var kind: String?
    /// IFLA_LINK when it names another interface (for veth: the peer's ifindex).
    public var linkIndex: Int32?
    /// IFLA_LINK_NETNSID: the namespace (as an nsid of ours) `linkIndex` lives in,
    /// absent when it is our own namespace.
    public var linkNetnsid: Int32?
    /// Hardware address, "aa:bb:cc:dd:ee:ff".
    public var address: String?
    /// Driver name from ETHTOOL_GDRVINFO; nil when the driver has no ethtool support.
    public var driver: String?
    /// Counters from IFLA_STATS64.
    public var statistics: LinkStatistics

    /// IFF_UP: administratively up.
    public var isUp: Bool { flags & LinkFlag.up != 0 }
    /// IFF_PROMISC as set through `ip link set … promisc on` (not other promiscuity users).
    public var isPromiscuous: Bool { flags & LinkFlag.promiscuous != 0 }
    /// IFF_LOWER_UP: up and the carrier is present, i.e. frames can flow.
    public var isLowerUp: Bool { flags & LinkFlag.lowerUp != 0 }

    public init(ifindex: Int32, name: String, flags: UInt32, operState: OperState = .unknown,
                carrier: Bool = false, mtu: UInt32 = 1500, promiscuity: UInt32 = 0, kind: String? = nil,
                linkIndex: Int32? = nil, linkNetnsid: Int32? = nil, address: String? = nil,
                driver: String? = nil, statistics: LinkStatistics = LinkStatistics()) {
        self.ifindex = ifindex; self.name = name; self.flags = flags; self.operState = operState
        self.carrier = carrier; self.mtu = mtu; self.promiscuity = promiscuity; self.kind = kind
        self.linkIndex = linkIndex; self.linkNetnsid = linkNetnsid; self.address = address
        self.driver = driver; self.statistics = statistics
    }
}

/// The `IFF_*` bits valed reads or changes (linux/if.h).
public enum LinkFlag {
    /// IFF_UP
    public static let up: UInt32 = 0x1
    /// IFF_PROMISC
    public static let promiscuous: UInt32 = 0x100
    /// IFF_RUNNING (operationally up)
    public static let running: UInt32 = 0x40
    /// IFF_LOWER_UP (carrier, while admin up)
    public static let lowerUp: UInt32 = 0x10000
}

/// IFLA_OPERSTATE values (linux/if.h `IF_OPER_*`).
public enum OperState: String, Sendable, Hashable, Codable {
    case unknown, notPresent = "notpresent", down, lowerLayerDown = "lowerlayerdown"
    case testing, dormant, up

    /// Maps the kernel's `IF_OPER_*` number.
    public init(kernelValue: UInt8) {
        switch kernelValue {
        case 1: self = .notPresent
        case 2: self = .down
        case 3: self = .lowerLayerDown
        case 4: self = .testing
        case 5: self = .dormant
        case 6: self = .up
        default: self = .unknown
        }
    }
}

/// Per-interface counters from IFLA_STATS64 (`struct rtnl_link_stats64`).
public struct LinkStatistics: Sendable, Hashable, Codable {
    public var rxPackets: UInt64 = 0
    public var txPackets: UInt64 = 0
    public var rxBytes: UInt64 = 0
    public var txBytes: UInt64 = 0
    public var rxDropped: UInt64 = 0
    public var txDropped: UInt64 = 0
    public var rxErrors: UInt64 = 0
    public var txErrors: UInt64 = 0
    public init() {}
}

/// Driver identity from ETHTOOL_GDRVINFO (SIOCETHTOOL; ethtool netlink has no such message).
public struct DriverInfo: Sendable, Hashable, Codable {
    /// "veth", "i40e", "ixgbe"…
    public var driver: String
    public var version: String
    public var firmwareVersion: String
    /// PCI address or empty for virtual devices.
    public var busInfo: String
    public init(driver: String, version: String = "", firmwareVersion: String = "", busInfo: String = "") {
        self.driver = driver; self.version = version; self.firmwareVersion = firmwareVersion; self.busInfo = busInfo
    }
}

/// The other end of a veth pair, as far as this network namespace can see it.
/// The daemon uses it to refuse attaching one end natively while the other end
/// is not in netmap mode (NETMAP-API.md 7.5).
public struct VethPeer: Sendable, Hashable, Codable {
    /// The peer's ifindex, in the peer's namespace; nil when the kernel does
    /// not report one (the peer is gone).
    public var ifindex: Int32?
    /// The peer's name, when it could be read (same namespace, or another one
    /// reachable through IFLA_TARGET_NETNSID).
    public var name: String?
    /// True when the peer lives in the same network namespace as this end.
    public var sameNamespace: Bool
    /// The nsid (in our namespace) of the peer's namespace when it is another one.
    public var netnsid: Int32?
    /// The name under /run/netns of the peer's namespace, when it has one.
    public var namespaceName: String?
    /// The peer's admin state, when it could be read.
    public var isUp: Bool?

    public init(ifindex: Int32?, name: String?, sameNamespace: Bool, netnsid: Int32? = nil,
                namespaceName: String? = nil, isUp: Bool? = nil) {
        self.ifindex = ifindex; self.name = name; self.sameNamespace = sameNamespace
        self.netnsid = netnsid; self.namespaceName = namespaceName; self.isUp = isUp
    }
}
