import Foundation
import Testing
import TestSupport

/// Three namespaces: `hub` runs valed (userspace datapath) and holds one end
/// of two veth pairs; `a` and `b` hold the other ends with addresses. All
/// traffic stays inside these namespaces.
final class SwitchTopology {
    let hub: NetworkNamespace
    let a: NetworkNamespace
    let b: NetworkNamespace
    let daemon: DaemonProcess
    let ha: String, hb: String

    init(config: String = "") throws {
        hub = try NetworkNamespace(prefix: "vdh")
        a = try NetworkNamespace(prefix: "vda")
        b = try NetworkNamespace(prefix: "vdb")
        ha = "h" + String(a.name.suffix(6))
        hb = "h" + String(b.name.suffix(6))
        try a.addVeth(inside: "va", outside: ha, outsideIn: hub)
        try b.addVeth(inside: "vb", outside: hb, outsideIn: hub)
        try a.run(["ip", "addr", "add", "10.77.0.1/24", "dev", "va"])
        try b.run(["ip", "addr", "add", "10.77.0.2/24", "dev", "vb"])
        daemon = try DaemonProcess(executable: "valed", arguments: ["--datapath", "userspace"])
        daemon.namespace = hub.name
        try daemon.writeConfig(config)
    }

    func ping(from ns: NetworkNamespace, to address: String, count: Int = 2) throws -> Bool {
        try ns.run(["ping", "-c", "\(count)", "-i", "0.2", "-W", "1", address], check: false).succeeded
    }

    /// `ip -d link show` of a hub interface (the second path to verify NIC state).
    func hubLink(_ name: String) throws -> String { try hub.run(["ip", "-d", "link", "show", name]).stdout }

    /// One feature line of `ethtool -k` in the hub, e.g. "generic-receive-offload".
    func feature(_ name: String, on interface: String) throws -> String? {
        let out = try hub.run(["ethtool", "-k", interface]).stdout
        return out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix(name + ":") }.map { String($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
    }

    /// Waits (bounded) until `condition` holds; returns whether it did.
    func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        try TestSupport.eventually(seconds, condition)
    }

    deinit {
        daemon.cleanUp()
        hub.delete(); a.delete(); b.delete()
    }
}

