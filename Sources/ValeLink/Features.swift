/// One netdev feature as ethtool netlink reports it (ETHTOOL_MSG_FEATURES_GET).
public struct FeatureState: Sendable, Hashable, Codable {
    /// In `active` (`dev->features`): what the device does now.
    public var active: Bool
    /// In `wanted` (`dev->wanted_features`): what was last asked for; differs
    /// from `active` when a dependency holds it off (TSO needs SG…).
    public var wanted: Bool
    /// True when the driver does not let it change (absent from `hw_features`,
    /// or in `nochange`); ethtool prints "[fixed]".
    public var fixed: Bool

    public init(active: Bool, wanted: Bool, fixed: Bool) {
        self.active = active; self.wanted = wanted; self.fixed = fixed
    }
}

/// Every feature of one interface, by the kernel's name (ETH_SS_FEATURES
/// strings: "rx-checksum", "tx-tcp-segmentation", "rx-gro"…).
public struct FeatureTable: Sendable, Hashable, Codable {
    public var features: [String: FeatureState]
    public init(_ features: [String: FeatureState] = [:]) { self.features = features }
    public subscript(name: String) -> FeatureState? { features[name] }
    /// Feature names, sorted.
    public var names: [String] { features.keys.sorted() }
}

/// Ethernet pause-frame (802.3x flow control) settings (ETHTOOL_MSG_PAUSE_GET/SET).
public struct PauseSettings: Sendable, Hashable, Codable {
    /// ETHTOOL_A_PAUSE_AUTONEG: negotiate pause with the link partner.
    public var autoneg: Bool
    /// ETHTOOL_A_PAUSE_RX: honour received pause frames.
    public var rx: Bool
    /// ETHTOOL_A_PAUSE_TX: send pause frames.
    public var tx: Bool
    public init(autoneg: Bool, rx: Bool, tx: Bool) { self.autoneg = autoneg; self.rx = rx; self.tx = tx }
    /// Pause frames fully off.
    public static let off = PauseSettings(autoneg: false, rx: false, tx: false)
}
