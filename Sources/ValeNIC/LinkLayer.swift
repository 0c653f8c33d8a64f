import Foundation
import ValeDatapath
import ValeEngine
import ValeLink
import ValeState

/// The engine's NIC layer over ValeLink (libnl-3): prepares NICs on attach,
/// restores them on detach, settles them afterwards, and answers
/// `valectl nic show`.
public final class LinkLayer: NICPreparing, NICInspecting {
    let links: LinkManager

    public init(links: LinkManager) { self.links = links }

    /// Opens the netlink sockets in valed's network namespace.
    public convenience init() throws {
        self.init(links: try LinkManager())
    }

    public func isPreparable(_ interface: String) -> Bool {
        guard let link = try? links.link(named: interface) else { return false }
        // valed's own TAP ports are not NICs to prepare.
        return link.kind != "tun"
    }

    public func prepare(_ interface: String, settings: NICSettings) throws -> SavedNICSettings {
        Self.settings(try links.prepare(interface, policy: Self.policy(for: settings)))
    }

    public func restore(_ interface: String, saved: SavedNICSettings) throws {
        try links.restore(interface, from: Self.state(saved))
    }

    /// ValeLink's record of what prepare changed, as the store keeps it.
    static func settings(_ s: SavedNICState) -> SavedNICSettings {
        SavedNICSettings(interface: s.interface, ifindex: s.ifindex, wasUp: s.wasUp, wasPromiscuous: s.wasPromiscuous,
                         features: s.features, pause: s.pause.map { .init(autoneg: $0.autoneg, rx: $0.rx, tx: $0.tx) },
                         warnings: s.warnings, preparedAt: s.preparedAt)
    }

    /// The stored record back as ValeLink's, for restore.
    static func state(_ s: SavedNICSettings) -> SavedNICState {
        SavedNICState(interface: s.interface, ifindex: s.ifindex, wasUp: s.wasUp, wasPromiscuous: s.wasPromiscuous,
                      features: s.features, pause: s.pause.map { PauseSettings(autoneg: $0.autoneg, rx: $0.rx, tx: $0.tx) },
                      warnings: s.warnings, preparedAt: s.preparedAt)
    }

    public func settle(_ interface: String, settings: NICSettings) async -> Bool {
        let timeout = Duration.milliseconds(Int((settings.carrierTimeout ?? 10) * 1000))
        let up = (try? await links.waitForCarrier(interface, timeout: timeout)) ?? false
        if settings.promiscuous ?? true {
            // Some netmap-patched drivers drop promiscuous mode across the
            // reset that entering netmap mode causes (netmap issue 417).
            try? links.reassertPromiscuous(interface)
        }
        return up
    }

    public func carrier(_ interface: String) -> Bool? {
        (try? links.link(named: interface))?.carrier
    }

    public func warnings(_ interface: String, bufferSize: Int) -> [String] {
        ((try? links.mtuWarning(interface, bufferSize: bufferSize)) ?? nil).map { [$0] } ?? []
    }

    /// Turns promiscuous mode back on if it is off now; returns whether it
    /// had to. (valed's own off/on toggle after an attach also shows up as a
    /// "promiscuous off" event; by the time it is handled the flag is on again.)
    public func ensurePromiscuous(_ interface: String) throws -> Bool {
        let link = try links.link(named: interface)
        guard !link.isPromiscuous else { return false }
        try links.setPromiscuous(interface, true)
        return true
    }

    /// The veth peer of `interface`, when it is one end of a veth pair.
    public func vethPeerName(of interface: String) -> String?? {
        guard let peer = try? links.vethPeer(of: interface) else { return nil }
        return .some(peer.name)
    }

