import NetAddress

/// The kernel's overlay devices valed creates: VXLAN (RFC 7348) and Geneve
/// (RFC 8926). The desired state's own word for them (stored and configured
/// as "vxlan"/"geneve"); the NIC layer maps it to ValeLink's.
public enum TunnelKind: String, Sendable, Hashable, Codable, CaseIterable {
    case vxlan
    case geneve

    /// IANA's UDP port of each (`ip link` defaults VXLAN to Linux's old 8472;
    /// valed always sends the port, so the default is the standard one).
    public var defaultPort: UInt16 { self == .vxlan ? 4789 : 6081 }
}

/// An overlay port: a kernel VXLAN or Geneve device valed creates and owns,
/// attached to a switch like any netdev (docs/overlays.md). The switch is
/// not part of the spec; it is the attachment `switch:name`.
public struct TunnelSpec: Codable, Equatable, Sendable {
    public var name: String
    public var kind: TunnelKind
    /// Virtual network identifier, 24 bits.
    public var vni: UInt32
    /// Remote VTEPs. VXLAN: one FDB default entry each; Geneve: exactly one.
    public var remotes: [String]
    /// Source address of the encapsulated packets (VXLAN).
    public var local: String?
    /// Underlay device (VXLAN IFLA_VXLAN_LINK); also where the MTU rule reads its MTU.
    public var underlay: String?
    /// UDP destination port.
    public var port: UInt16
    public var owner: Owner

    public init(name: String, kind: TunnelKind = .vxlan, vni: UInt32, remotes: [String], local: String? = nil,
                underlay: String? = nil, port: UInt16? = nil, owner: Owner) {
        self.name = name; self.kind = kind; self.vni = vni; self.remotes = remotes; self.local = local
        self.underlay = underlay; self.port = port ?? kind.defaultPort; self.owner = owner
    }

    /// Largest VNI (24 bits).
    public static let maxVNI: UInt32 = (1 << 24) - 1

    /// Remotes in canonical text, sorted: what the FDB holds.
    public var canonicalRemotes: [String] { remotes.compactMap { IPAddress($0)?.description }.sorted() }

    /// The local address in canonical text; nil when absent or not an address.
    public var canonicalLocal: String? { local.flatMap(IPAddress.init)?.description }

    /// True when the remotes are IPv6 (the MTU rule's 70-byte overhead).
    public var overIPv6: Bool { remotes.first.flatMap(IPAddress.init)?.isIPv6 ?? false }

    /// Bytes the encapsulation adds: outer Ethernet is not counted, so
    /// 20 (IPv4) or 40 (IPv6) + 8 UDP + 8 VXLAN/Geneve header + 14 inner
    /// Ethernet = 50 or 70. Geneve options would add to it; valed sets none.
    public var overhead: Int { overIPv6 ? 70 : 50 }

    /// The overlay MTU for an underlay MTU.
    public func mtu(underlayMTU: Int) -> Int { underlayMTU - overhead }

    /// Why this spec cannot be created, as the end of a sentence
    /// ("cannot create tunnel vx0: …"), or nil when it is fine. Checks
    /// everything that needs no kernel: names, VNI, addresses, families.
    public func problem() -> String? {
        if let problem = DesiredState.persistentPortNameProblem(name) {
            return problem.replacingOccurrences(of: "a persistent port name", with: "a tunnel name")
        }
        if vni > Self.maxVNI { return "the VNI must be between 0 and \(Self.maxVNI), not \(vni)" }
        if port == 0 { return "the UDP port must be between 1 and 65535" }
        if remotes.isEmpty { return "a tunnel needs at least one remote" }
        var families = Set<Int32>()
        var seen = Set<String>()
        for remote in remotes {
            guard let address = IPAddress(remote) else { return "remote '\(remote)' is not an IPv4 or IPv6 address" }
            if address.isMulticast { return "remote \(remote) is a multicast address; remotes are unicast VTEPs" }
            if address.isUnspecified { return "remote \(remote) is the unspecified address" }
            if !seen.insert(address.description).inserted { return "remote \(remote) is given twice" }
            families.insert(address.family)
        }
        if families.count > 1 { return "the remotes mix IPv4 and IPv6; one tunnel runs over one of them" }
        if let local {
            guard let address = IPAddress(local) else { return "local address '\(local)' is not an IPv4 or IPv6 address" }
            if address.family != families.first { return "local address \(local) and the remotes are of different IP versions" }
            if address.isMulticast || address.isUnspecified { return "local address \(local) is not a unicast address" }
        }
        if let underlay, let problem = DesiredState.interfaceNameProblem(underlay) { return "underlay device '\(underlay)': \(problem)" }
        if underlay == name { return "a tunnel cannot be its own underlay" }
        if kind == .geneve {
            // The kernel's geneve device has one IFLA_GENEVE_REMOTE and no FDB.
            if remotes.count > 1 { return "a Geneve device has one remote (the kernel's geneve has no FDB); use VXLAN for several remotes" }
            if local != nil { return "the kernel's Geneve device has no local address setting; leave out --local" }
            if underlay != nil { return "the kernel's Geneve device has no underlay device setting; leave out --dev" }
        }
        return nil
    }

    /// True when an existing device has the settings this spec needs
    /// (remotes excepted: those are reconciled in place).
    public func matches(_ device: ObservedTunnel) -> Bool {
        guard device.kind == kind, device.vni == vni, device.port == port else { return false }
        if kind == .geneve { return device.remotes == canonicalRemotes }
        if (local.flatMap(IPAddress.init)?.description) != device.local { return false }
        if let underlay, device.underlay != underlay { return false }
        return true
    }
}

/// A device named like a wanted tunnel, as the kernel reports it.
public struct ObservedTunnel: Equatable, Sendable {
    /// nil when the device is not a VXLAN or Geneve device.
    public var kind: TunnelKind?
    public var vni: UInt32?
    public var port: UInt16?
    public var local: String?
    /// Name of the underlay device (IFLA_VXLAN_LINK), when set.
    public var underlay: String?
    /// VXLAN: destinations of the all-zero FDB entries; Geneve: its remote. Canonical, sorted.
    public var remotes: [String]
    public var mtu: Int

    public init(kind: TunnelKind?, vni: UInt32? = nil, port: UInt16? = nil, local: String? = nil, underlay: String? = nil,
                remotes: [String] = [], mtu: Int = 1450) {
        self.kind = kind; self.vni = vni; self.port = port; self.local = local; self.underlay = underlay
        self.remotes = remotes; self.mtu = mtu
    }

    /// What it is, for messages: "a vxlan device (VNI 42, port 4789)", "a veth device".
    public var summary: String {
        guard let kind else { return "not a VXLAN or Geneve device" }
        return "a \(kind.rawValue) device with VNI \(vni.map(String.init) ?? "?") and port \(port.map(String.init) ?? "?")"
    }
}
