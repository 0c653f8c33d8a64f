import Foundation
import Testing
import TestSupport
@testable import ValeNIC
import ValeState

@Suite(.enabled(if: TestHost.hasNetworkNamespaces, "needs root, ip netns and veth"))
struct LinkLayerTests {
    @Test func nativeVethNeedsItsPeerInNetmapMode() throws {
        let ns = try NetworkNamespace(prefix: "vdl")
        defer { ns.delete() }
        try ns.addVeth(inside: "va", outside: "vb", outsideIn: ns)
        let spec = AttachmentSpec(switchName: "vale0", interface: "va", owner: .runtime)
        let (alone, withPeer, stock, tap) = try ns.perform {
            let layer = try LinkLayer()
            return (layer.nativeVethProblem(spec, attachedInterfaces: [], nativeVeth: true),
                    layer.nativeVethProblem(spec, attachedInterfaces: ["vb"], nativeVeth: true),
                    layer.nativeVethProblem(spec, attachedInterfaces: [], nativeVeth: false),
                    layer.nativeVethProblem(AttachmentSpec(switchName: "vale0", interface: "lo", owner: .runtime), attachedInterfaces: [], nativeVeth: true))
        }
        #expect(alone?.hasPrefix("cannot attach vale0:va: va is one end of a veth pair and its peer vb is not in netmap mode") == true)
        #expect(alone?.contains("--force") == true)
        #expect(withPeer == nil, "allowed once the peer is on a switch")
        #expect(stock == nil, "the stock veth driver works in emulated mode")
        #expect(tap == nil, "not a veth")
    }

    @Test func nicCountersComeFromTheKernel() throws {
        let ns = try NetworkNamespace(prefix: "vdc")
        defer { ns.delete() }
        try ns.addVeth(inside: "va", outside: "vb", outsideIn: ns)
        try ns.run(["ip", "addr", "add", "10.79.0.1/24", "dev", "va"])
        try ns.run(["ping", "-c", "2", "-i", "0.2", "-W", "1", "10.79.0.2"], check: false)
        // Down, the link sends nothing more (IPv6 autoconfiguration and ARP
        // retries did between the two reads: 5 against 7 under load), so both
        // reads see the same counters; the kernel keeps them while down.
        try ns.run(["ip", "link", "set", "va", "down"])
        let counters = try ns.perform { try LinkLayer().counters("va") }
        let sysfs = try ns.run(["cat", "/sys/class/net/va/statistics/tx_packets"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(counters?.txPackets == UInt64(sysfs))
        #expect((counters?.txPackets ?? 0) > 0)
        #expect(try ns.perform { try LinkLayer().counters("nosuch0") } == nil)
    }
}
