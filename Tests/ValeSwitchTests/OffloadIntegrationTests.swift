import Foundation
import Testing
import Synchronization
import CLinuxSupport
import TestSupport
@testable import ValeSwitch
#if canImport(Glibc)
import Glibc
#endif

/// Issue 11: hosts keep their default offloads (TSO, GSO, TX checksum) and
/// the switch carries partial checksums and super-frames through. Every
/// check is by content: SHA-256 of the data, echoed datagrams, the
/// receiver's UDP checksum error counter.
@Suite("Offloads through the userspace switch",
       .enabled(if: TestHost.hasNetworkNamespaces, "needs root and `ip netns` (network namespaces)"))
struct OffloadIntegrationTests {
    enum Offloads: String, CaseIterable, Sendable {
        /// veth's defaults everywhere: super-frames cross and stay whole.
        case defaults
        /// The switch's veth toward host 2 without TX checksumming (hence no
        /// TSO): the kernel segments on egress of the switch's socket.
        case segmentedOnEgress
        /// The hosts send whole frames with finished checksums.
        case offOnTheHosts
        /// Defaults, the switch transmitting through PACKET_TX_RING: super-frames
        /// larger than a slot are segmented by SoftwareOffload.
        case transmitRing
    }

    /// 24 MB each way: with TSO on, most of it crosses as 64 KiB super-frames.
    @Test(arguments: Offloads.allCases)
    func tcpCarriesVerifiedDataBothWays(offloads: Offloads) throws {
        let topo = try Topology()
        defer { topo.close() }
        for _ in 0..<2 { try topo.addHost(offloadsOff: offloads == .offOnTheHosts) }
        try topo.createSwitch(SwitchConfiguration(transmitRing: offloads == .transmitRing))
        try topo.attach("p1"); try topo.attach("p2")
        if offloads == .segmentedOnEgress { try topo.switchSide.run(["ethtool", "-K", "p2", "tx", "off"]) }
        let peer = try OffloadPeer.install()
        defer { try? FileManager.default.removeItem(atPath: peer.directory) }
        let size = 24 << 20
        let out = peer.directory + "/server.json"
        let server = try BackgroundProcess(["ip", "netns", "exec", topo.hosts[1].name, OffloadPeer.python, peer.script,
                                            "tcp-server", topo.ip(2), "5300", "\(size)", "2", out])
        defer { server.stop() }
        let client = try topo.hosts[0].run([OffloadPeer.python, peer.script, "tcp-client", topo.ip(2), "5300", "\(size)", "1"],
                                           check: false)
        #expect(client.succeeded, "client failed: \(client.stderr)")
        let c = try #require(OffloadPeer.decode(client.stdout), "client said: \(client.stdout)")
        let s = try #require(OffloadPeer.result(at: out, of: server), "the server never finished")
        #expect(s["received"] as? Int == size)
        #expect(s["receivedSHA"] as? String == c["sentSHA"] as? String, "host 2 received other bytes than host 1 sent")
        #expect(c["received"] as? Int == size)
        #expect(c["receivedSHA"] as? String == s["sentSHA"] as? String, "host 1 received other bytes than host 2 sent")

        let ports = try topo.host.info(switch: topo.switchName).ports
        for port in ports {
            // Every frame the switch took from one port went out of the other or is a counted drop.
            let other = ports[1 - ports.firstIndex { $0.name == port.name }!]
            #expect(port.counters.rxPackets == other.counters.txPackets + other.counters.txDrops)
        }
    }

