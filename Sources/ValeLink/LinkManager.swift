import Foundation

/// valed's view of and hands on NICs: link state through rtnetlink, offload
/// features and pause frames through ethtool netlink, preparing a NIC for a
/// VALE switch and restoring it afterwards.
///
/// Thread-safe. Every kernel call goes through `session` (the seam); errors
/// reach callers as `LinkError` sentences.
public final class LinkManager: Sendable {
    /// The seam to the kernel.
    public let session: any NetlinkSession

    /// A manager over libnl in the calling thread's network namespace.
    public convenience init() throws(LinkError) {
        do {
            self.init(session: try LibnlSession())
        } catch {
            throw LinkError(.unavailable, interface: nil, errno: error.errno,
                            message: "cannot open a netlink socket: \(error.reason)")
        }
    }

    /// A manager over any session (tests inject a recorder).
    public init(session: any NetlinkSession) {
        self.session = session
    }

    /// Runs one seam call and phrases its failure for `interface`.
    func call<T>(_ interface: String, _ action: String,
                 _ body: () throws(NetlinkFailure) -> T) throws(LinkError) -> T {
        do {
            return try body()
        } catch {
            throw LinkError.from(error, interface: interface, action: action)
        }
    }

    // MARK: Links

    /// The interface called `name` (RTM_GETLINK), with its driver name from
    /// ETHTOOL_GDRVINFO when the driver answers it.
    public func link(named name: String) throws(LinkError) -> LinkInfo {
        var link = try call(name, "read the link") { () throws(NetlinkFailure) in try session.link(named: name) }
        link.driver = try? session.driverInfo(of: name).driver
        return link
    }

    /// The interface with index `index` (RTM_GETLINK).
    public func link(index: Int32) throws(LinkError) -> LinkInfo {
        do {
            return try session.link(index: index, netnsid: nil)
        } catch where error.errno == .noSuchDevice {
            throw LinkError.noSuchInterface(index: index)
        } catch {
            throw LinkError.from(error, interface: "interface \(index)", action: "read the link")
        }
    }

    /// Every interface of this namespace (RTM_GETLINK dump), without driver names.
    public func links() throws(LinkError) -> [LinkInfo] {
        try call("links", "list interfaces") { () throws(NetlinkFailure) in try session.links() }
    }

    /// Sets or clears IFF_UP (`rtnl_link_set_flags` / `rtnl_link_unset_flags`).
    public func setUp(_ interface: String, _ up: Bool) throws(LinkError) {
        let link = try link(named: interface)
        try call(interface, up ? "bring the link up" : "bring the link down") { () throws(NetlinkFailure) in
            try session.changeFlags(index: link.ifindex, set: up ? LinkFlag.up : 0, clear: up ? 0 : LinkFlag.up)
        }
    }

    /// Sets or clears IFF_PROMISC. The kernel keeps this flag as one bit
    /// (`dev->gflags`), so repeating a call never adds a second promiscuity
    /// count; other users (packet sockets, bridges) count separately.
    public func setPromiscuous(_ interface: String, _ on: Bool) throws(LinkError) {
        let link = try link(named: interface)
        try setPromiscuous(link, on)
    }

    private func setPromiscuous(_ link: LinkInfo, _ on: Bool) throws(LinkError) {
        try call(link.name, on ? "turn promiscuous mode on" : "turn promiscuous mode off") { () throws(NetlinkFailure) in
            try session.changeFlags(index: link.ifindex, set: on ? LinkFlag.promiscuous : 0,
                                    clear: on ? 0 : LinkFlag.promiscuous)
        }
    }

    /// Turns promiscuous mode off and on again (on when it was off), because
    /// some netmap-patched drivers (i40e) lose it across the reset netmap
    /// does when a NIC enters netmap mode (netmap issue 417; NETMAP-API.md
    /// 7.1, 7.3). Leaves IFF_PROMISC set and the promiscuity count where an
    /// `on` would leave it.
    public func reassertPromiscuous(_ interface: String) throws(LinkError) {
        let link = try link(named: interface)
        if link.isPromiscuous { try setPromiscuous(link, false) }
        try setPromiscuous(link, true)
    }

    // MARK: ethtool

    /// Every feature of the interface with active, wanted and fixed
    /// (ETHTOOL_MSG_FEATURES_GET).
    public func features(of interface: String) throws(LinkError) -> FeatureTable {
        try call(interface, "read offload features") { () throws(NetlinkFailure) in try session.features(of: interface) }
    }

