import Foundation
import Testing
import Synchronization
import TestSupport
@testable import ValeSwitch

/// Real kernel: namespaces, veth pairs, TAP devices, AF_PACKET.
@Suite("Userspace switch with real interfaces",
       .enabled(if: TestHost.hasNetworkNamespaces, "needs root and `ip netns` (network namespaces)"))
struct SwitchIntegrationTests {
    @Test func twoNamespacesPingBothWaysAndCarryTCP() throws {
        let topo = try Topology()
        defer { topo.close() }
        let ports = try topo.twoHostsOnASwitch()
        #expect(ports.first == 0)
        #expect(ports.second == 1)

        #expect(try topo.ping(from: 1, to: topo.ip(2)))
        #expect(try topo.ping(from: 2, to: topo.ip(1)))

        let server = topo.hosts[1]
        let iperfServer = try BackgroundProcess(["ip", "netns", "exec", server.name, "iperf3", "-s", "-1"])
        defer { iperfServer.stop() }
        var listening = false
        for _ in 0..<50 where !listening {
            listening = try server.run(["ss", "-ltnH", "sport = :5201"]).stdout.contains("5201")
            if !listening { usleep(100_000) }
        }
        #expect(listening, "iperf3 server did not start")
        let client = try topo.hosts[0].run(["iperf3", "-c", topo.ip(2), "-t", "2", "-J", "--connect-timeout", "3000", "--snd-timeout", "5000"], check: false)
        #expect(client.succeeded, "iperf3 failed: \(client.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(client.stdout.utf8)) as? [String: Any]
        let end = json?["end"] as? [String: Any]
        let received = (end?["sum_received"] as? [String: Any])?["bytes"] as? NSNumber
        #expect((received?.int64Value ?? 0) > 1_000_000, "iperf3 moved too little: \(String(describing: received))")

        let info = try topo.host.info(switch: topo.switchName)
        #expect(info.ports.map(\.name) == ["p1", "p2"])
        #expect(info.ports.allSatisfy { $0.kind == .veth && $0.state == .up })
        #expect(info.ports[0].counters.rxPackets > 100)
        #expect(info.ports[1].counters.txPackets > 100)
        #expect(info.learnedAddresses >= 2)
    }

    @Test func learnedUnicastStopsReachingTheThirdPortWhileBroadcastStillDoes() throws {
        let topo = try Topology()
        defer { topo.close() }
        for _ in 0..<3 { try topo.addHost() }
        try topo.createSwitch()
        for p in ["p1", "p2", "p3"] { try topo.attach(p) }
        let mac1 = try topo.mac(ofHost: 1), mac2 = try topo.mac(ofHost: 2)

        // Learning: one exchange teaches the switch where 1 and 2 are.
        #expect(try topo.ping(from: 1, to: topo.ip(2)))

        // Watch what leaves port 2 (the third host's port) from now on.
        let seen = Mutex<[MonitoredFrame]>([])
        let token = try topo.host.addMonitor(switch: topo.switchName, port: 2, direction: .tx) { frame in
            seen.withLock { $0.append(frame) }
        }
        let before = try topo.host.counters(switch: topo.switchName, port: 2)
        #expect(try topo.ping(from: 1, to: topo.ip(2), count: 5))
        #expect(try topo.ping(from: 2, to: topo.ip(1), count: 5))
        let unicastToOthers = seen.withLock { frames in
            frames.filter { f in
                let dst = f.bytes.withUnsafeBytes { MACAddress(frame: $0, offset: 0) }
                return dst == mac1 || dst == mac2
            }.count
        }
        #expect(unicastToOthers == 0, "unicast between hosts 1 and 2 reached host 3")
        let between = try topo.host.counters(switch: topo.switchName, port: 2)
        // Port 1 carried the 10 echo requests and replies out of port 1 and 2's
        // traffic; port 2 (host 3) got at most a stray broadcast.
        #expect(between.txPackets - before.txPackets < 3)

        // Broadcast still floods to host 3.
        try topo.hosts[2].run(["sysctl", "-qw", "net.ipv4.icmp_echo_ignore_broadcasts=0"])
        _ = try topo.ping(from: 1, to: "10.77.0.255", count: 3, broadcast: true)
        let after = try topo.host.counters(switch: topo.switchName, port: 2)
        #expect(after.txPackets - between.txPackets >= 3)
        let broadcasts = seen.withLock { $0.filter { $0.bytes.starts(with: MACAddress.broadcast.octets) }.count }
        #expect(broadcasts >= 3)
        topo.host.removeMonitor(token)
    }

