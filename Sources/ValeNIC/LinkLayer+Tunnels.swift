import NetAddress
import ValeEngine
import ValeLink
import ValeState

/// Overlay devices through ValeLink (libnl-route-3).
extension LinkLayer: TunnelManaging {
    public func observe(_ name: String) -> ObservedTunnel? {
        guard let device = try? links.tunnel(named: name) else { return nil }
        var observed = ObservedTunnel(kind: device.kind.map(Self.kind), vni: device.vni, port: device.port, local: device.local,
                                      underlay: device.underlayIndex.flatMap { try? links.link(index: $0).name },
                                      mtu: Int(device.link.mtu))
        switch device.kind {
        case .vxlan?: observed.remotes = (try? links.defaultRemotes(name, ifindex: device.link.ifindex)) ?? []
        case .geneve?: observed.remotes = device.remote.map { [$0] } ?? []
        case nil: break
        }
        return observed
    }

    /// The MTU rule: the underlay's MTU (the --dev device, else the
    /// interface the route to the first remote leaves by) minus the
    /// encapsulation's overhead.
    public func create(_ spec: TunnelSpec) throws -> Int {
        let remotes = spec.remotes.compactMap(IPAddress.init)
        var underlayIndex: Int32?
        let underlayMTU: Int
        if let underlay = spec.underlay {
            let link = try links.link(named: underlay)
            underlayIndex = link.ifindex
            underlayMTU = Int(link.mtu)
        } else if let first = remotes.first, let link = try? links.routeInterface(to: first), link.mtu >= 1280 {
            underlayMTU = Int(link.mtu)
        } else {
            underlayMTU = 1500
        }
        let mtu = spec.mtu(underlayMTU: underlayMTU)
        let request = TunnelLinkRequest(name: spec.name, kind: Self.kind(spec.kind), vni: spec.vni, port: spec.port,
                                        remote: spec.kind == .geneve ? remotes.first?.description : nil,
                                        local: spec.local, underlayIndex: underlayIndex, mtu: UInt32(max(mtu, 68)), up: true,
                                        overIPv6: spec.overIPv6)
        try links.createTunnel(request, remotes: spec.kind == .vxlan ? remotes : [])
        return mtu
    }

    public func delete(_ name: String) throws {
        try links.deleteTunnel(named: name)
    }

    public func setRemotes(_ spec: TunnelSpec) throws {
        let link = try links.link(named: spec.name)
        let current = Set(try links.defaultRemotes(spec.name, ifindex: link.ifindex))
        let wanted = Set(spec.canonicalRemotes)
        try links.changeDefaultRemotes(spec.name, ifindex: link.ifindex,
                                       add: wanted.subtracting(current).sorted().compactMap(IPAddress.init),
                                       remove: current.subtracting(wanted).sorted().compactMap(IPAddress.init))
    }

    /// The desired state's word for a tunnel kind, and ValeLink's.
    static func kind(_ kind: ValeLink.TunnelKind) -> ValeState.TunnelKind {
        switch kind { case .vxlan: .vxlan; case .geneve: .geneve }
    }

    static func kind(_ kind: ValeState.TunnelKind) -> ValeLink.TunnelKind {
        switch kind { case .vxlan: .vxlan; case .geneve: .geneve }
    }

    public func mtu(of interface: String) -> Int? {
        (try? links.link(named: interface)).map { Int($0.mtu) }
    }
}
