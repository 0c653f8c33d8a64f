/// Everything valed sees on one NIC, for `valectl nic show IF`. The daemon
/// adds the saved values next to it ("saved vs current").
public struct NICState: Sendable, Hashable, Codable {
    /// Flags, operstate, carrier, MTU, kind and counters.
    public var link: LinkInfo
    /// ETHTOOL_GDRVINFO, nil when the driver does not answer it.
    public var driver: DriverInfo?
    /// Offload features, nil when ethtool netlink could not read them.
    public var features: FeatureTable?
    /// Pause frames, nil when not supported (see `notes`).
    public var pause: PauseSettings?
    /// The veth peer, when this is a veth.
    public var vethPeer: VethPeer?
    /// Sentences about what could not be read.
    public var notes: [String]

    public init(link: LinkInfo, driver: DriverInfo? = nil, features: FeatureTable? = nil,
                pause: PauseSettings? = nil, vethPeer: VethPeer? = nil, notes: [String] = []) {
        self.link = link; self.driver = driver; self.features = features
        self.pause = pause; self.vethPeer = vethPeer; self.notes = notes
    }
}

extension LinkManager {
    /// Reads the link, driver, features, pause settings and veth peer of
    /// `interface`. Only a missing interface is an error; parts the driver
    /// does not support become `notes`.
    public func nicState(_ interface: String) throws(LinkError) -> NICState {
        var state = NICState(link: try link(named: interface))
        do { state.driver = try driverInfo(of: interface) } catch { state.notes.append(error.message) }
        do { state.features = try features(of: interface) } catch { state.notes.append(error.message) }
        do { state.pause = try pause(of: interface) } catch { state.notes.append(error.message) }
        do { state.vethPeer = try vethPeer(of: interface) } catch { state.notes.append(error.message) }
        return state
    }
}
