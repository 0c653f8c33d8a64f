import Foundation

/// A NIC's settings as they were before valed changed them: what a detach,
/// a teardown or a restart after a crash puts back. The NIC layer fills it
/// from ValeLink's `SavedNICState` and reads it back (ValeNIC maps the two);
/// the store keeps it as it is.
///
/// The fields and their JSON keys are those of `SavedNICState`, which state
/// files before the split stored as an untyped JSON value under `savedNICs`:
/// those files load unchanged. Every field is "nil / absent = not changed".
public struct SavedNICSettings: Codable, Equatable, Sendable {
    /// The interface name at prepare time.
    public var interface: String
    /// Its ifindex at prepare time (a re-created NIC has another one).
    public var ifindex: Int32
    /// IFF_UP before prepare, when prepare changed it.
    public var wasUp: Bool?
    /// IFF_PROMISC before prepare, when prepare changed it.
    public var wasPromiscuous: Bool?
    /// The previous wanted value of every ethtool feature prepare changed, by kernel name.
    public var features: [String: Bool]
    /// Pause settings before prepare, when prepare changed them.
    public var pause: Pause?
    /// Sentences about what could not be applied (fixed features, unsupported pause).
    public var warnings: [String]
    /// When prepare ran.
    public var preparedAt: Date

    /// Pause frame settings (ETHTOOL_A_PAUSE_*).
    public struct Pause: Codable, Equatable, Sendable {
        public var autoneg: Bool
        public var rx: Bool
        public var tx: Bool
        public init(autoneg: Bool, rx: Bool, tx: Bool) { self.autoneg = autoneg; self.rx = rx; self.tx = tx }
    }

    public init(interface: String, ifindex: Int32, wasUp: Bool? = nil, wasPromiscuous: Bool? = nil,
                features: [String: Bool] = [:], pause: Pause? = nil, warnings: [String] = [],
                preparedAt: Date = Date()) {
        self.interface = interface; self.ifindex = ifindex; self.wasUp = wasUp
        self.wasPromiscuous = wasPromiscuous; self.features = features; self.pause = pause
        self.warnings = warnings; self.preparedAt = preparedAt
    }
}
