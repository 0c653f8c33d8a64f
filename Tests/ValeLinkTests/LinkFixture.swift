import Foundation
import Testing
import TestSupport
@testable import ValeLink

/// A namespace with one veth pair inside it (`a` up, `b` as asked), a
/// LinkManager whose sockets belong to that namespace, and second-path
/// readers (`ip -d link show`, `ethtool -k`, `ethtool -a`).
final class VethFixture: Sendable {
    let namespace: NetworkNamespace
    let a: String
    let b: String
    let manager: LinkManager

    init(peerUp: Bool = true) throws {
        namespace = try NetworkNamespace(prefix: "vl")
        do {
            a = uniqueName("vla")
            b = uniqueName("vlb")
            try namespace.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b])
            try namespace.run(["ip", "link", "set", a, "up"])
            if peerUp { try namespace.run(["ip", "link", "set", b, "up"]) }
            manager = try namespace.perform { try LinkManager() }
        } catch {
            namespace.delete()
            throw error
        }
    }

    func delete() { namespace.delete() }

    /// `ip -d link show IF` inside the namespace.
    func ipLink(_ interface: String) throws -> IPLinkView {
        IPLinkView(try namespace.run(["ip", "-d", "link", "show", interface]).stdout)
    }

    /// `ethtool -k IF` inside the namespace, by per-feature line.
    func ethtoolFeatures(_ interface: String) throws -> EthtoolFeatureView {
        EthtoolFeatureView(try namespace.run(["ethtool", "-k", interface]).stdout)
    }
}

/// The parts of `ip -d link show` the tests compare.
struct IPLinkView: Equatable, CustomStringConvertible {
    var flags: Set<String>
    var promiscuity: Int
    var mtu: Int
    var ifindex: Int
    var raw: String

    init(_ text: String) {
        raw = text
        let first = text.split(separator: "\n").first.map(String.init) ?? ""
        ifindex = Int(first.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) ?? "") ?? -1
        if let open = first.firstIndex(of: "<"), let close = first.firstIndex(of: ">") {
            flags = Set(first[first.index(after: open)..<close].split(separator: ",").map(String.init))
        } else {
            flags = []
        }
        func number(after word: String) -> Int {
            let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            guard let index = tokens.firstIndex(where: { $0 == word }), index + 1 < tokens.count else { return -1 }
            return Int(tokens[index + 1]) ?? -1
        }
        promiscuity = number(after: "promiscuity")
        mtu = number(after: "mtu")
    }

    static func == (l: IPLinkView, r: IPLinkView) -> Bool {
        l.flags == r.flags && l.promiscuity == r.promiscuity && l.mtu == r.mtu && l.ifindex == r.ifindex
    }

    var description: String { raw }
}

/// `ethtool -k` as a map from each feature line's name to (on, fixed).
/// Aggregate lines ("tx-checksumming:", "scatter-gather:",
/// "tcp-segmentation-offload:") are kept but tests read the per-feature ones.
struct EthtoolFeatureView: Equatable {
    var lines: [String: (on: Bool, fixed: Bool)] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            lines[String(parts[0])] = (value.hasPrefix("on"), value.contains("[fixed]"))
        }
    }

    func isOn(_ line: String) -> Bool? { lines[line]?.on }

    static func == (l: EthtoolFeatureView, r: EthtoolFeatureView) -> Bool {
        l.lines.count == r.lines.count && l.lines.allSatisfy { key, value in
            r.lines[key].map { $0.on == value.on && $0.fixed == value.fixed } ?? false
        }
    }

    /// Lines that differ, for failure messages.
    func differences(from other: EthtoolFeatureView) -> [String] {
        Set(lines.keys).union(other.lines.keys).sorted().compactMap { key in
            let l = lines[key], r = other.lines[key]
            if l?.on == r?.on && l?.fixed == r?.fixed { return nil }
            return "\(key): \(l.map { "\($0.on)" } ?? "-") vs \(r.map { "\($0.on)" } ?? "-")"
        }
    }
}

/// Collects monitor events and lets a test wait for one that matches.
/// The wait is bounded only so a broken monitor fails instead of hanging.
final class EventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [LinkEvent] = []

    func append(_ event: LinkEvent) {
        condition.lock(); events.append(event); condition.broadcast(); condition.unlock()
    }

    var all: [LinkEvent] {
        condition.lock(); defer { condition.unlock() }
        return events
    }

    /// Waits until some event satisfies `match`; returns it, or nil after `limit`.
    func wait(upTo limit: TimeInterval = 10, for match: (LinkEvent) -> Bool) -> LinkEvent? {
        let deadline = Date().addingTimeInterval(limit)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let event = events.first(where: match) { return event }
            if !condition.wait(until: deadline) { return events.first(where: match) }
        }
    }
}
