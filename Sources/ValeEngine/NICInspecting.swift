import ValeDatapath
import ValeState

/// What `valectl nic show` and the NIC counters need from the NIC layer
/// (ValeLink behind it); ValeControl turns the answers into replies.
public protocol NICInspecting: Sendable {
    /// The NIC now, with the values valed saved before changing it.
    func nicInfo(_ interface: String, saved: SavedNICSettings?, attachedTo: String?) throws -> NICReport
    /// The NIC's counters from IFLA_STATS64, or nil when it does not exist.
    func counters(_ interface: String) -> Counters?
}

/// A NIC as `valectl nic show` reports it.
public struct NICReport: Sendable, Hashable {
    /// One setting: its value now and, when valed changed it, the one before.
    public struct Setting: Sendable, Hashable {
        public var name: String
        /// "on", "off", or a value.
        public var current: String
        public var saved: String?
        /// The driver does not let it change.
        public var fixed: Bool
        public init(name: String, current: String, saved: String? = nil, fixed: Bool = false) {
            self.name = name; self.current = current; self.saved = saved; self.fixed = fixed
        }
    }

    public var name: String
    public var index: Int
    public var driver: String?
    public var mtu: Int
    public var up: Bool
    public var carrier: Bool
    public var operState: String
    public var promiscuous: Bool
    /// "switch:interface" when valed attached it.
    public var attachedTo: String?
    public var counters: Counters?
    public var settings: [Setting]
    public var warnings: [String]

    public init(name: String, index: Int, driver: String? = nil, mtu: Int, up: Bool, carrier: Bool, operState: String,
                promiscuous: Bool, attachedTo: String? = nil, counters: Counters? = nil, settings: [Setting] = [], warnings: [String] = []) {
        self.name = name; self.index = index; self.driver = driver; self.mtu = mtu; self.up = up; self.carrier = carrier
        self.operState = operState; self.promiscuous = promiscuous; self.attachedTo = attachedTo; self.counters = counters
        self.settings = settings; self.warnings = warnings
    }
}