@Suite(.serialized, .enabled(if: TestHost.hasNetworkNamespaces, "needs root, ip netns and veth"))
struct UserspaceDaemonTests {
    @Test func twoNamespacesTalkThroughValedAndDetachStopsTraffic() throws {
        let t = try SwitchTopology()
        try t.daemon.start()
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.ha)"]).status == 0)
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.hb)"]).status == 0)
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
        #expect(try t.ping(from: t.b, to: "10.77.0.1"))
        let list = try t.daemon.valectl(["list", "--json"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"rxPackets\""))
        #expect(list.stdout.contains("\"nicCounters\""), "per-NIC counters from IFLA_STATS64")
        let show = try t.daemon.valectl(["port", "show", t.ha])
        #expect(show.stdout.contains("nic counters:"), "\(show.stdout)")
        #expect(try t.daemon.valectl(["detach", "vale0:\(t.hb)"]).status == 0)
        #expect(try !t.ping(from: t.a, to: "10.77.0.2", count: 1))
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.hb)"]).status == 0)
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
    }

    @Test func nicSettingsAreAppliedAndRestoredAcrossARestart() throws {
        let t = try SwitchTopology()
        // Per-feature lines of `ethtool -k` (not the aggregated ones such as
        // "tx-checksumming"); "rx-vlan-offload" is how ethtool shows rx-vlan-hw-parse.
        let features = ["tx-checksum-ip-generic", "tx-scatter-gather", "tx-tcp-segmentation",
                        "generic-segmentation-offload", "generic-receive-offload", "rx-vlan-offload"]
        try t.hub.run(["ethtool", "-K", t.ha, "gro", "on", "rxvlan", "on", "tx", "on", "sg", "on", "tso", "on", "gso", "on"], check: false)
        let before = try Dictionary(uniqueKeysWithValues: features.map { ($0, try t.feature($0, on: t.ha)) })
        #expect(before["generic-receive-offload"] == "on")
        #expect(try !t.hubLink(t.ha).contains("PROMISC"))
        // The userspace datapath carries offloads, so they stay unless the
        // configuration turns them off (as netmap's policy does by default).
        try t.daemon.writeConfig("nic:\n  offloads: false\n")
        try t.daemon.start()
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.ha)"]).status == 0)
        #expect(try t.hubLink(t.ha).contains("PROMISC"))
        for f in features { #expect(try t.feature(f, on: t.ha) == "off", "\(f) is turned off on attach") }
        // nic show tells saved vs current.
        let nic = try t.daemon.valectl(["nic", "show", t.ha, "--json"])
        #expect(nic.status == 0)
        #expect(nic.stdout.contains("\"saved\""))
        // Restart valed between attach and detach.
        t.daemon.stop()
        try t.daemon.start()
        #expect(try t.hubLink(t.ha).contains("PROMISC"))
        #expect(try t.daemon.valectl(["detach", "vale0:\(t.ha)"]).status == 0)
        #expect(try !t.hubLink(t.ha).contains("PROMISC"))
        for f in features { #expect(try t.feature(f, on: t.ha) == before[f]!, "\(f) is restored on detach") }
    }

    /// Issue 12: `--config <(…)` works; a reload of that pipe is refused
    /// (it would read nothing, or wait for a writer forever) and changes nothing.
    @Test func aConfigurationFromAFIFOStartsValedAndItsReloadIsRefused() throws {
        let t = try SwitchTopology()
        try? FileManager.default.removeItem(atPath: t.daemon.configPath)
        #expect(mkfifo(t.daemon.configPath, 0o600) == 0)
        let path = t.daemon.configPath, text = "switches:\n  vale0:\n    ports:\n      - nic: \(t.ha)\n      - nic: \(t.hb)\n"
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            _ = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        writer.start()
        try t.daemon.start()
        #expect(try t.ping(from: t.a, to: "10.77.0.2"), "the switch from the pipe forwards")
        let before = try t.daemon.valectl(["config", "show"]).stdout
        #expect(before.contains(t.ha) && before.contains(t.hb))
        let reload = try t.daemon.valectl(["reload"])
        #expect(reload.status == 1)
        #expect(reload.stderr.contains("it is a pipe (FIFO)"), "\(reload.stderr)")
        #expect(try t.daemon.valectl(["config", "show"]).stdout == before, "the desired state is unchanged")
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
    }

    @Test func anUnreadableConfigurationIsRefusedWithThePermissionError() throws {
        let dir = try TemporaryDirectory(prefix: "valed-perm")
        #expect(chmod(dir.path, 0o755) == 0)
        let file = dir.path + "/secret.yaml"
        try "switches: {}\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(chmod(file, 0o600) == 0)
        let valed = TestHost.executable("valed").path
        let run = try Shell.run(["timeout", "20", "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                 valed, "--datapath", "userspace", "--socket", dir.path + "/s.sock",
                                 "--state-dir", dir.path + "/state", "--config", file], check: false)
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(file):1:1: cannot read the file: open: Permission denied (EACCES)"), "\(run.stderr)")
    }

    /// Issue 11: on the userspace datapath a NIC keeps its offloads (GRO, TSO,
    /// checksumming); VLAN stripping still goes off, since a stripped tag
    /// would not be in the frame the switch forwards.
    @Test func theUserspaceDatapathLeavesOffloadsAsTheyAre() throws {
        let t = try SwitchTopology()
        let kept = ["tx-checksum-ip-generic", "tx-scatter-gather", "tx-tcp-segmentation",
                    "generic-segmentation-offload", "generic-receive-offload"]
        try t.hub.run(["ethtool", "-K", t.ha, "gro", "on", "rxvlan", "on", "tx", "on", "sg", "on", "tso", "on", "gso", "on"], check: false)
        try t.daemon.start()
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.ha)"]).status == 0)
        for f in kept { #expect(try t.feature(f, on: t.ha) == "on", "\(f) is left on") }
        #expect(try t.feature("rx-vlan-offload", on: t.ha) == "off", "VLAN stripping goes off")
        #expect(try t.daemon.valectl(["detach", "vale0:\(t.ha)"]).status == 0)
        #expect(try t.feature("rx-vlan-offload", on: t.ha) == "on", "and comes back on detach")
    }

    @Test func promiscuousModeClearedFromOutsideIsReasserted() throws {
        let t = try SwitchTopology()
        try t.daemon.start()
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.ha)"]).status == 0)
        #expect(try t.hubLink(t.ha).contains("PROMISC"))
        try t.hub.run(["ip", "link", "set", t.ha, "promisc", "off"])
        #expect(try t.eventually(5) { try t.hubLink(t.ha).contains("PROMISC") }, "valed turns promiscuous mode back on")
        #expect(t.daemon.log().contains("turned it back on"))
    }

    @Test func vethDeletedAndRecreatedRecoversByItself() throws {
        let t = try SwitchTopology()
        try t.daemon.writeConfig("switches:\n  vale0:\n    ports:\n      - nic: \(t.ha)\n      - nic: \(t.hb)\n")
        try t.daemon.start()
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
        // A NIC that returns keeps its MAC address; so does this veth (else the
        // peer's ARP cache, not the switch, would keep traffic from flowing).
        let mac = try t.b.run(["cat", "/sys/class/net/vb/address"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try t.hub.run(["ip", "link", "del", t.hb])
        #expect(try t.eventually(5) { try t.daemon.valectl(["list"]).stdout.contains("missing") })
        try t.b.addVeth(inside: "vb", outside: t.hb, outsideIn: t.hub)
        try t.b.run(["ip", "link", "set", "vb", "address", mac])
        try t.b.run(["ip", "addr", "add", "10.77.0.2/24", "dev", "vb"])
        #expect(try t.eventually(5) { try t.ping(from: t.a, to: "10.77.0.2", count: 1) }, "the port comes back without user action")
        #expect(try !t.daemon.valectl(["list"]).stdout.contains("missing"))
    }

    @Test func trafficResumesAfterARestartWithoutUserAction() throws {
        let t = try SwitchTopology()
        let vm = uniqueName("vmr")
        try t.daemon.writeConfig("switches:\n  vale0:\n    ports:\n      - nic: \(t.ha)\n      - nic: \(t.hb)\n      - port: \(vm)\n")
        try t.daemon.start()
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
        t.daemon.stop()
        #expect(try t.hub.run(["ip", "link", "show", vm], check: false).succeeded, "the TAP port outlives valed")
        try t.daemon.start()
        #expect(try t.ping(from: t.a, to: "10.77.0.2"), "traffic resumes after the restart")
        let list = try t.daemon.valectl(["list"]).stdout
        #expect(list.contains(vm) && !list.contains("missing"))
    }

    @Test func tapPortsForVMsAreCreatedAndDeleted() throws {
        let t = try SwitchTopology()
        try t.daemon.start()
        let created = try t.daemon.valectl(["port", "create", "vmt1", "--switch", "vale0"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try t.hub.run(["ip", "-d", "link", "show", "vmt1"]).stdout.contains("tun"))
        let again = try t.daemon.valectl(["port", "create", "vmt1", "--switch", "vale0"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already"))
        #expect(try t.daemon.valectl(["port", "delete", "vmt1"]).status == 0)
        #expect(try !t.hub.run(["ip", "link", "show", "vmt1"], check: false).succeeded)
    }

    @Test func unprivilegedUsersMayReadButNotChange() throws {
        let t = try SwitchTopology()
        try t.daemon.start()
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.ha)"]).status == 0)
        let list = try t.daemon.valectl(["list"], asUser: "65534")
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains(t.ha))
        let refused = try t.daemon.valectl(["detach", "vale0:\(t.ha)"], asUser: "65534")
        #expect(refused.status == 1)
        #expect(refused.stderr.lowercased().contains("permission") || refused.stderr.contains("root"))
        #expect(try t.daemon.valectl(["list"]).stdout.contains(t.ha), "the refused request changed nothing")
    }

    @Test func statusSaysWhichDatapathRunsAndWhy() throws {
        let t = try SwitchTopology()
        try t.daemon.start()
        let status = try t.daemon.valectl(["status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("userspace"))
        t.daemon.stop()
        let down = try t.daemon.valectl(["status", "--timeout", "2"])
        #expect(down.status == 3, "valed unreachable")
    }

    @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/proc/modules"), "this kernel has loadable modules; the no-module-support report cannot be seen here"))
    func kernelWithoutModuleSupportIsReportedAndValedKeepsRunning() throws {
        let t = try SwitchTopology()
        try t.daemon.start()
        let status = try t.daemon.valectl(["module", "status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("unsupported"))
        #expect(status.stdout.contains("no loadable module support"))
        let load = try t.daemon.valectl(["module", "load"])
        #expect(load.status == 1)
        #expect(load.stderr.contains("cannot load netmap"))
        #expect(try t.daemon.valectl(["status"]).stdout.contains("userspace"), "valed keeps running on the userspace datapath")
    }
}
