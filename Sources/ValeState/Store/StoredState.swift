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
    public var savedNICs: [String: SavedNICSettings] = [:]
    /// Netmap pipes valed holds open (`valectl pipe create`), by name;
    /// re-opened on start. Absent in files written before pipes existed.
    public var pipes: [String: StoredPipe] = [:]
    /// Memory region of each persistent port valed created, asked right
    /// after NEWIF: once the port is attached, asking renames it
    /// (NETMAP-API.md 7.11). Absent in older files.
    public var persistentPortMemory: [String: StoredPortMemory] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey { case format, desired, owned, savedNICs, pipes, persistentPortMemory }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(Int.self, forKey: .format)
        desired = try c.decode(DesiredState.self, forKey: .desired)
        owned = try c.decode(OwnedObjects.self, forKey: .owned)
        savedNICs = try c.decode([String: SavedNICSettings].self, forKey: .savedNICs)
        pipes = try c.decodeIfPresent([String: StoredPipe].self, forKey: .pipes) ?? [:]
        persistentPortMemory = try c.decodeIfPresent([String: StoredPortMemory].self, forKey: .persistentPortMemory) ?? [:]
    }
}

/// A persistent port's memory region (`nr_mem_id`) and its size in bytes.
public struct StoredPortMemory: Codable, Equatable, Sendable {
    public var id: UInt16
    public var size: UInt64?
    public init(id: UInt16, size: UInt64?) { self.id = id; self.size = size }
}

/// A pipe pair valed keeps open: its name and the slots asked for.
public struct StoredPipe: Codable, Equatable, Sendable {
    /// Slots per ring requested at creation; nil for the kernel's default.
    public var slots: Int?
    public init(slots: Int? = nil) { self.slots = slots }
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
    /// Tunnels (VXLAN, Geneve devices) valed created; absent in older files.
    public var tunnels: Set<String> = []

    public init() {}

    enum CodingKeys: String, CodingKey { case attachments, persistentPorts, polling, tunnels }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attachments = try c.decode(Set<String>.self, forKey: .attachments)
        persistentPorts = try c.decode(Set<String>.self, forKey: .persistentPorts)
        polling = try c.decode(Set<String>.self, forKey: .polling)
        tunnels = try c.decodeIfPresent(Set<String>.self, forKey: .tunnels) ?? []
    }
}