    @Test func anRxMonitorCopiesWhatAPortSendsUntilRemoved() throws {
        let topo = try Topology()
        defer { topo.close() }
        let first = try topo.twoHostsOnASwitch().first
        let mac1 = try topo.mac(ofHost: 1)
        let seen = Mutex<[MonitoredFrame]>([])
        let token = try topo.host.addMonitor(switch: topo.switchName, port: first, direction: .rx) { frame in
            seen.withLock { $0.append(frame) }
        }
        #expect(try topo.ping(from: 1, to: topo.ip(2), count: 3))
        let frames = seen.withLock { $0 }
        let echoes = frames.filter { $0.bytes.count > 34 && $0.bytes[23] == 1 && $0.bytes[34] == 8 }
        #expect(echoes.count == 3, "expected the 3 echo requests host 1 sent")
        #expect(frames.allSatisfy { Array($0.bytes[6..<12]) == mac1.octets && $0.direction == .rx && $0.port == first })
        let now = Int(Date().timeIntervalSince1970)
        #expect(frames.allSatisfy { abs($0.seconds - now) < 60 && $0.nanoseconds < 1_000_000_000 })
        topo.host.removeMonitor(token)
        let count = frames.count
        #expect(try topo.ping(from: 1, to: topo.ip(2), count: 2))
        #expect(seen.withLock { $0.count } == count)
    }

    /// Issue 12: a handler that ended its stream removed its own monitor from
    /// the packet thread while the thread held the switch ("Recursive call to
    /// lock Mutex", valed gone). Handlers now run with no lock held.
    @Test func aMonitorHandlerMayCallBackIntoTheHostFromThePacketThread() throws {
        let topo = try Topology()
        defer { topo.close() }
        let first = try topo.twoHostsOnASwitch().first
        let token = Mutex<MonitorToken?>(nil)
        let calls = Mutex(0)
        let host = topo.host, name = topo.switchName
        let added = try host.addMonitor(switch: name, port: first, direction: .both) { _ in
            let n = calls.withLock { $0 += 1; return $0 }
            // What AsyncStream's onTermination does when a counted capture ends,
            // plus a read of the same switch.
            _ = host.list()
            _ = try? host.counters(switch: name, port: first)
            if n == 3, let t = token.withLock({ $0 }) { host.removeMonitor(t) }
        }
        token.withLock { $0 = added }
        #expect(try topo.ping(from: 1, to: topo.ip(2), count: 5))
        let seen = calls.withLock { $0 }
        #expect(seen >= 3, "the handler ran (\(seen) calls)")
        // The monitor removed itself: more traffic reaches no handler, and the
        // switch still forwards.
        #expect(try topo.ping(from: 1, to: topo.ip(2), count: 3))
        #expect(calls.withLock { $0 } <= 4, "at most one frame already copied arrives after removeMonitor")
        host.removeMonitor(added) // twice is harmless
    }

