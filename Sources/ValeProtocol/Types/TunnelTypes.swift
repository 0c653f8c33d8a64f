/// An overlay port (`Tunnel` in io.valed.varlink): a VXLAN or Geneve device
/// valed created.
public struct Tunnel: Sendable, Hashable, Codable {
    public var name: String
    /// `vxlan` or `geneve`. JSON field `type`.
    public var kind: String
    public var vni: Int
    public var remotes: [String]
    public var local: String?
    /// The underlay device. JSON field `dev`.
    public var underlay: String?
    public var port: Int
    /// The switch it is attached to. JSON field `switch`.
    public var switchName: String?
    public var mtu: Int?
    public var owner: Ownership
    /// `ok`, `missing`, `notOwned` or `failed`.
    public var state: PortState
    /// The sentence for `notOwned` and `failed`.
    public var stateReason: String?

    public init(name: String, kind: String, vni: Int, remotes: [String], local: String? = nil, underlay: String? = nil,
                port: Int, switchName: String? = nil, mtu: Int? = nil, owner: Ownership, state: PortState, stateReason: String? = nil) {
        self.name = name; self.kind = kind; self.vni = vni; self.remotes = remotes; self.local = local
        self.underlay = underlay; self.port = port; self.switchName = switchName; self.mtu = mtu
        self.owner = owner; self.state = state; self.stateReason = stateReason
    }

    enum CodingKeys: String, CodingKey {
        case name, kind = "type", vni, remotes, local, underlay = "dev", port, switchName = "switch", mtu, owner, state, stateReason
    }
}

/// Parameters of `io.valed.TunnelCreate`.
public struct TunnelCreateParameters: Sendable, Hashable, Codable {
    public var name: String
    /// JSON field `switch`.
    public var switchName: String?
    /// `vxlan` (default) or `geneve`. JSON field `type`.
    public var kind: String?
    public var vni: Int
    public var remotes: [String]
    public var local: String?
    /// JSON field `dev`.
    public var underlay: String?
    public var port: Int?

    public init(name: String, switchName: String? = nil, kind: String? = nil, vni: Int, remotes: [String],
                local: String? = nil, underlay: String? = nil, port: Int? = nil) {
        self.name = name; self.switchName = switchName; self.kind = kind; self.vni = vni; self.remotes = remotes
        self.local = local; self.underlay = underlay; self.port = port
    }

    enum CodingKeys: String, CodingKey {
        case name, switchName = "switch", kind = "type", vni, remotes, local, underlay = "dev", port
    }
}

/// Reply of `io.valed.TunnelCreate`.
public struct TunnelCreateReply: Sendable, Hashable, Codable {
    public var tunnel: Tunnel
    public var changed: Bool
    public var message: String
    /// The MTU rule's warnings (a port of the switch with a larger MTU).
    public var warnings: [String]

    public init(tunnel: Tunnel, changed: Bool, message: String, warnings: [String] = []) {
        self.tunnel = tunnel; self.changed = changed; self.message = message; self.warnings = warnings
    }
}

/// Reply of `io.valed.TunnelList`.
public struct TunnelListReply: Sendable, Hashable, Codable {
    public var tunnels: [Tunnel]
    public init(tunnels: [Tunnel]) { self.tunnels = tunnels }
}
