import Foundation
import Testing
import TestSupport
@testable import ValeLink

/// veth peer detection (NETMAP-API.md 7.5), checked against `ip -d link`.
@Suite(.enabled(if: TestHost.hasNetworkNamespaces, "needs root and network namespaces"))
struct VethPeerTests {
    @Test func findsThePeerInTheSameNamespace() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let peer = try #require(try fixture.manager.vethPeer(of: fixture.a))
        #expect(peer.name == fixture.b)
        #expect(peer.sameNamespace)
        #expect(peer.netnsid == nil)
        #expect(peer.isUp == true)
        #expect(Int(peer.ifindex ?? -1) == (try fixture.ipLink(fixture.b).ifindex))
    }

    @Test func findsThePeerInAnotherNamedNamespace() throws {
        let left = try NetworkNamespace(prefix: "vl")
        defer { left.delete() }
        let right = try NetworkNamespace(prefix: "vl")
        defer { right.delete() }
        let a = uniqueName("vla"), b = uniqueName("vlb")
        try left.addVeth(inside: a, outside: b, outsideIn: right)
        let manager = try left.perform { try LinkManager() }
        let peer = try #require(try manager.vethPeer(of: a))
        #expect(!peer.sameNamespace)
        #expect(peer.netnsid != nil)
        #expect(peer.namespaceName == right.name)
        #expect(peer.name == b)
        #expect(peer.isUp == true)
        let rightIndex = IPLinkView(try right.run(["ip", "-d", "link", "show", b]).stdout).ifindex
        #expect(Int(peer.ifindex ?? -1) == rightIndex)
    }

    @Test func somethingElseIsNotAVeth() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        #expect(try fixture.manager.vethPeer(of: "lo") == nil)
        #expect(throws: LinkError.self) { try fixture.manager.vethPeer(of: "vlnope3") }
    }

    @Test func nicStateShowsWhatValedSees() throws {
        let fixture = try VethFixture()
        defer { fixture.delete() }
        let state = try fixture.manager.nicState(fixture.a)
        #expect(state.link.name == fixture.a)
        #expect(state.driver?.driver == "veth")
        #expect(state.features?["tx-tcp-segmentation"]?.active == true)
        #expect(state.pause == nil)
        #expect(state.notes == ["\(fixture.a): pause frame settings are not supported by the driver (EOPNOTSUPP)"])
        #expect(state.vethPeer?.name == fixture.b)
        // It is what `valectl nic show --json` would carry.
        let decoded = try JSONDecoder().decode(NICState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
    }
}