    /// docs/threading.md: a handler runs on the packet thread with no lock
    /// held and may call back into the host, deleting its own switch
    /// included. `stop` used to wait for the packet thread to exit — from the
    /// packet thread itself, forever. Bounded by a deadline: a regression
    /// fails here instead of hanging the suite.
    @Test func aMonitorHandlerMayDeleteItsOwnSwitch() throws {
        let topo = try Topology()
        defer { topo.close() }
        let first = try topo.twoHostsOnASwitch().first
        let host = topo.host, name = topo.switchName
        let state = Mutex<(calls: Int, deleted: Bool, error: String?)>((0, false, nil))
        _ = try host.addMonitor(switch: name, port: first, direction: .both, ended: {}) { _ in
            guard state.withLock({ $0.calls += 1; return $0.calls == 1 }) else { return }
            do { try host.deleteSwitch(name) } catch { state.withLock { $0.error = "\(error)" } }
            state.withLock { $0.deleted = true }
        }
        _ = try? topo.ping(from: 1, to: topo.ip(2), count: 1)
        let deadline = ContinuousClock.now + .seconds(10)
        while !state.withLock({ $0.deleted }) && ContinuousClock.now < deadline { usleep(20_000) }
        let final = state.withLock { $0 }
        #expect(final.deleted, "deleteSwitch called from the handler did not return within 10 s (the packet thread waited for itself)")
        #expect(final.error == nil)
        #expect(!host.list().contains { $0.name == name })
        // The packet thread is gone: more traffic reaches no handler.
        _ = try? topo.ping(from: 1, to: topo.ip(2), count: 1)
        #expect(state.withLock { $0.calls } <= 2)
    }

    @Test func detachingAMonitoredPortEndsItsMonitorOnce() throws {
        let topo = try Topology()
        defer { topo.close() }
        let ports = try topo.twoHostsOnASwitch()
        let ended = Mutex(0)
        let host = topo.host, name = topo.switchName
        _ = try host.addMonitor(switch: name, port: ports.second, direction: .rx, ended: {
            ended.withLock { $0 += 1 }
            _ = host.list() // no lock is held: calling back is fine
        }) { _ in }
        let removed = try host.addMonitor(switch: name, port: ports.second, ended: { ended.withLock { $0 += 100 } }) { _ in }
        host.removeMonitor(removed)
        #expect(try topo.ping(from: 1, to: topo.ip(2), count: 1))
        try host.detach(switch: name, port: ports.second)
        #expect(ended.withLock { $0 } == 1, "the live monitor ended once; the removed one was not called")
        try host.deleteSwitch(name)
        #expect(ended.withLock { $0 } == 1)
    }

    @Test func detachStopsTrafficAndAttachRestoresIt() throws {
        let topo = try Topology()
        defer { topo.close() }
        let second = try topo.twoHostsOnASwitch().second
        #expect(try topo.ping(from: 1, to: topo.ip(2)))

        try topo.host.detach(switch: topo.switchName, port: second)
        #expect(try topo.host.info(switch: topo.switchName).ports.map(\.name) == ["p1"])
        #expect(try !topo.ping(from: 1, to: topo.ip(2)))

        #expect(try topo.attach("p2") == second)
        #expect(try topo.ping(from: 1, to: topo.ip(2)))
        #expect(try topo.ping(from: 2, to: topo.ip(1)))
    }

    @Test func portsComeAndGoWhileTrafficFlowsAndTheSwitchStopsCleanly() throws {
        let topo = try Topology()
        defer { topo.close() }
        for _ in 0..<3 { try topo.addHost() }
        try topo.createSwitch()
        try topo.attach("p1"); try topo.attach("p2")
        #expect(try topo.ping(from: 1, to: topo.ip(2)))
        let flood = try BackgroundProcess(["ip", "netns", "exec", topo.hosts[0].name,
                                           "ping", "-n", "-q", "-f", "-w", "5", topo.ip(2)])
        defer { flood.stop() }
        for _ in 0..<15 {
            let index = try topo.attach("p3")
            #expect(index == 2)
            try topo.host.detach(switch: topo.switchName, port: index)
        }
        #expect(try topo.ping(from: 1, to: topo.ip(2)))
        let ports = try topo.host.info(switch: topo.switchName).ports
        #expect(ports.map(\.name) == ["p1", "p2"])
        #expect(ports[0].counters.rxPackets > 100)
        // Deleting the switch under load stops its thread and closes its sockets.
        try topo.host.deleteSwitch(topo.switchName)
        #expect(topo.host.list().isEmpty)
        #expect(try !topo.ping(from: 1, to: topo.ip(2)))
    }

