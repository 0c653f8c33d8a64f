import Foundation
import Logging
import Testing
import TestSupport
import ValeDatapath
@testable import ValeEngine
import ValeState

/// Overlay devices in memory, sharing the fake datapath's netdevs; records calls.
final class FakeTunnels: TunnelManaging, @unchecked Sendable {
    private let lock = NSLock()
    let datapath: FakeDatapath
    var devices: [String: ObservedTunnel] = [:]
    var mtus: [String: Int] = [:]
    var calls: [String] = []
    var underlayMTU = 1500

    init(_ datapath: FakeDatapath) { self.datapath = datapath }

    func takeCalls() -> [String] { lock.lock(); defer { lock.unlock() }; let c = calls; calls = []; return c }

    func observe(_ name: String) -> ObservedTunnel? {
        lock.lock(); defer { lock.unlock() }
        if let device = devices[name] { return device }
        return datapath.interfaceExists(name) ? ObservedTunnel(kind: nil, mtu: mtus[name] ?? 1500) : nil
    }
    func create(_ spec: TunnelSpec) throws -> Int {
        lock.lock(); defer { lock.unlock() }
        calls.append("create \(spec.name)")
        let mtu = spec.mtu(underlayMTU: underlayMTU)
        devices[spec.name] = ObservedTunnel(kind: spec.kind, vni: spec.vni, port: spec.port, local: spec.local,
                                            underlay: spec.underlay, remotes: spec.canonicalRemotes, mtu: mtu)
        datapath.netdevs.insert(spec.name)
        return mtu
    }
    func delete(_ name: String) throws {
        lock.lock(); defer { lock.unlock() }
        calls.append("delete \(name)")
        devices[name] = nil
        datapath.netdevs.remove(name)
    }
    func setRemotes(_ spec: TunnelSpec) throws {
        lock.lock(); defer { lock.unlock() }
        calls.append("remotes \(spec.name) \(spec.canonicalRemotes.joined(separator: ","))")
        devices[spec.name]?.remotes = spec.canonicalRemotes
    }
    func mtu(of interface: String) -> Int? {
        lock.lock(); defer { lock.unlock() }
        return devices[interface]?.mtu ?? mtus[interface] ?? (datapath.interfaceExists(interface) ? 1500 : nil)
    }
}

private func vx(_ name: String = "vx0", remotes: [String] = ["192.0.2.2"], owner: Owner = .runtime) -> TunnelSpec {
    TunnelSpec(name: name, vni: 42, remotes: remotes, owner: owner)
}

private func parse(_ yaml: String) throws -> ValedConfig { try ConfigParser(fileName: "valed.yaml", onlineCPUs: 4).parse(yaml) }

private func problems(_ yaml: String) -> [String] {
    do { _ = try parse(yaml); return [] } catch let error as ConfigError {
        return error.issues.map { "\($0.line):\($0.column): \($0.reason)" }
    } catch { return ["unexpected \(error)"] }
}

@Suite struct TunnelSpecTests {
    @Test func validSpecsHaveNoProblem() {
        #expect(vx().problem() == nil)
        #expect(vx(remotes: ["192.0.2.2", "192.0.2.3"]).problem() == nil)
        #expect(TunnelSpec(name: "gn0", kind: .geneve, vni: 7, remotes: ["2001:db8::2"], owner: .runtime).problem() == nil)
        #expect(TunnelSpec(name: "vx0", vni: 1, remotes: ["2001:db8::2"], local: "2001:db8::1", underlay: "eth0", owner: .runtime).problem() == nil)
    }

