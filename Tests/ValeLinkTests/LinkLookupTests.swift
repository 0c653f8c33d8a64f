import Foundation
import SystemCallSeam
import Testing
import TestSupport
@testable import ValeLink

/// Link lookups against the real kernel, checked with `ip -d link show`.
@Suite(.enabled(if: TestHost.hasNetworkNamespaces, "needs root and network namespaces"))
struct LinkLookupTests {
    @Test func looksUpAVethByName() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let link = try fixture.manager.link(named: fixture.a)
        let view = try fixture.ipLink(fixture.a)
        #expect(link.name == fixture.a)
        #expect(Int(link.ifindex) == view.ifindex)
        #expect(Int(link.mtu) == view.mtu)
        #expect(link.isUp == view.flags.contains("UP"))
        #expect(link.isLowerUp == view.flags.contains("LOWER_UP"))
        #expect(link.carrier)
        #expect(link.operState == .up)
        #expect(link.kind == "veth")
        #expect(link.driver == "veth")
        #expect(link.isPromiscuous == false)
        #expect(link.promiscuity == UInt32(view.promiscuity))
    }

    @Test func reportsTheKindOfATap() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let tap = uniqueName("vlt")
        try fixture.namespace.run(["ip", "tuntap", "add", "mode", "tap", "name", tap])
        let link = try fixture.manager.link(named: tap)
        #expect(link.kind == "tun")
        #expect(link.driver == "tun")
        #expect(link.linkIndex == nil)
        #expect(try fixture.manager.vethPeer(of: tap) == nil)
        // A tap has no carrier until a process opens its queue.
        #expect(!link.carrier)
    }

    @Test func countsTrafficFromStats64() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        try fixture.namespace.run(["ip", "addr", "add", "10.77.0.1/24", "dev", fixture.a])
        let before = try fixture.manager.link(named: fixture.b).statistics
        // Pinging an unassigned neighbour makes a broadcast ARP requests out
        // of a, which b receives (the other end's own address would go over lo).
        _ = try fixture.namespace.run(["ping", "-c", "1", "-W", "1", "-I", fixture.a, "10.77.0.9"], check: false)
        let a = try fixture.manager.link(named: fixture.a).statistics
        let b = try fixture.manager.link(named: fixture.b).statistics
        let sysfs = try fixture.namespace.run(["cat", "/sys/class/net/\(fixture.a)/statistics/tx_packets"]).stdout
        #expect(a.txPackets >= 1)
        #expect(a.txPackets <= UInt64(sysfs.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
        #expect(a.txBytes >= 42 * a.txPackets)   // at least an ARP frame each
        #expect(b.rxPackets > before.rxPackets)
        #expect(b.rxBytes > before.rxBytes)
    }

    @Test func unknownInterfaceIsASentence() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        do {
            _ = try fixture.manager.link(named: "vlnope9")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .noSuchInterface)
            #expect(error.message == "no interface named vlnope9")
        }
        #expect(throws: LinkError.self) { try fixture.manager.setPromiscuous("vlnope9", true) }
        #expect(throws: LinkError.self) { try fixture.manager.prepare("vlnope9") }
    }

    @Test func interfaceInAnotherNamespaceIsUnknownHere() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let other = try NetworkNamespace(prefix: "vl")
        defer { other.delete() }
        let stranger = uniqueName("vlx")
        try other.run(["ip", "link", "add", stranger, "type", "veth", "peer", "name", uniqueName("vly")])
        do {
            _ = try fixture.manager.prepare(stranger)
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "no interface named \(stranger)")
        }
        // Still untouched over there.
        let flags = IPLinkView(try other.run(["ip", "-d", "link", "show", stranger]).stdout)
        #expect(!flags.flags.contains("UP"))
        #expect(flags.promiscuity == 0)
    }

    @Test func setsAdminStateAndPromiscuousMode() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        try fixture.manager.setUp(fixture.b, false)
        #expect(!(try fixture.ipLink(fixture.b).flags.contains("UP")))
        try fixture.manager.setUp(fixture.b, true)
        #expect(try fixture.ipLink(fixture.b).flags.contains("UP"))

        try fixture.manager.setPromiscuous(fixture.a, true)
        try fixture.manager.setPromiscuous(fixture.a, true)   // idempotent: one count
        var view = try fixture.ipLink(fixture.a)
        #expect(view.flags.contains("PROMISC"))
        #expect(view.promiscuity == 1)
        try fixture.manager.reassertPromiscuous(fixture.a)
        view = try fixture.ipLink(fixture.a)
        #expect(view.flags.contains("PROMISC"))
        #expect(view.promiscuity == 1)
        try fixture.manager.setPromiscuous(fixture.a, false)
        view = try fixture.ipLink(fixture.a)
        #expect(!view.flags.contains("PROMISC"))
        #expect(view.promiscuity == 0)
    }

    @Test func listsLinks() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let names = Set(try fixture.manager.links().map(\.name))
        #expect(names == ["lo", fixture.a, fixture.b])
        // Nothing of a dump is left queued on the socket (the libnl ACK trap):
        // the following exchanges each read their own reply.
        #expect(try fixture.manager.links().count == 3)
        #expect(try fixture.manager.link(named: fixture.b).name == fixture.b)
        try fixture.manager.setPromiscuous(fixture.b, true)
        #expect(try fixture.manager.links().first { $0.name == fixture.b }?.isPromiscuous == true)
    }
}

/// The live session's error path: the kernel's errno and extended-ACK text.
@Suite(.enabled(if: TestHost.hasNetworkNamespaces, "needs root and network namespaces"))
struct LibnlSessionErrorTests {
    @Test func kernelRefusalCarriesErrnoAndExtendedAck() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        do {
            try fixture.manager.session.setFeatures(of: fixture.a, ["rx-no-such-feature": false])
            Issue.record("expected an error")
        } catch {
            // ethnl_parse_bit: "bit name not found", EOPNOTSUPP.
            #expect(error.errno == .notSupported)
            #expect(error.request == "ETHTOOL_MSG_FEATURES_SET")
            #expect(error.kernelMessage?.contains("bit name") == true, "\(error)")
        }
        // The socket is still in step: the next exchange gets its own reply.
        #expect(try fixture.manager.session.link(named: fixture.a).name == fixture.a)
        do {
            _ = try fixture.manager.session.link(named: "vlnope1")
            Issue.record("expected an error")
        } catch {
            #expect(error.errno == .noSuchDevice)
        }
        #expect(try fixture.manager.features(of: fixture.a)["rx-gro"] != nil)
    }
}