    @Test(arguments: [false, true])
    func framesAboveAPortsMTUAreDroppedAndCounted(transmitRing: Bool) throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.addHost(); try topo.addHost()
        // Host 1 and the switch's p1 carry jumbo frames; p2 stays at 1500.
        try topo.hosts[0].run(["ip", "link", "set", "eth0", "mtu", "9000"])
        try topo.switchSide.run(["ip", "link", "set", "p1", "mtu", "9000"])
        try topo.createSwitch(SwitchConfiguration(transmitRing: transmitRing))
        try topo.attach("p1"); try topo.attach("p2")
        #expect(try topo.host.info(switch: topo.switchName).ports.map(\.maxFrameSize) == [9014, 1514])
        #expect(try topo.ping(from: 1, to: topo.ip(2)))
        // 1472 bytes of ICMP payload: a 1514-byte frame, the most p2 takes.
        #expect(try topo.hosts[0].run(["ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1", "-M", "do",
                                       "-s", "1472", topo.ip(2)], check: false).succeeded)
        let before = try topo.host.counters(switch: topo.switchName, port: 1)
        let big = try topo.hosts[0].run(["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-W", "1", "-M", "do",
                                         "-s", "3000", topo.ip(2)], check: false)
        #expect(!big.succeeded)
        let after = try topo.host.counters(switch: topo.switchName, port: 1)
        #expect(after.txDrops - before.txDrops == 3)
        #expect(after.txPackets == before.txPackets)
    }

    @Test func aVanishedInterfaceIsListedAsGoneAndCanBeDetached() throws {
        let topo = try Topology()
        defer { topo.close() }
        let second = try topo.twoHostsOnASwitch().second
        #expect(try topo.ping(from: 1, to: topo.ip(2)))
        try topo.switchSide.run(["ip", "link", "set", "p2", "down"])
        #expect(try topo.host.info(switch: topo.switchName).ports[1].state == .down)
        try topo.switchSide.run(["ip", "link", "set", "p2", "up"])
        #expect(try topo.ping(from: 1, to: topo.ip(2)), "traffic did not resume after the link came back")
        try topo.switchSide.run(["ip", "link", "del", "p2"])
        #expect(try topo.host.info(switch: topo.switchName).ports[1].state == .gone)
        #expect(try !topo.ping(from: 1, to: topo.ip(2), count: 1))
        try topo.host.detach(switch: topo.switchName, port: second)
        #expect(try topo.host.info(switch: topo.switchName).ports.map(\.name) == ["p1"])
    }

    @Test func aTAPPortOpenedByAVMExchangesFramesWithANamespace() throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.addHost()
        try topo.createSwitch()
        try topo.attach("p1")
        let tapName = uniqueName("vstap")
        #expect(try topo.inSwitch { try $0.createTAP(tapName, mtu: 1500) } == .created)
        let tapPort = try topo.attach(tapName)
        #expect(try topo.host.info(switch: topo.switchName).ports[tapPort].kind == .tap)

        // The test is the VM: it opens the TAP by name as QEMU does.
        let vm = try topo.switchSide.perform { try FakeVM(tap: tapName) }
        defer { vm.close() }
        let vmMAC = MACAddress([0x02, 0, 0, 0, 0, 0x99])
        let vmIP: [UInt8] = [10, 77, 0, 9]
        let host1MAC = try topo.mac(ofHost: 1)

        let pinger = try BackgroundProcess(["ip", "netns", "exec", topo.hosts[0].name,
                                            "ping", "-n", "-q", "-c", "4", "-i", "0.3", "-W", "1", "10.77.0.9"])
        defer { pinger.stop() }
        // The host's ARP request is broadcast: the VM must see it.
        let request = vm.read(timeoutSeconds: 5) { f in
            f.count >= 42 && f[12] == 0x08 && f[13] == 0x06 && Array(f[38..<42]) == vmIP
        }
        #expect(request != nil, "the ARP request never reached the TAP")
        guard let request else { return }
        #expect(Array(request[6..<12]) == host1MAC.octets)
        // Answer it; the host must then send its echo requests straight to us.
        var reply = host1MAC.octets + vmMAC.octets + [0x08, 0x06]
        reply += [0, 1, 0x08, 0, 6, 4, 0, 2] + vmMAC.octets + vmIP + host1MAC.octets + Array(request[28..<32])
        reply += [UInt8](repeating: 0, count: 60 - reply.count)
        try vm.write(reply)
        let echo = vm.read(timeoutSeconds: 5) { f in
            f.count >= 34 && Array(f[0..<6]) == vmMAC.octets && f[12] == 0x08 && f[13] == 0x00 && f[23] == 1
        }
        #expect(echo != nil, "no ICMP echo request reached the VM after its ARP reply")
        let neighbours = try topo.hosts[0].run(["ip", "neigh", "show", "10.77.0.9"]).stdout
        #expect(neighbours.contains(vmMAC.description))
    }

    @Test func deletingATAPRemovesTheDeviceAndItsPort() throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.createSwitch()
        let tapName = uniqueName("vstap")
        #expect(try topo.inSwitch { try $0.createTAP(tapName, owner: 65534, group: 65534) } == .created)
        #expect(try topo.switchSide.run(["cat", "/sys/class/net/\(tapName)/owner"]).stdout.hasPrefix("65534"))
        // A restarted daemon finds the TAP and adopts it.
        let restarted = UserspaceSwitchHost()
        #expect(try topo.switchSide.perform { try restarted.createTAP(tapName) } == .adopted)
        try topo.attach(tapName)
        #expect(try topo.inSwitch { $0.tapExists(tapName) })

        try topo.inSwitch { try $0.deleteTAP(tapName) }
        #expect(try !topo.switchSide.run(["ip", "link", "show", tapName], check: false).succeeded)
        #expect(try topo.host.info(switch: topo.switchName).ports.isEmpty)
        let again = try topo.inSwitch { host -> SwitchError? in
            do { try host.deleteTAP(tapName); return nil } catch { return error as? SwitchError }
        }
        #expect(again?.code == .noSuchInterface)
    }

    @Test func deletingATAPAVMHoldsIsRefused() throws {
        let topo = try Topology()
        defer { topo.close() }
        let tapName = uniqueName("vstap")
        _ = try topo.inSwitch { try $0.createTAP(tapName) }
        let vm = try topo.switchSide.perform { try FakeVM(tap: tapName) }
        let busy = try topo.inSwitch { host -> SwitchError? in
            do { try host.deleteTAP(tapName); return nil } catch { return error as? SwitchError }
        }
        #expect(busy?.code == .busy)
        #expect(busy?.message == "cannot delete TAP \(tapName): a VM or another program has it open (EBUSY)")
        vm.close()
        try topo.inSwitch { try $0.deleteTAP(tapName) }
        #expect(try !topo.switchSide.run(["ip", "link", "show", tapName], check: false).succeeded)
    }

    @Test func errorsNameTheObjectAndTheCause() throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.createSwitch()
        let name = topo.switchName
        let missing = try topo.inSwitch { host -> SwitchError? in
            do { try host.attachInterface(switch: name, interface: "nosuch0"); return nil } catch { return error as? SwitchError }
        }
        #expect(missing?.message == "cannot attach \(name):nosuch0: nosuch0 does not exist (ENODEV)")
        #expect(missing?.code == .noSuchInterface)
        try topo.addHost()
        try topo.attach("p1")
        let twice = try topo.inSwitch { host -> SwitchError? in
            do { try host.attachInterface(switch: name, interface: "p1"); return nil } catch { return error as? SwitchError }
        }
        #expect(twice?.message == "cannot attach \(name):p1: p1 is already attached to \(name) (EBUSY)")
        #expect(throws: SwitchError.self) { try topo.host.createSwitch(name) }
    }

    @Test func anIdleSwitchThreadSleeps() throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.twoHostsOnASwitch()
        // After traffic the loop wakes once a second for two to three seconds
        // (drop statistics), then blocks in poll() for good: no wakeups at all.
        // Permanent neighbours: no ARP re-probe seconds later disturbs the count.
        for (from, to) in [(1, 2), (2, 1)] {
            try topo.hosts[from - 1].run(["ip", "neigh", "replace", topo.ip(to), "lladdr",
                                          topo.mac(ofHost: to).description, "dev", "eth0", "nud", "permanent"])
        }
        #expect(try topo.ping(from: 1, to: topo.ip(2), count: 1))
        let thread = try #require(switchThread(named: String("vsw-\(topo.switchName)".prefix(15))))
        sleep(5)
        let first = contextSwitches(thread)
        sleep(2)
        let second = contextSwitches(thread)
        #expect(first != nil && first == second, "the idle packet thread woke up: \(String(describing: first)) -> \(String(describing: second))")
    }
}

