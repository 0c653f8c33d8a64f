import Foundation

/// What `LinkManager.prepare` changed on a NIC and the values it found
/// there before, so `restore` can put back exactly those and nothing else.
/// Codable: the daemon persists it, so a restart between attach and detach
/// still restores the original values.
///
/// Every field is "nil / absent = not changed by valed".
public struct SavedNICState: Sendable, Hashable, Codable {
    /// The interface name at prepare time.
    public var interface: String
    /// Its ifindex at prepare time (a re-created NIC has another one).
    public var ifindex: Int32
    /// IFF_UP before prepare, when prepare changed it.
    public var wasUp: Bool?
    /// IFF_PROMISC before prepare, when prepare changed it.
    public var wasPromiscuous: Bool?
    /// The previous *wanted* value of every feature prepare changed, by kernel name.
    /// (Wanted, not active: a feature held off by a dependency comes back by itself.)
    public var features: [String: Bool]
    /// Pause settings before prepare, when prepare changed them.
    public var pause: PauseSettings?
    /// Sentences about what could not be applied (fixed features, unsupported pause).
    public var warnings: [String]
    /// When prepare ran.
    public var preparedAt: Date

    public init(interface: String, ifindex: Int32, wasUp: Bool? = nil, wasPromiscuous: Bool? = nil,
                features: [String: Bool] = [:], pause: PauseSettings? = nil, warnings: [String] = [],
                preparedAt: Date = Date()) {
        self.interface = interface; self.ifindex = ifindex; self.wasUp = wasUp
        self.wasPromiscuous = wasPromiscuous; self.features = features; self.pause = pause
        self.warnings = warnings; self.preparedAt = preparedAt
    }

    /// True when prepare changed nothing (restore then does nothing).
    public var isEmpty: Bool { wasUp == nil && wasPromiscuous == nil && features.isEmpty && pause == nil }

    /// Combines this state with one from a later `prepare` of the same port
    /// (a re-attach, or the NIC came back): for every item the earlier value
    /// wins, because it is the one the admin had before valed touched the
    /// NIC; items only the later prepare changed are added. Without this, a
    /// second prepare — which finds everything already in place and records
    /// nothing — would make the detach restore nothing.
    public func merged(with later: SavedNICState) -> SavedNICState {
        var result = self
        result.ifindex = later.ifindex
        result.wasUp = wasUp ?? later.wasUp
        result.wasPromiscuous = wasPromiscuous ?? later.wasPromiscuous
        result.features = features.merging(later.features) { earlier, _ in earlier }
        result.pause = pause ?? later.pause
        result.warnings = later.warnings
        return result
    }
}
