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

/// A JSON value kept verbatim (state written by subsystems the store does
/// not interpret, such as saved NIC settings).
public enum JSONValue: Codable, Equatable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .number(n): try c.encode(n)
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }
}
