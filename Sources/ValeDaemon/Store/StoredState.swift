import ValeProtocol

/// Everything valed keeps on disk in its state directory: the desired state
/// (config plus valectl changes), what it created in the datapath (so it
/// never removes what it does not own, even after a crash), and the NIC
/// settings it changed (so detach restores them after a restart).
public struct StoredState: Codable, Equatable, Sendable {
    public static let currentFormat = 1
    public var format = StoredState.currentFormat
    public var desired = DesiredState()
    public var owned = OwnedObjects()
    /// NIC settings as they were before valed changed them, by interface.
    public var savedNICs: [String: JSONValue] = [:]

    public init() {}
}

/// Datapath objects valed created. An object leaves this set only after the
/// datapath confirmed its removal, so a crash in between is repaired by the
/// next reconcile instead of leaking a port.
public struct OwnedObjects: Codable, Equatable, Sendable {
    /// "switch:interface" keys of attachments valed made.
    public var attachments: Set<String> = []
    /// Persistent ports valed created.
    public var persistentPorts: Set<String> = []
    /// "switch:interface" keys with kernel polling valed enabled.
    public var polling: Set<String> = []

    public init() {}
}