    /// Asks for features by kernel name (ETHTOOL_MSG_FEATURES_SET) and
    /// returns the table afterwards. A fixed or unknown feature is an error
    /// and nothing is sent; check the result's `active` for features that a
    /// dependency holds (TSO needs scatter-gather).
    @discardableResult
    public func setFeatures(_ interface: String, _ wanted: [String: Bool]) throws(LinkError) -> FeatureTable {
        let table = try features(of: interface)
        for name in wanted.keys.sorted() {
            guard let state = table[name] else {
                throw LinkError(.unknownFeature, interface: interface,
                                message: "\(interface): the kernel has no feature named \(name)")
            }
            if state.fixed && state.active != wanted[name] {
                throw LinkError(.featureFixed, interface: interface,
                                message: "\(interface): feature \(name) is fixed by the driver")
            }
        }
        let changes = wanted.filter { table[$0.key]?.wanted != $0.value && table[$0.key]?.fixed == false }
        try call(interface, "change offload features") { () throws(NetlinkFailure) in
            try session.setFeatures(of: interface, changes)
        }
        return try features(of: interface)
    }

    /// Driver name, version, firmware and bus address (SIOCETHTOOL ETHTOOL_GDRVINFO).
    public func driverInfo(of interface: String) throws(LinkError) -> DriverInfo {
        try call(interface, "read driver information") { () throws(NetlinkFailure) in try session.driverInfo(of: interface) }
    }

    /// Pause-frame settings (ETHTOOL_MSG_PAUSE_GET). veth and most virtual
    /// devices do not implement them: `LinkError.Code.notSupported`.
    public func pause(of interface: String) throws(LinkError) -> PauseSettings {
        do {
            return try session.pause(of: interface)
        } catch {
            throw pauseError(error, interface, reading: true)
        }
    }

    /// Changes pause-frame settings (ETHTOOL_MSG_PAUSE_SET).
    public func setPause(_ interface: String, _ settings: PauseSettings) throws(LinkError) {
        do {
            try session.setPause(of: interface, settings)
        } catch {
            throw pauseError(error, interface, reading: false)
        }
    }

    private func pauseError(_ error: NetlinkFailure, _ interface: String, reading: Bool) -> LinkError {
        if error.errno == .notSupported {
            return LinkError(.notSupported, interface: interface, errno: .notSupported,
                             message: "\(interface): pause frame settings are not supported by the driver (EOPNOTSUPP)")
        }
        return LinkError.from(error, interface: interface, action: reading ? "read pause frame settings" : "change pause frame settings")
    }

    // MARK: Carrier

    /// Waits until the interface is up with carrier (IFF_LOWER_UP), watching
    /// RTNLGRP_LINK notifications rather than polling. Returns false when
    /// `timeout` passes first. The default of 10 s covers a switch peer whose
    /// spanning tree mutes a port after the link flap of netmap's reset
    /// (NETMAP-API.md 7.1). Throws when the interface does not exist.
    public func waitForCarrier(_ interface: String, timeout: Duration = .seconds(10)) async throws(LinkError) -> Bool {
        let link = try link(named: interface)
        if link.isLowerUp { return true }
        let session = self.session
        // The wait blocks a thread for up to `timeout`; keep it off the
        // cooperative pool.
        let result: Result<Bool, NetlinkFailure> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(NetlinkFailure) in
                    try session.waitForLowerUp(named: interface, timeout: timeout)
                })
            }
            thread.start()
        }
        do {
            return try result.get()
        } catch {
            throw LinkError.from(error, interface: interface, action: "wait for carrier")
        }
    }

    // MARK: MTU

    /// A warning when frames of `interface` (MTU + 14-byte Ethernet header +
    /// one 4-byte VLAN tag) do not fit one netmap buffer of `bufferSize`
    /// bytes (NETMAP-API.md 7.7: native attach fails with EINVAL unless the
    /// driver supports multi-slot frames); nil when they fit.
    public func mtuWarning(_ interface: String, bufferSize: Int = 2048) throws(LinkError) -> String? {
        LinkManager.mtuWarning(for: try link(named: interface), bufferSize: bufferSize)
    }

    /// The same check on a link already read.
    public static func mtuWarning(for link: LinkInfo, bufferSize: Int) -> String? {
        let frame = Int(link.mtu) + 14 + 4
        guard frame > bufferSize else { return nil }
        return "\(link.name): MTU \(link.mtu) allows frames of \(frame) bytes, more than the netmap buffer size of \(bufferSize) bytes; "
            + "attaching in native mode needs a driver with multi-slot frames, otherwise raise buf_size or lower the MTU"
    }
}