    /// The NICPolicy (ValeLink) for the configuration's NIC settings.
    static func policy(for s: NICSettings) -> NICPolicy {
        var p = NICPolicy.default
        p.up = .on
        p.promiscuous = (s.promiscuous ?? true) ? .on : .unchanged
        let offloads: ValeLink.NICSetting = (s.offloads ?? false) ? .unchanged : .off
        p.rxChecksum = offloads; p.txChecksum = offloads; p.scatterGather = offloads
        p.genericSegmentation = offloads; p.tcpSegmentation = offloads
        p.genericReceive = offloads; p.largeReceive = offloads
        p.vlanStripping = (s.vlanStripping ?? false) ? .unchanged : .off
        p.pauseFrames = s.pauseFrames.map { $0 ? .on : .off } ?? .unchanged
        for (name, on) in s.features ?? [:] { p.extraFeatures[name] = on ? .on : .off }
        return p
    }

    public func nicInfo(_ interface: String, saved: SavedNICSettings?, attachedTo: String?) throws -> NICReport {
        let state = try links.nicState(interface)
        let before = saved
        let link = state.link
        var settings: [NICReport.Setting] = [
            .init(name: "up", current: Self.onOff(link.isUp), saved: before?.wasUp.map(Self.onOff)),
            .init(name: "promiscuous", current: Self.onOff(link.isPromiscuous), saved: before?.wasPromiscuous.map(Self.onOff)),
        ]
        for name in state.features?.names ?? [] {
            guard let f = state.features?[name] else { continue }
            settings.append(.init(name: name, current: Self.onOff(f.active), saved: before?.features[name].map(Self.onOff), fixed: f.fixed))
        }
        if let pause = state.pause {
            settings.append(.init(name: "pause-rx", current: Self.onOff(pause.rx), saved: before?.pause.map { Self.onOff($0.rx) }))
            settings.append(.init(name: "pause-tx", current: Self.onOff(pause.tx), saved: before?.pause.map { Self.onOff($0.tx) }))
        }
        var warnings = state.notes + (before?.warnings ?? [])
        if let w = LinkManager.mtuWarning(for: link, bufferSize: 2048) { warnings.append(w) }
        let s = link.statistics
        return NICReport(name: link.name, index: Int(link.ifindex), driver: state.driver?.driver ?? link.driver, mtu: Int(link.mtu),
                       up: link.isUp, carrier: link.carrier, operState: "\(link.operState)", promiscuous: link.isPromiscuous,
                       attachedTo: attachedTo,
                       counters: Counters(rxPackets: s.rxPackets, rxBytes: s.rxBytes, txPackets: s.txPackets, txBytes: s.txBytes,
                                          drops: s.rxDropped + s.txDropped),
                       settings: settings, warnings: warnings)
    }

    public func counters(_ interface: String) -> Counters? {
        guard let s = try? links.link(named: interface).statistics else { return nil }
        return Counters(rxPackets: s.rxPackets, rxBytes: s.rxBytes, txPackets: s.txPackets, txBytes: s.txBytes,
                        drops: s.rxDropped + s.txDropped)
    }

    static func onOff(_ b: Bool) -> String { b ? "on" : "off" }
}

extension LinkLayer {
    /// With netmap's native (patched) veth driver a veth end in netmap mode
    /// needs its peer in netmap mode too: the native veth datapath is a netmap
    /// pipe between the two ends, so traffic would not flow (NETMAP-API.md
    /// 7.5). The patched driver depends on netmap, which is how we tell it
    /// from the stock one (which works in emulated mode).
    package func nativeVethProblem(_ spec: AttachmentSpec, attachedInterfaces: Set<String>,
                           nativeVeth: Bool = FileManager.default.fileExists(atPath: "/sys/module/netmap/holders/veth")) -> String? {
        guard nativeVeth, let peer = vethPeerName(of: spec.interface) else { return nil }
        if let peer, attachedInterfaces.contains(peer) { return nil }
        return "cannot attach \(spec.key): \(spec.interface) is one end of a veth pair and its peer \(peer ?? "(in another namespace)") is not in netmap mode; "
            + "with netmap's native veth driver both ends must be, or no traffic flows (NETMAP-API.md 7.5). Attach the peer too, or use --force"
    }
}