    @Test func eachBadInputIsNamed() {
        let cases: [(TunnelSpec, String)] = [
            (TunnelSpec(name: "vx0", vni: TunnelSpec.maxVNI + 1, remotes: ["192.0.2.2"], owner: .runtime), "VNI must be between 0 and 16777215"),
            (vx(remotes: []), "at least one remote"),
            (vx(remotes: ["192.0.2.300"]), "remote '192.0.2.300' is not an IPv4 or IPv6 address"),
            (vx(remotes: ["239.0.0.1"]), "multicast"),
            (vx(remotes: ["0.0.0.0"]), "unspecified"),
            (vx(remotes: ["192.0.2.2", "192.0.2.2"]), "given twice"),
            (vx(remotes: ["2001:db8::1", "2001:db8:0::1"]), "given twice"),
            (vx(remotes: ["192.0.2.2", "2001:db8::1"]), "mix IPv4 and IPv6"),
            (TunnelSpec(name: "vx0", vni: 1, remotes: ["192.0.2.2"], local: "2001:db8::1", owner: .runtime), "different IP versions"),
            (TunnelSpec(name: "vx0", vni: 1, remotes: ["192.0.2.2"], underlay: "vx0", owner: .runtime), "its own underlay"),
            (TunnelSpec(name: "vale9", vni: 1, remotes: ["192.0.2.2"], owner: .runtime), "a tunnel name cannot start with 'val'"),
            (TunnelSpec(name: "gn0", kind: .geneve, vni: 1, remotes: ["192.0.2.2", "192.0.2.3"], owner: .runtime), "one remote"),
            (TunnelSpec(name: "gn0", kind: .geneve, vni: 1, remotes: ["192.0.2.2"], local: "192.0.2.1", owner: .runtime), "no local address"),
            (TunnelSpec(name: "gn0", kind: .geneve, vni: 1, remotes: ["192.0.2.2"], underlay: "eth0", owner: .runtime), "no underlay device"),
        ]
        for (spec, cause) in cases {
            let problem = spec.problem()
            #expect(problem?.contains(cause) == true, "\(spec.name) \(spec.remotes): \(problem ?? "no problem")")
        }
    }

    @Test func theMTURuleSubtractsTheEncapsulation() {
        #expect(vx().mtu(underlayMTU: 1500) == 1450)
        #expect(vx(remotes: ["2001:db8::2"]).mtu(underlayMTU: 1500) == 1430)
        #expect(TunnelSpec(name: "gn0", kind: .geneve, vni: 7, remotes: ["192.0.2.2"], owner: .runtime).mtu(underlayMTU: 9000) == 8950)
        #expect(vx().port == 4789)
        #expect(TunnelSpec(name: "gn0", kind: .geneve, vni: 7, remotes: ["192.0.2.2"], owner: .runtime).port == 6081)
    }
}

@Suite struct TunnelPlannerTests {
    let planner = Planner()

    private func plan(_ desired: DesiredState, owned: OwnedObjects = OwnedObjects(), tunnels: [String: ObservedTunnel] = [:],
                      netdevs: Set<String> = []) -> [String] {
        planner.plan(desired: desired, owned: owned, observed: [], tunnels: tunnels,
                     interfaceExists: { netdevs.contains($0) || tunnels[$0] != nil }).map(\.description)
    }

    private func device(_ spec: TunnelSpec) -> ObservedTunnel {
        ObservedTunnel(kind: spec.kind, vni: spec.vni, port: spec.port, local: spec.local, underlay: spec.underlay,
                       remotes: spec.canonicalRemotes, mtu: 1450)
    }

    @Test func aWantedTunnelIsCreatedBeforeItIsAttached() {
        let desired = DesiredState(attachments: ["vale0:vx0": AttachmentSpec(switchName: "vale0", interface: "vx0", owner: .runtime)],
                                   tunnels: ["vx0": vx()])
        #expect(plan(desired) == ["create tunnel vx0 (vxlan VNI 42 to 192.0.2.2)", "attach vale0:vx0"])
    }

    @Test func anOwnedMatchingTunnelNeedsNothingAndChangedRemotesAreSetInPlace() {
        var owned = OwnedObjects(); owned.tunnels = ["vx0"]
        let spec = vx()
        #expect(plan(DesiredState(tunnels: ["vx0": spec]), owned: owned, tunnels: ["vx0": device(spec)]).isEmpty)
        let more = vx(remotes: ["192.0.2.2", "192.0.2.3"])
        #expect(plan(DesiredState(tunnels: ["vx0": more]), owned: owned, tunnels: ["vx0": device(spec)])
                == ["set the remotes of tunnel vx0 to 192.0.2.2, 192.0.2.3"])
    }

    @Test func anOwnedTunnelWithAnotherVNIIsRemadeAndOneNoLongerWantedIsDeleted() {
        var owned = OwnedObjects(); owned.tunnels = ["vx0", "vx1"]
        var old = device(vx()); old.vni = 7
        let steps = plan(DesiredState(tunnels: ["vx0": vx()]), owned: owned, tunnels: ["vx0": old, "vx1": device(vx("vx1"))])
        #expect(steps == ["delete tunnel vx0", "delete tunnel vx1", "create tunnel vx0 (vxlan VNI 42 to 192.0.2.2)"])
    }

    @Test func aDeviceValedDidNotCreateIsNeitherChangedNorAttached() {
        let desired = DesiredState(attachments: ["vale0:vx0": AttachmentSpec(switchName: "vale0", interface: "vx0", owner: .config)],
                                   tunnels: ["vx0": vx(remotes: ["192.0.2.9"], owner: .config)])
        #expect(plan(desired, tunnels: ["vx0": device(vx())]).isEmpty)
        #expect(plan(DesiredState(), tunnels: ["vx0": device(vx())]).isEmpty, "never delete what valed did not create")
    }
}