/// The task id of this process's thread called `name`.
func switchThread(named name: String) -> String? {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.first { tid in
        (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) == name
    }
}

/// Voluntary + involuntary context switches of a thread so far.
func contextSwitches(_ tid: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/task/\(tid)/status", encoding: .utf8) else { return nil }
    return status.split(separator: "\n").filter { $0.contains("ctxt_switches") }
        .compactMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }.reduce(0, +)
}

/// The kernel takes the 802.1Q tag out of a frame (skb_vlan_untag) before a
/// packet socket sees it, and reports it beside the frame (tp_vlan_tci). A
/// switch must forward the tag: trunks of VLANs cross VALE untouched.
@Suite("VLAN tags through the userspace switch",
       .enabled(if: TestHost.hasNetworkNamespaces && FileManager.default.isExecutableFile(atPath: "/usr/bin/tcpdump"),
                "needs root, `ip netns` and tcpdump"))
struct VLANTagTests {
    @Test func taggedAndDoubleTaggedFramesKeepTheirTags() throws {
        let topo = try Topology()
        defer { topo.close() }
        try topo.twoHostsOnASwitch()
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("vlan-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: capture) }
        // Three frames from an address nobody else uses: 802.1Q VLAN 42 with
        // priority 5, 802.1ad VLAN 7 around 802.1Q VLAN 42, and untagged.
        let send = """
            import socket, struct
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0))
            src = bytes.fromhex("ffffffffffff020000000a01")
            body = struct.pack("!H", 0x0800) + bytes(46)
            s.send(src + struct.pack("!HH", 0x8100, (5 << 13) | 42) + body)
            s.send(src + struct.pack("!HHHH", 0x88a8, 7, 0x8100, 42) + body)
            s.send(src + body)
            """
        let script = """
            ip netns exec "$1" timeout 10 tcpdump -l -c 3 -e -nn -i eth0 'ether src 02:00:00:00:0a:01' > "$3.out" 2> "$3.err" &
            for i in $(seq 100); do grep -q listening "$3.err" 2>/dev/null && break; sleep 0.05; done
            ip netns exec "$2" python3 -c "$4"
            wait
            """
        _ = try Shell.run(["sh", "-c", script, "sh", topo.hosts[1].name, topo.hosts[0].name, capture.path, send], check: false)
        let lines = (try? String(contentsOfFile: capture.path + ".out", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        #expect(lines.count == 3, "\(lines)")
        guard lines.count == 3 else { return }
        #expect(lines[0].contains("ethertype 802.1Q (0x8100)") && lines[0].contains("vlan 42, p 5"), "\(lines[0])")
        #expect(lines[1].contains("802.1Q-QinQ (0x88a8)") && lines[1].contains("vlan 7") && lines[1].contains("vlan 42"), "\(lines[1])")
        #expect(lines[2].contains("ethertype IPv4 (0x0800)") && !lines[2].contains("vlan"), "\(lines[2])")
    }
}