    /// The switch-side veth toward host 2 has TX checksumming off: the
    /// kernel must finish each partial checksum host 1 left before host 2
    /// sees the datagram, and host 2 verifies it. Plain datagrams and USO
    /// (UDP_SEGMENT) super-frames of three datagrams.
    @Test(arguments: [1, 3])
    func udpArrivesWithValidChecksums(datagramsPerSend: Int) throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.twoHostsOnASwitch()
        try topo.switchSide.run(["ethtool", "-K", "p2", "tx", "off"])
        let peer = try OffloadPeer.install()
        defer { try? FileManager.default.removeItem(atPath: peer.directory) }
        let out = peer.directory + "/echo.json"
        let echo = try BackgroundProcess(["ip", "netns", "exec", topo.hosts[1].name, OffloadPeer.python, peer.script,
                                          "udp-echo", topo.ip(2), "5301", out])
        defer { echo.stop() }
        try waitForUDPListener(port: 5301, in: topo.hosts[1])
        let errorsBefore = try OffloadPeer.udpCounter("InCsumErrors", in: topo.hosts[1])
        let count = 200
        let client = try topo.hosts[0].run([OffloadPeer.python, peer.script, "udp-client", topo.ip(2), "5301",
                                            "\(count)", "\(datagramsPerSend)"], check: false)
        #expect(client.succeeded, "client failed: \(client.stderr)")
        #expect(OffloadPeer.decode(client.stdout)?["echoed"] as? Int == count)
        let result = try #require(OffloadPeer.result(at: out, of: echo))
        #expect(result["distinct"] as? Int == count * datagramsPerSend)
        #expect(result["bad"] as? Int == 0)
        #expect(errorsBefore == 0)
        #expect(try OffloadPeer.udpCounter("InCsumErrors", in: topo.hosts[1]) == 0, "host 2 received datagrams with bad checksums")
        #expect(try OffloadPeer.udpCounter("InDatagrams", in: topo.hosts[1]).map { $0 >= count * datagramsPerSend } == true)
    }

    /// A VM with virtio-net offloads: the test holds the TAP with
    /// IFF_VNET_HDR and writes a datagram with an unfinished checksum and a
    /// USO super-frame of three datagrams. Host 1 must receive all four
    /// with valid checksums (p1 has TX checksumming off, so the kernel
    /// finishes them), and a tx monitor of p1 must see four wire frames.
    @Test func aVMsPartialChecksumsAndSuperFramesArriveIntact() throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.addHost()
        try topo.createSwitch()
        let p1 = try topo.attach("p1")
        try topo.switchSide.run(["ethtool", "-K", "p1", "tx", "off"])
        let tapName = uniqueName("vstap")
        #expect(try topo.inSwitch { try $0.createTAP(tapName, mtu: 1500) } == .created)
        let features = try topo.switchSide.run(["ethtool", "-k", tapName]).stdout
        #expect(features.contains("tx-tcp-segmentation: on"), "TUNSETOFFLOAD did not reach the TAP netdev:\n\(features)")
        try topo.attach(tapName)
        let vm = try topo.switchSide.perform { try FakeVM(tap: tapName, vnetHeader: true) }
        defer { vm.close() }

        let wire = Mutex<[[UInt8]]>([])
        let token = try topo.host.addMonitor(switch: topo.switchName, port: p1, direction: .tx) { frame in
            if frame.bytes.count > 37, frame.bytes[23] == 17, frame.bytes[36] == 0x14, frame.bytes[37] == 0xB6 {
                wire.withLock { $0.append(frame.bytes) }
            }
        }
        defer { topo.host.removeMonitor(token) }

        let peer = try OffloadPeer.install()
        defer { try? FileManager.default.removeItem(atPath: peer.directory) }
        let out = peer.directory + "/sink.json"
        let sink = try BackgroundProcess(["ip", "netns", "exec", topo.hosts[0].name, OffloadPeer.python, peer.script,
                                          "udp-sink", topo.ip(1), "5302", "4", out])
        defer { sink.stop() }
        try waitForUDPListener(port: 5302, in: topo.hosts[0])

        var b = FrameBuilder(udp: true)
        b.src4 = [10, 77, 0, 9]; b.dst4 = [10, 77, 0, 1]
        let host1 = try topo.mac(ofHost: 1).octets
        func addressed(_ f: [UInt8]) -> [UInt8] {
            var f = f
            f.replaceSubrange(0..<12, with: host1 + [2, 0, 0, 0, 0, 9])
            f[b.l4 + 2] = 0x14; f[b.l4 + 3] = 0xB6 // destination port 5302
            return f
        }
        // The checksum field holds the pseudo-header sum; changing the port
        // after FrameBuilder summed it is fine because the port is not in it.
        let single = payload(300, seed: 1), big = payload(3000, seed: 2)
        try vm.write(b.header(), addressed(b.partial(single)))
        try vm.write(b.header(gso: VirtioNetHeader.gsoUDPL4, size: 1000), addressed(b.partial(big)))

        let result = try #require(OffloadPeer.result(at: out, of: sink))
        let datagrams = (result["datagrams"] as? [String] ?? []).map { hex in
            stride(from: 0, to: hex.count, by: 2).map { i -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
        }
        #expect(datagrams == [single, Array(big[0..<1000]), Array(big[1000..<2000]), Array(big[2000...])])
        #expect(try OffloadPeer.udpCounter("InCsumErrors", in: topo.hosts[0]) == 0)
        // The monitor saw the wire: four datagrams, each with a valid checksum.
        let seen = wire.withLock { $0 }
        #expect(seen.count == 4)
        #expect(seen.allSatisfy { b.verifies($0) && $0.count <= 1514 })
    }

    private func waitForUDPListener(port: Int, in ns: NetworkNamespace) throws {
        for _ in 0..<600 {
            if try ns.run(["ss", "-lunH", "sport = :\(port)"]).stdout.contains("\(port)") { return }
            usleep(50_000)
        }
        Issue.record("nothing listens on UDP \(port)")
    }
}

