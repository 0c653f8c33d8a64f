import ValeDatapath
import ValeState
/// What the engine needs from the NIC layer (ValeLink over libnl-3) when it
/// attaches and detaches NICs. A protocol so engine tests can count calls.
public protocol NICPreparing: Sendable {
    /// Saves the settings `settings` will change, then applies them (link up,
    /// promiscuous, VLAN stripping off, offloads off unless `settings.offloads`). Returns the saved values,
    /// which the engine persists before the attach.
    func prepare(_ interface: String, settings: NICSettings) throws -> SavedNICSettings
    /// Puts back exactly the values `prepare` saved.
    func restore(_ interface: String, saved: SavedNICSettings) throws
    /// After the datapath took the NIC: waits for carrier (bounded) and turns
    /// promiscuous mode off and on again, because some netmap-patched drivers
    /// drop it across the reset (netmap issue 417). Returns whether carrier came up.
    func settle(_ interface: String, settings: NICSettings) async -> Bool
    /// Warnings about a NIC a switch with buffers of `bufferSize` bytes is
    /// about to carry (an MTU larger than the buffers: netmap refuses or drops).
    func warnings(_ interface: String, bufferSize: Int) -> [String]
    /// True when `interface` is a NIC valed should prepare (not a persistent
    /// VALE port or a TAP device valed created).
    func isPreparable(_ interface: String) -> Bool
    /// Whether `interface` has carrier now (no waiting); nil when unknown.
    func carrier(_ interface: String) -> Bool?
}

extension NICPreparing {
    public func carrier(_ interface: String) -> Bool? { nil }
}

/// Used when NIC preparation is turned off (tests of the engine alone).
public struct NoNICPreparation: NICPreparing {
    public init() {}
    public func prepare(_ interface: String, settings: NICSettings) throws -> SavedNICSettings {
        SavedNICSettings(interface: interface, ifindex: 0)
    }
    public func restore(_ interface: String, saved: SavedNICSettings) throws {}
    public func settle(_ interface: String, settings: NICSettings) async -> Bool { true }
    public func isPreparable(_ interface: String) -> Bool { false }
    public func warnings(_ interface: String, bufferSize: Int) -> [String] { [] }
}
