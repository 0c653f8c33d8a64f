import Foundation
import TestSupport
@testable import ValeSwitch

/// Namespaces for one integration test: `switchSide` holds the switch's
/// ends of the veth pairs (and TAPs); each host namespace holds `eth0` with
/// 10.77.0.N/24. IPv6 is off everywhere so no stray multicast disturbs the
/// counters. `close()` deletes everything.
final class Topology: @unchecked Sendable {
    let switchSide: NetworkNamespace
    private(set) var hosts: [NetworkNamespace] = []
    let host = UserspaceSwitchHost()
    let switchName: String

    init() throws {
        switchSide = try NetworkNamespace(prefix: "vss")
        switchName = "vs" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        try Self.quiet(switchSide)
    }

    static func quiet(_ ns: NetworkNamespace) throws {
        try ns.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
    }

    /// Adds host namespace N (1-based) with eth0 = 10.77.0.N, veth peer `pN`
    /// in the switch namespace. Offloads stay at veth's defaults (TX
    /// checksum, TSO, GSO on): the switch carries them through (issue 11).
    /// `offloadsOff` turns them off on eth0, the second case some tests run.
    @discardableResult
    func addHost(offloadsOff: Bool = false) throws -> NetworkNamespace {
        let ns = try NetworkNamespace(prefix: "vsh")
        hosts.append(ns)
        let n = hosts.count
        try Self.quiet(ns)
        try ns.addVeth(inside: "eth0", outside: "p\(n)", outsideIn: switchSide)
        try ns.run(["ip", "addr", "add", "10.77.0.\(n)/24", "dev", "eth0"])
        if offloadsOff { try ns.run(["ethtool", "-K", "eth0", "tx", "off", "tso", "off", "gso", "off"]) }
        return ns
    }

    func ip(_ n: Int) -> String { "10.77.0.\(n)" }

    func mac(ofHost n: Int) throws -> MACAddress {
        let out = try hosts[n - 1].run(["cat", "/sys/class/net/eth0/address"]).stdout
        return MACAddress(out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").map { UInt8($0, radix: 16)! })
    }

    /// Runs `body` on a thread inside the switch namespace.
    func inSwitch<T: Sendable>(_ body: @escaping @Sendable (UserspaceSwitchHost) throws -> T) throws -> T {
        let host = self.host
        return try switchSide.perform { try body(host) }
    }

    func createSwitch(_ configuration: SwitchConfiguration = SwitchConfiguration()) throws {
        try host.createSwitch(switchName, configuration: configuration)
    }

    @discardableResult
    func attach(_ interface: String) throws -> Int {
        let name = switchName
        return try inSwitch { try $0.attachInterface(switch: name, interface: interface) }
    }

    /// Two hosts on a new switch with default configuration: `p1` and
    /// `p2` attached, their port indices returned.
    @discardableResult
    func twoHostsOnASwitch() throws -> (first: Int, second: Int) {
        try addHost(); try addHost()
        try createSwitch()
        return (try attach("p1"), try attach("p2"))
    }

    /// `ping -c count` from host `from` to host `to`'s address; true on success.
    func ping(from: Int, to address: String, count: Int = 2, broadcast: Bool = false) throws -> Bool {
        var args = ["ping", "-n", "-q", "-c", "\(count)", "-i", "0.2", "-W", "1"]
        if broadcast { args.append("-b") }
        return try hosts[from - 1].run(args + [address], check: false).succeeded
    }

    func close() {
        host.shutdown()
        for ns in hosts { ns.delete() }
        switchSide.delete()
    }
}
