import Foundation
import Testing
import TestSupport
import ValeForwarding
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The real vale-switchd forwarding between two namespaces: it keeps
/// forwarding when its clients misbehave or vanish, and it restores its
/// ports after kill -9 from its state file alone.
@Suite(.serialized, .enabled(if: TestHost.hasNetworkNamespaces, "needs root and ip netns"))
struct ForwardingTests {
    /// A running vale-switchd with switch vs0 over `sa` and `sb`.
    private func forwarding(_ body: (ForwarderTopology, SwitchdProcess) throws -> Void) throws {
        let topology = try ForwarderTopology()
        defer { topology.delete() }
        let switchd = try SwitchdProcess(namespace: topology.switchNS)
        defer { switchd.cleanUp() }
        try switchd.start()
        let client = switchd.client()
        #expect(try client.createSwitch(CreateSwitchParameters(name: "vs0")).changed)
        #expect(try client.attach(switch: "vs0", interface: "sa").changed)
        #expect(try client.attach(switch: "vs0", interface: "sb").changed)
        try body(topology, switchd)
    }

    @Test func forwardsBetweenTwoNamespaces() throws {
        try forwarding { topology, switchd in
            try topology.a.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", ForwarderTopology.addressB])
            let list = try switchd.client().list()
            let ports = try #require(list.switches.first { $0.name == "vs0" }).ports
            #expect(Set(ports.map(\.interface)) == ["sa", "sb"])
            #expect(ports.allSatisfy { $0.kind == .veth })
            // IFF_RUNNING follows the operational state, which the kernel's
            // linkwatch may publish up to a second after the link came up.
            #expect(try eventually(5) {
                try switchd.client().list().switches.first?.ports.allSatisfy { $0.state == .up } == true
            })
            #expect(ports.allSatisfy { $0.counters.rxPackets >= 3 && $0.counters.txPackets >= 3 })
            // Asking again changes nothing and says so.
            let again = try switchd.client().attach(switch: "vs0", interface: "sa")
            #expect(!again.changed)
            #expect(again.port == ports.first { $0.interface == "sa" }?.index)
        }
    }

    @Test func clientsThatVanishOrMisbehaveLoseNoFrame() throws {
        try forwarding { topology, switchd in
            try topology.a.run(["ping", "-c", "2", "-W", "2", ForwarderTopology.addressB])
            let ping = try PingRun(from: topology.a, to: ForwarderTopology.addressB, count: 300, directory: switchd.directory)
            for round in 0..<5 {
                // A monitor whose client disappears mid-stream.
                let monitor = try switchd.client().monitor(ForwarderMonitorParameters(switchName: "vs0", interface: "sa"))
                _ = try monitor.next()
                monitor.cancel()
                // A client that sends half a message and leaves.
                let raw = try VarlinkClient(path: switchd.socketPath, timeout: 2)
                try raw.sendRaw(Array("{\"method\":\"io.valed.forwarder.Li".utf8))
                // A client that sends garbage and stays for its answer.
                let garbage = try VarlinkClient(path: switchd.socketPath, timeout: 2)
                try garbage.sendRaw(Array("not json at all \(round)".utf8) + [0])
                #expect(try garbage.receive().error == ForwarderError.invalidMessage)
                // And one that asks for the list and vanishes before reading.
                let impatient = try VarlinkClient(path: switchd.socketPath, timeout: 2)
                try impatient.send(VarlinkCall(method: ForwarderMethod.list.qualifiedName))
                usleep(300_000)
            }
            let result = ping.wait()
            print("ping through vale-switchd while clients misbehave: \(result)")
            #expect(result.transmitted == 300)
            #expect(result.lost == 0)
            #expect(switchd.isRunning)
        }
    }

    @Test func restoresItsPortsAfterKill9() throws {
        try forwarding { topology, switchd in
            try topology.a.run(["ping", "-c", "2", "-W", "2", ForwarderTopology.addressB])
            // One client for the whole test, as valed's provider will hold one.
            let client = switchd.client()
            let before = try client.getInfo()
            let ping = try PingRun(from: topology.a, to: ForwarderTopology.addressB, count: 400, directory: switchd.directory)
            usleep(1_000_000)
            let killed = Date()
            switchd.stop(signal: SIGKILL)
            try switchd.start()
            let ready = Date().timeIntervalSince(killed)
            let result = ping.wait()
            // Its connection died with the old process: the call reconnects.
            let info = try client.getInfo()
            func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
            print("kill -9 of vale-switchd, restarted at once: READY=1 \(ms(ready)) ms after the kill "
                  + "(main entered after \(ms(info.startTime - killed.timeIntervalSince1970)) ms, restore \(ms(info.restoreMilliseconds / 1000)) ms); "
                  + "ping every 10 ms: \(result)")
            #expect(info.pid != before.pid)
            #expect(info.instanceID == before.instanceID)
            #expect(info.restarts == before.restarts + 1)
            #expect(info.restoredPorts == 2)
            let ports = try #require(try switchd.client().list().switches.first { $0.name == "vs0" }).ports
            #expect(Set(ports.map(\.interface)) == ["sa", "sb"])
            // Traffic resumed: replies arrived after the restart.
            let restartedAt = killed.timeIntervalSince1970 + ready
            #expect(result.replyTimes.contains { $0 > restartedAt })
            try topology.a.run(["ping", "-c", "2", "-W", "2", ForwarderTopology.addressB])
        }
    }

    @Test func aMonitorStreamsFramesAndEndsWithAMessageWhenItsPortIsDetached() async throws {
        let topology = try ForwarderTopology()
        defer { topology.delete() }
        let switchd = try SwitchdProcess(namespace: topology.switchNS)
        defer { switchd.cleanUp() }
        try switchd.start()
        let client = switchd.client()
        try client.createSwitch(CreateSwitchParameters(name: "vs0"))
        try client.attach(switch: "vs0", interface: "sa")
        try client.attach(switch: "vs0", interface: "sb")

        // A counted monitor ends by itself.
        let counted = try client.monitor(ForwarderMonitorParameters(switchName: "vs0", interface: "sa", direction: .rx, count: 2))
        try topology.a.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", ForwarderTopology.addressB])
        var frames: [Frame] = []
        while let reply = try counted.next() { frames += reply.frames }
        #expect(frames.count == 2)
        #expect(frames.allSatisfy { $0.direction == .rx && $0.length >= 42 })

        // An endless one ends when the port goes, with a message.
        let endless = try client.monitor(ForwarderMonitorParameters(switchName: "vs0", interface: "sb"))
        let pinger = try PingRun(from: topology.a, to: ForwarderTopology.addressB, count: 20, interval: 0.05, directory: switchd.directory)
        var seen = 0
        var ended: VarlinkError?
        do {
            for try await reply in endless.replies {
                seen += reply.frames.count
                if seen >= 4 { try client.detach(switch: "vs0", interface: "sb") }
            }
        } catch let error as VarlinkError {
            ended = error
        }
        _ = pinger.wait()
        #expect(seen >= 4)
        let error = try #require(ended)
        #expect(error.name == ForwarderError.monitorEnded)
        #expect(error.message.contains("sb was detached from vs0"), "\(error.message)")
        #expect(switchd.isRunning)
    }

    @Test func teardownRemovesWhatItCreatedAndSigtermKeepsIt() throws {
        let namespace = try NetworkNamespace(prefix: "swt")
        defer { namespace.delete() }
        let switchd = try SwitchdProcess(namespace: namespace)
        defer { switchd.cleanUp() }
        try switchd.start()
        let client = switchd.client()
        try namespace.run(["ip", "link", "add", "made0", "type", "veth", "peer", "name", "made0p"])
        try client.createSwitch(CreateSwitchParameters(name: "vs1", tableSize: 64))
        #expect(try client.createTAP(CreateTAPParameters(name: "vm0tap", mtu: 1400)).changed)
        try client.attach(switch: "vs1", interface: "vm0tap")
        try client.attach(switch: "vs1", interface: "made0")

        // SIGTERM: exits 0, the TAP stays, the next start restores it all.
        #expect(switchd.stop(signal: SIGTERM) == 0)
        #expect(try namespace.run(["ip", "link", "show", "vm0tap"], check: false).status == 0)
        try switchd.start()
        let list = try switchd.client().list()
        #expect(list.switches.map(\.name) == ["vs1"])
        #expect(list.switches.first?.config.tableSize == 64)
        #expect(Set(list.switches.first?.ports.map(\.interface) ?? []) == ["vm0tap", "made0"])
        #expect(list.taps.map(\.name) == ["vm0tap"])

        // Shutdown: the TAP goes (it made it), the dummy stays (it did not), the state file goes, exit 0.
        let reply = try switchd.client().shutdown()
        #expect(reply.switches == 1 && reply.ports == 2 && reply.taps == 1)
        #expect(switchd.waitForExit() == 0)
        #expect(try namespace.run(["ip", "link", "show", "vm0tap"], check: false).status != 0)
        #expect(try namespace.run(["ip", "link", "show", "made0"], check: false).status == 0)
        #expect(!FileManager.default.fileExists(atPath: switchd.statePath))
        #expect(!FileManager.default.fileExists(atPath: switchd.socketPath))
    }
}
