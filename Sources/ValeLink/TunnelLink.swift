#if canImport(Glibc)
import Glibc
#endif

/// The kernel's overlay devices valed creates: VXLAN (RFC 7348) and Geneve
/// (RFC 8926), by their IFLA_INFO_KIND.
public enum TunnelKind: String, Sendable, Hashable, Codable, CaseIterable {
    case vxlan
    case geneve

    /// IANA's UDP port of each (`ip link` defaults VXLAN to Linux's old 8472;
    /// valed always sends the port, so the default is the standard one).
    public var defaultPort: UInt16 { self == .vxlan ? 4789 : 6081 }
}

/// What RTM_NEWLINK creates for a tunnel (`rtnl_link_vxlan_alloc` /
/// `rtnl_link_geneve_alloc` and their setters, `rtnl_link_build_add_request`).
public struct TunnelLinkRequest: Sendable, Hashable {
    public var name: String
    public var kind: TunnelKind
    /// VNI, 24 bits (IFLA_VXLAN_ID / IFLA_GENEVE_ID).
    public var vni: UInt32
    /// UDP destination port (IFLA_VXLAN_PORT / IFLA_GENEVE_PORT).
    public var port: UInt16
    /// Geneve's one remote (IFLA_GENEVE_REMOTE); VXLAN remotes are FDB entries.
    public var remote: String?
    /// VXLAN source address (IFLA_VXLAN_LOCAL).
    public var local: String?
    /// VXLAN underlay device (IFLA_VXLAN_LINK).
    public var underlayIndex: Int32?
    /// IFLA_MTU; nil lets the kernel choose.
    public var mtu: UInt32?
    /// IFF_UP in the same request.
    public var up: Bool
    /// The remotes are IPv6. The kernel fixes a VXLAN device's address family
    /// at creation (from its local or group address) and refuses FDB entries
    /// of the other family with EAFNOSUPPORT.
    public var overIPv6: Bool

    public init(name: String, kind: TunnelKind, vni: UInt32, port: UInt16, remote: String? = nil, local: String? = nil,
                underlayIndex: Int32? = nil, mtu: UInt32? = nil, up: Bool = true, overIPv6: Bool = false) {
        self.name = name; self.kind = kind; self.vni = vni; self.port = port; self.remote = remote
        self.local = local; self.underlayIndex = underlayIndex; self.mtu = mtu; self.up = up; self.overIPv6 = overIPv6
    }
}

/// A tunnel device as RTM_GETLINK reports it, parsed by libnl's vxlan and
/// geneve link-info modules.
public struct TunnelLinkInfo: Sendable, Hashable {
    public var link: LinkInfo
    /// nil when the link is neither VXLAN nor Geneve.
    public var kind: TunnelKind?
    public var vni: UInt32?
    public var port: UInt16?
    public var local: String?
    public var underlayIndex: Int32?
    /// Geneve's remote.
    public var remote: String?

    public init(link: LinkInfo, kind: TunnelKind? = nil, vni: UInt32? = nil, port: UInt16? = nil, local: String? = nil,
                underlayIndex: Int32? = nil, remote: String? = nil) {
        self.link = link; self.kind = kind; self.vni = vni; self.port = port; self.local = local
        self.underlayIndex = underlayIndex; self.remote = remote
    }
}

/// One bridge FDB entry of a device (RTM_NEWNEIGH, family AF_BRIDGE).
public struct FDBEntry: Sendable, Hashable {
    /// "00:00:00:00:00:00" for a VXLAN default (flood) entry.
    public var mac: String
    /// NDA_DST: the remote VTEP, for VXLAN entries.
    public var destination: String?

    public init(mac: String, destination: String?) { self.mac = mac; self.destination = destination }

    /// The all-zero MAC: where VXLAN sends broadcast, multicast and unknown
    /// unicast, one copy per entry (`bridge fdb append 00:00:00:00:00:00`).
    public static let defaultMAC = "00:00:00:00:00:00"
    public var isDefault: Bool { mac == Self.defaultMAC }
}
