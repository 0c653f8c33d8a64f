/// What changed on a link between two notifications.
public struct LinkChanges: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// IFF_UP changed (admin up/down).
    public static let adminState = LinkChanges(rawValue: 1 << 0)
    /// IFF_PROMISC changed (someone ran `ip link set … promisc off`, or a driver reset).
    public static let promiscuous = LinkChanges(rawValue: 1 << 1)
    /// IFLA_CARRIER or IFF_LOWER_UP changed.
    public static let carrier = LinkChanges(rawValue: 1 << 2)
    /// IFLA_OPERSTATE changed.
    public static let operState = LinkChanges(rawValue: 1 << 3)
    /// IFLA_MTU changed.
    public static let mtu = LinkChanges(rawValue: 1 << 4)
    /// The interface was renamed (same ifindex).
    public static let name = LinkChanges(rawValue: 1 << 5)
    /// Another IFF_* flag changed.
    public static let otherFlags = LinkChanges(rawValue: 1 << 6)

    /// The differences between two readings of the same link.
    public init(from old: LinkInfo, to new: LinkInfo) {
        var changes: LinkChanges = []
        if old.isUp != new.isUp { changes.insert(.adminState) }
        if old.isPromiscuous != new.isPromiscuous { changes.insert(.promiscuous) }
        if old.carrier != new.carrier || old.isLowerUp != new.isLowerUp { changes.insert(.carrier) }
        if old.operState != new.operState { changes.insert(.operState) }
        if old.mtu != new.mtu { changes.insert(.mtu) }
        if old.name != new.name { changes.insert(.name) }
        let known = LinkFlag.up | LinkFlag.promiscuous | LinkFlag.lowerUp
        if (old.flags ^ new.flags) & ~known != 0 { changes.insert(.otherFlags) }
        self = changes
    }
}

/// A link event from `LinkMonitor` (RTM_NEWLINK / RTM_DELLINK on RTNLGRP_LINK).
public enum LinkEvent: Sendable, Hashable {
    /// A new interface (a new ifindex) appeared.
    case added(LinkInfo)
    /// An interface went away (deleted, unplugged, moved to another namespace).
    /// Carries its last known state.
    case removed(LinkInfo)
    /// An interface's flags, carrier, operstate, MTU or name changed; the
    /// value is the new state.
    case changed(LinkInfo, LinkChanges)
    /// The monitor stopped because its socket failed; the sentence says why.
    /// (Not sent after `stop()`.)
    case failed(String)

    /// The interface's name (empty for `.failed`).
    public var name: String {
        switch self {
        case .added(let link), .removed(let link), .changed(let link, _): return link.name
        case .failed: return ""
        }
    }

    /// The interface's index (0 for `.failed`).
    public var ifindex: Int32 {
        switch self {
        case .added(let link), .removed(let link), .changed(let link, _): return link.ifindex
        case .failed: return 0
        }
    }
}

/// The monitor's table of known links and the events that changes to it mean.
/// Keyed by ifindex, so a removal and re-creation under the same name is
/// `.removed` then `.added`, never a `.changed`.
struct LinkTable {
    private(set) var links: [Int32: LinkInfo] = [:]

    init(_ links: [LinkInfo] = []) {
        for link in links { self.links[link.ifindex] = link }
    }

    /// The events one notification means.
    mutating func apply(deleted: Bool, _ link: LinkInfo) -> [LinkEvent] {
        if deleted {
            let last = links.removeValue(forKey: link.ifindex)
            return [.removed(last.map { merged($0, link) } ?? link)]
        }
        guard let old = links[link.ifindex] else {
            links[link.ifindex] = link
            return [.added(link)]
        }
        links[link.ifindex] = link
        let changes = LinkChanges(from: old, to: link)
        return changes.isEmpty ? [] : [.changed(link, changes)]
    }

    /// The events that turn the table into `current` (after missed
    /// notifications): removals first, then additions, then changes.
    mutating func resynchronize(_ current: [LinkInfo]) -> [LinkEvent] {
        let fresh = Dictionary(current.map { ($0.ifindex, $0) }, uniquingKeysWith: { _, last in last })
        var events: [LinkEvent] = []
        for (index, old) in links.sorted(by: { $0.key < $1.key }) where fresh[index] == nil {
            events.append(.removed(old))
        }
        for (index, new) in fresh.sorted(by: { $0.key < $1.key }) where links[index] == nil {
            events.append(.added(new))
        }
        for (index, new) in fresh.sorted(by: { $0.key < $1.key }) {
            if let old = links[index] {
                let changes = LinkChanges(from: old, to: new)
                if !changes.isEmpty { events.append(.changed(new, changes)) }
            }
        }
        links = fresh
        return events
    }

    /// A deletion notice may lack attributes; keep the last known ones.
    private func merged(_ old: LinkInfo, _ deleted: LinkInfo) -> LinkInfo {
        var link = deleted
        if link.name.isEmpty { link.name = old.name }
        if link.kind == nil { link.kind = old.kind }
        return link
    }
}