@Suite struct TunnelConfigTests {
    @Test func tunnelsParseWithTheirSwitch() throws {
        let config = try parse("""
            tunnels:
              - tunnel: vx0
                switch: vale0
                vni: 42
                remotes: [192.0.2.2, 192.0.2.3]
                local: 192.0.2.1
                dev: eth0
              - tunnel: gn0
                type: geneve
                vni: 7
                remotes: 2001:db8::2
                port: 6082
            """)
        let vx0 = try #require(config.desired.tunnels["vx0"])
        #expect(vx0.remotes == ["192.0.2.2", "192.0.2.3"] && vx0.local == "192.0.2.1" && vx0.underlay == "eth0" && vx0.port == 4789)
        #expect(vx0.owner == .config)
        #expect(config.desired.attachments["vale0:vx0"]?.owner == .config)
        #expect(config.desired.tunnels["gn0"]?.kind == .geneve && config.desired.tunnels["gn0"]?.port == 6082)
        // config show renders it back into a file that parses to the same state.
        let rendered = ConfigRenderer().render(config: config, desired: config.desired)
        #expect(try parse(rendered).desired == config.desired, "\(rendered)")
    }

    @Test func problemsPointAtTheValue() {
        #expect(problems("""
            tunnels:
              - tunnel: vx0
                vni: 99999999
                remotes: [192.0.2.2, nope]
                colour: red
            """) == [
            "3:10: tunnel 'vx0': vni must be between 0 and 16777215, not 99999999",
            "4:26: tunnel 'vx0': remote 'nope' is not an IPv4 or IPv6 address",
            "5:5: unknown key 'colour' in a tunnel (expected tunnel, switch, type, vni, remotes, local, dev, port)",
        ])
        #expect(problems("tunnels:\n  - tunnel: vx0\n    vni: 1\n") == ["2:5: tunnel 'vx0' needs `remotes: [ADDRESS, …]`"])
        #expect(problems("""
            tunnels:
              - tunnel: gn0
                type: geneve
                vni: 1
                remotes: [192.0.2.2, 192.0.2.3]
            """) == ["2:13: tunnel 'gn0': a Geneve device has one remote (the kernel's geneve has no FDB); use VXLAN for several remotes"])
        #expect(problems("""
            switches:
              vale0:
                ports:
                  - nic: vx0
            tunnels:
              - tunnel: vx0
                switch: vale1
                vni: 1
                remotes: [192.0.2.2]
            """) == ["7:13: vx0 is already attached to vale0 (an interface can be on one switch)"])
    }
}

@Suite struct TunnelEngineTests {
    private func make(_ dp: FakeDatapath, _ tunnels: FakeTunnels, _ dir: TemporaryDirectory) throws -> Engine {
        Engine(datapath: dp, store: try Store(directory: dir.path + "/state"), configPath: "/nonexistent.yaml",
               tunnels: tunnels, logger: Logger(label: "test"))
    }

    @Test func createAttachesWarnsAboutLargerMTUsAndRestartChangesNothing() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1", "u1"])
        let tunnels = FakeTunnels(dp)
        tunnels.mtus["eth1"] = 1500
        do {
            let engine = try make(dp, tunnels, dir)
            try await engine.start(config: ValedConfig())
            _ = try await engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
            _ = dp.takeCalls()
            let (result, warnings) = try await engine.createTunnel(vx(), switchName: "vale0")
            #expect(result.changed)
            #expect(result.message.hasPrefix("created tunnel vx0 (vxlan VNI 42, port 4789, remote 192.0.2.2, MTU 1450) on vale0"), "\(result.message)")
            #expect(warnings.count == 1 && warnings[0].hasPrefix("vale0:eth1 has MTU 1500, larger than tunnel vx0's 1450"), "\(warnings)")
            #expect(tunnels.takeCalls() == ["create vx0"])
            #expect(dp.takeCalls() == ["attach vale0:vx0"])
            let again = try await engine.createTunnel(vx(), switchName: "vale0")
            #expect(!again.result.changed)
        }
        let restarted = try make(dp, tunnels, dir)
        let report = try await restarted.start(config: ValedConfig())
        #expect(report.applied.isEmpty && tunnels.takeCalls().isEmpty && dp.takeCalls().isEmpty, "adopted with no change")
        #expect(await restarted.tunnelList().map(\.state) == [.ok])
        _ = await restarted.teardown()
        #expect(tunnels.takeCalls() == ["delete vx0"])
    }

    @Test func refusedRequestsNameTheTunnelAndChangeNothing() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let tunnels = FakeTunnels(dp)
        let engine = try make(dp, tunnels, dir)
        try await engine.start(config: ValedConfig())
        let refusals: [(TunnelSpec, String)] = [
            (vx(remotes: ["nope"]), "cannot create tunnel vx0: remote 'nope' is not an IPv4 or IPv6 address"),
            (TunnelSpec(name: "vx0", vni: 1, remotes: ["192.0.2.2"], underlay: "eth9", owner: .runtime), "cannot create tunnel vx0: no underlay device named eth9"),
            (vx("eth1"), "cannot create tunnel eth1: an interface named eth1 already exists (not a VXLAN or Geneve device) and valed did not create it"),
        ]
        for (spec, sentence) in refusals {
            await #expect(throws: EngineError.self) { _ = try await engine.createTunnel(spec, switchName: "vale0") }
            do { _ = try await engine.createTunnel(spec, switchName: "vale0") } catch let error as EngineError {
                #expect(error.description == sentence)
            }
        }
        #expect(tunnels.takeCalls().isEmpty && dp.takeCalls().isEmpty)
        #expect(await engine.tunnelList().isEmpty)
        do { _ = try await engine.deleteTunnel(name: "eth1"); Issue.record("deleting a foreign interface succeeded") } catch let error as EngineError {
            #expect(error.description == "cannot delete tunnel eth1: valed did not create it")
        }
        // A device that fails to attach is taken away again.
        dp.failures["attach vale0:vx0"] = "EBUSY"
        await #expect(throws: EngineError.self) { _ = try await engine.createTunnel(vx(), switchName: "vale0") }
        #expect(tunnels.takeCalls() == ["create vx0", "delete vx0"])
        #expect(await engine.tunnelList().isEmpty)
    }

    @Test func aReloadChangesRemotesInPlaceAndRemakesOnANewVNI() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: [])
        let tunnels = FakeTunnels(dp)
        let engine = try make(dp, tunnels, dir)
        func file(vni: Int, remotes: String) -> String {
            "tunnels:\n  - tunnel: vx0\n    switch: vale0\n    vni: \(vni)\n    remotes: [\(remotes)]\n"
        }
        try await engine.start(config: parse(file(vni: 42, remotes: "192.0.2.2")))
        #expect(tunnels.takeCalls() == ["create vx0"])
        #expect(dp.takeCalls() == ["attach vale0:vx0"])
        _ = try await engine.apply(configText: file(vni: 42, remotes: "192.0.2.2, 192.0.2.3"), fileName: "valed.yaml", dryRun: false)
        #expect(tunnels.takeCalls() == ["remotes vx0 192.0.2.2,192.0.2.3"])
        #expect(dp.takeCalls().isEmpty, "remotes change without a flap")
        _ = try await engine.apply(configText: file(vni: 43, remotes: "192.0.2.2"), fileName: "valed.yaml", dryRun: false)
        #expect(tunnels.takeCalls() == ["delete vx0", "create vx0"])
        #expect(dp.takeCalls() == ["detach vale0:vx0", "attach vale0:vx0"])
    }
}
