import Foundation
import Logging
import Testing
import TestSupport
import ValeDatapath
@testable import ValeEngine
import ValeState

private func makeEngine(_ datapath: FakeDatapath, dir: TemporaryDirectory, config: String = "/nonexistent.yaml") throws -> Engine {
    Engine(datapath: datapath, store: try Store(directory: dir.path + "/state"), configPath: config,
           logger: Logger(label: "test"))
}

private func parse(_ yaml: String) throws -> ValedConfig { try ConfigParser(fileName: "test.yaml", onlineCPUs: 4).parse(yaml) }

private let twoNICs = """
switches:
  vale0:
    ports:
      - nic: eth1
      - nic: eth2
        host-stack: true
  vale1:
    ports:
      - port: vm1
        tx-slots: 2048
"""

@Suite struct EngineTests {
    @Test func startAttachesConfiguredPortsAndSecondReconcileDoesNothing() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1", "eth2"])
        let engine = try makeEngine(dp, dir: dir)
        let report = try await engine.start(config: parse(twoNICs))
        #expect(report.failed.isEmpty)
        #expect(dp.takeCalls() == ["create vm1", "attach vale0:eth1", "attach vale0:eth2", "attach vale1:vm1"])
        let again = await engine.reconcile()
        #expect(again.applied.isEmpty)
        #expect(dp.takeCalls().isEmpty)
    }

    @Test func restartAdoptsWithoutAnyDatapathCall() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1", "eth2"])
        do {
            let engine = try makeEngine(dp, dir: dir)
            try await engine.start(config: parse(twoNICs))
        }
        _ = dp.takeCalls()
        let restarted = try makeEngine(dp, dir: dir)
        let report = try await restarted.start(config: parse(twoNICs))
        #expect(dp.takeCalls().isEmpty, "a restart must not flap ports")
        #expect(report.applied.isEmpty)
    }

    @Test func foreignEphemeralPortsAreListedAndNeverTouched() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        dp.ports = [ObservedPort(switchName: "vale0", port: "qemu1", bridgeIndex: 0, portIndex: 0)]
        let engine = try makeEngine(dp, dir: dir)
        try await engine.start(config: ValedConfig())
        let rows = await engine.list()
        let row = try #require(rows.first { $0.name == "qemu1" })
        #expect(row.kind == .ephemeral)
        #expect(row.owner == .foreign)
        await #expect(throws: EngineError.self) { try await engine.detach(switchName: "vale0", interface: "qemu1") }
        _ = await engine.teardown()
        #expect(!dp.takeCalls().contains { $0.contains("qemu1") })
        #expect(dp.ports.count == 1)
    }

    @Test func attachIsIdempotentAndConflictsAreSentences() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = try makeEngine(dp, dir: dir)
        try await engine.start(config: ValedConfig())
        let first = try await engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
        #expect(first.changed)
        let second = try await engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
        #expect(!second.changed)
        #expect(second.message == "vale0:eth1 is already attached")
        do {
            _ = try await engine.attach(switchName: "vale1", interface: "eth1", hostStack: false)
            Issue.record("attaching to a second switch must fail")
        } catch let error as EngineError {
            #expect(error.description == "cannot attach vale1:eth1: eth1 is already attached to vale0")
        }
        await #expect(throws: EngineError.self) { try await engine.attach(switchName: "vale0", interface: "eth9", hostStack: false) }
        #expect(dp.takeCalls() == ["attach vale0:eth1"])
    }

    @Test func failedAttachChangesNothing() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        dp.failures["attach vale0:eth1"] = "eth1 is held open by a process (EBUSY)"
        let engine = try makeEngine(dp, dir: dir)
        try await engine.start(config: ValedConfig())
        let before = try Store.load(dir.path + "/state")
        await #expect(throws: EngineError.self) { try await engine.attach(switchName: "vale0", interface: "eth1", hostStack: false) }
        #expect(try Store.load(dir.path + "/state") == before)
        #expect(await engine.list().isEmpty)
    }

    @Test func reloadWithBadConfigLeavesEverythingAsItWas() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let configPath = dir.path + "/valed.yaml"
        try twoNICs.write(toFile: configPath, atomically: true, encoding: .utf8)
        let dp = FakeDatapath(netdevs: ["eth1", "eth2"])
        let engine = try makeEngine(dp, dir: dir, config: configPath)
        try await engine.start(config: ConfigParser.load(path: configPath))
        _ = dp.takeCalls()
        let stored = try Store.load(dir.path + "/state")
        try "switches:\n  vale0:\n    ports:\n      - nic: eth1\n        hots-stack: true\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        do {
            _ = try await engine.reload()
            Issue.record("a bad config must be rejected")
        } catch let error as EngineError {
            #expect(error.kind == .configRejected)
            #expect(error.description.contains("valed.yaml:5:9: unknown key 'hots-stack'"))
        }
        #expect(dp.takeCalls().isEmpty)
        #expect(try Store.load(dir.path + "/state") == stored)
    }

    @Test func reloadKeepsAConfigPortThatARuntimeAttachmentStillUses() async throws {
        // Found by scripts/soak.sh (seed 2, step 57): the file names port vm1,
        // valectl attaches it, the file drops it, reload. Deleting vm1 left the
        // runtime attachment "missing" forever (TAP deleted) or failed with EBUSY.
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let configPath = dir.path + "/valed.yaml"
        try "ports:\n  - port: vm1\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = try makeEngine(dp, dir: dir, config: configPath)
        try await engine.start(config: ConfigParser.load(path: configPath))
        _ = try await engine.attach(switchName: "vale0", interface: "vm1", hostStack: false)
        _ = dp.takeCalls()
        try "".write(toFile: configPath, atomically: true, encoding: .utf8)
        let report = try await engine.reload()
        #expect(report.failed.isEmpty)
        #expect(!dp.takeCalls().contains("delete vm1"), "the attached port is not deleted")
        let stored = try Store.load(dir.path + "/state")
        #expect(stored.desired.persistentPorts["vm1"]?.owner == .runtime, "the port now belongs to the runtime change that uses it")
        #expect(stored.desired.attachments["vale0:vm1"]?.owner == .runtime)
        // Detaching and deleting it then works as for any runtime port.
        _ = try await engine.detach(switchName: "vale0", interface: "vm1")
        _ = try await engine.deletePort(name: "vm1")
        #expect(dp.takeCalls().contains("delete vm1"))
    }

    @Test func applyStopsAtFirstFailureAndStoreMatchesDatapath() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1", "eth2", "eth3"])
        dp.failures["attach vale0:eth2"] = "boom"
        let engine = try makeEngine(dp, dir: dir)
        try await engine.start(config: ValedConfig())
        let yaml = "switches:\n  vale0:\n    ports:\n      - nic: eth1\n      - nic: eth2\n      - nic: eth3\n"
        let dry = try await engine.apply(configText: yaml, fileName: "f.yaml", dryRun: true)
        #expect(dry.plan.count == 3)
        #expect(dp.takeCalls().isEmpty, "a dry run changes nothing")
        let result = try await engine.apply(configText: yaml, fileName: "f.yaml", dryRun: false)
        let report = try #require(result.report)
        #expect(report.applied.map(\.description) == ["attach vale0:eth1"])
        #expect(report.failed.map(\.step.description) == ["attach vale0:eth2"])
        #expect(report.skipped.map(\.description) == ["attach vale0:eth3"])
        let stored = try Store.load(dir.path + "/state")
        #expect(Set(stored.desired.attachments.keys) == ["vale0:eth1"])
        #expect(stored.owned.attachments == ["vale0:eth1"])
    }

    @Test func teardownRemovesOnlyOwnedObjects() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1", "eth2"])
        let engine = try makeEngine(dp, dir: dir)
        try await engine.start(config: parse(twoNICs))
        dp.ports.append(ObservedPort(switchName: "vale0", port: "app", bridgeIndex: 0, portIndex: 9))
        _ = dp.takeCalls()
        let report = await engine.teardown()
        #expect(report.failed.isEmpty)
        #expect(Set(dp.takeCalls()) == ["detach vale0:eth1", "detach vale0:eth2", "detach vale1:vm1", "delete vm1"])
        #expect(dp.ports.map(\.port) == ["app"])
    }

    @Test func nicThatVanishesIsDetachedAndReattachedWhenItReturns() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = try makeEngine(dp, dir: dir)
        try await engine.start(config: parse("switches:\n  vale0:\n    ports:\n      - nic: eth1\n"))
        _ = dp.takeCalls()
        dp.netdevs.remove("eth1")
        await engine.interfaceRemoved("eth1")
        #expect(dp.takeCalls() == ["detach vale0:eth1"])
        #expect(await engine.list().first?.state == .missing)
        dp.netdevs.insert("eth1")
        await engine.interfaceAdded("eth1")
        #expect(dp.takeCalls() == ["attach vale0:eth1"])
        #expect(await engine.list().first?.state == .ok)
    }
}

extension Store {
    /// Reads a state directory without taking its lock (tests only).
    static func load(_ directory: String) throws -> StoredState {
        guard let data = FileManager.default.contents(atPath: directory + "/state.json") else { return StoredState() }
        return try JSONDecoder().decode(StoredState.self, from: data)
    }
}

@Suite struct ModuleReloadTests {
    private let config = """
    switches:
      vale0:
        ports:
          - nic: eth1
            polling: { cpu: 1, cpus: 1 }
          - port: vm1
    """

    @Test func reloadTakesDownUnloadsLoadsAndRestoresInOrder() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        try await engine.start(config: ConfigParser(fileName: "t", onlineCPUs: 4).parse(config))
        _ = dp.takeCalls()
        let log = LockedValue<[String]>([])
        let (steps, report) = await engine.reloadModule(unload: { log.withLock { $0.append("unload") } },
                                                        load: { log.withLock { $0.append("load") } })
        #expect(steps.allSatisfy { $0.error == nil })
        #expect(report?.succeeded == true)
        #expect(dp.takeCalls() == ["polling-off vale0:eth1", "detach vale0:eth1", "detach vale0:vm1", "delete vm1", "suspend",
                                   "resume", "create vm1", "attach vale0:eth1", "attach vale0:vm1", "polling-on vale0:eth1"])
        #expect(log.value == ["unload", "load"])
    }

    @Test func failureInTheMiddleIsReportedAndLeavesAConsistentState() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        try await engine.start(config: ConfigParser(fileName: "t", onlineCPUs: 4).parse(config))
        struct LoadFailed: Error, CustomStringConvertible { var description: String { "init_module: EEXIST" } }
        let (steps, report) = await engine.reloadModule(unload: {}, load: { throw LoadFailed() })
        #expect(report == nil)
        #expect(steps.last?.description == "load netmap")
        #expect(steps.last?.error == "init_module: EEXIST")
        // Nothing is attached now, and the store says so; the desired state is kept.
        let stored = try Store.load(dir.path)
        #expect(stored.owned.attachments.isEmpty)
        #expect(stored.owned.persistentPorts.isEmpty)
        #expect(Set(stored.desired.attachments.keys) == ["vale0:eth1", "vale0:vm1"])
        #expect(dp.ports.isEmpty)
        // The next reconcile (netmap loaded by hand) restores everything.
        let again = await engine.reconcile()
        #expect(again.succeeded)
        #expect(Set(dp.ports.map(\.port)) == ["eth1", "vm1"])
    }

    @Test func netmapVanishingMarksPortsGoneAndItsReturnRestoresThem() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        try await engine.start(config: ConfigParser(fileName: "t", onlineCPUs: 4).parse("switches:\n  vale0:\n    ports:\n      - nic: eth1\n"))
        dp.deviceGone = "netmap was unloaded"
        dp.ports = []   // module unload loses every switch
        await engine.checkDatapath()
        let rows = await engine.list()
        #expect(rows.first?.state == .datapathGone(reason: "netmap was unloaded"))
        _ = dp.takeCalls()
        dp.deviceGone = nil
        await engine.checkDatapath()
        #expect(dp.takeCalls() == ["resume", "attach vale0:eth1"])
        #expect(await engine.list().first?.state == .ok)
    }

    @Test func theDatapathThatVanishesAndReturnsIsNamedInTheEvents() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        dp.info = DatapathInfo(kind: .userspace, reason: "test", component: "vale-switchd")
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        try await engine.start(config: ConfigParser(fileName: "t", onlineCPUs: 4).parse("switches:\n  vale0:\n    ports:\n      - nic: eth1\n"))
        let events = await engine.events()
        dp.deviceGone = "vale-switchd is not running"
        dp.ports = []
        await engine.checkDatapath()
        dp.deviceGone = nil
        await engine.checkDatapath()
        var seen: [EngineEvent] = []
        for await e in events where e.kind == .module {
            seen.append(e)
            if seen.count == 2 { break }
        }
        #expect(seen.map(\.subject) == ["vale-switchd", "vale-switchd"])
        #expect(seen.map(\.detail) == ["vale-switchd is not running", "vale-switchd is back; reconciling"])
    }

    @Test func aDatapathReplacedBetweenTwoChecksIsReconciledOnce() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1", "eth2"])
        dp.info = DatapathInfo(kind: .userspace, reason: "test", component: "vale-switchd")
        dp.generation = 1
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        try await engine.start(config: ConfigParser(fileName: "t", onlineCPUs: 4).parse("switches:\n  vale0:\n    ports:\n      - nic: eth1\n      - nic: eth2\n"))
        _ = dp.takeCalls()
        let events = await engine.events()
        // The same process: a check changes nothing and asks nothing.
        let observed = dp.observations
        await engine.checkDatapath()
        #expect(dp.takeCalls().isEmpty)
        #expect(dp.observations == observed, "no reconcile while the datapath is the one reconciled")
        // A new process that restored only eth1 from its state file, never
        // seen down by valed (killed and restarted between two checks).
        dp.ports.removeAll { $0.interface == "eth2" }
        dp.generation = 2
        await engine.checkDatapath()
        #expect(dp.takeCalls() == ["attach vale0:eth2"])
        let rows = await engine.list()
        #expect(Set(rows.map(\.name)) == ["eth1", "eth2"])
        #expect(rows.allSatisfy { $0.state == .ok }, "\(rows)")
        await engine.checkDatapath()
        #expect(dp.takeCalls().isEmpty, "reconciled once per replacement")
        for await e in events where e.kind == .module {
            #expect(e.subject == "vale-switchd")
            #expect(e.detail == "vale-switchd was replaced; reconciling")
            break
        }
    }

    @Test func aReconcileOfItsOwnAdoptsTheNewGeneration() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        try await engine.start(config: ConfigParser(fileName: "t", onlineCPUs: 4).parse("switches:\n  vale0:\n    ports:\n      - nic: eth1\n"))
        // Replaced, and a change reconciled before the periodic check ran:
        // that reconcile already made the new one match.
        dp.generation += 1
        _ = await engine.reconcile()
        _ = dp.takeCalls()
        let observed = dp.observations
        await engine.checkDatapath()
        #expect(dp.observations == observed, "no second reconcile for the same replacement")
    }
}

@Suite struct DriverSwapTests {
    @Test func nativeDriverIsSwappedInAndTheNICAttachedWhenItReturns() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        let swapped = LockedValue<[String]>([])
        await engine.setDriverSwapper(timeout: .seconds(60)) { interface in
            swapped.withLock { $0.append(interface) }
            // The stock driver goes, the patched one brings the netdev back a
            // little later (on a plain thread: the test must not depend on a
            // free thread in the shared pool while other suites run).
            dp.setNetdev(interface, present: false)
            Thread { usleep(300_000); dp.setNetdev(interface, present: true) }.start()
            return "swapped e1000e"
        }
        let report = try await engine.start(config: ConfigParser(fileName: "t").parse("switches:\n  vale0:\n    ports:\n      - nic: eth1\n        driver: native\n"))
        #expect(report.succeeded)
        #expect(swapped.value == ["eth1"])
        #expect(dp.takeCalls() == ["attach vale0:eth1"])
    }

    @Test func nicThatNeverReturnsFailsWithASentence() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        await engine.setDriverSwapper(timeout: .milliseconds(300)) { interface in dp.setNetdev(interface, present: false); return "swapped igb" }
        let report = try await engine.start(config: ConfigParser(fileName: "t").parse("switches:\n  vale0:\n    ports:\n      - nic: eth1\n        driver: native\n"))
        #expect(report.failed.first?.error.contains("eth1 did not come back") == true)
        #expect(dp.takeCalls().isEmpty)
    }
}

/// A NIC layer that records what the engine asks of it.
final class FakeNIC: NICPreparing, @unchecked Sendable {
    let log = LockedValue<[String]>([])
    var mtu = 1500
    func prepare(_ interface: String, settings: NICSettings) throws -> SavedNICSettings {
        log.withLock { $0.append("prepare \(interface) promisc=\(settings.promiscuous ?? false) offloads=\(settings.offloads ?? true)") }
        return SavedNICSettings(interface: interface, ifindex: 1, wasPromiscuous: false)
    }
    func restore(_ interface: String, saved: SavedNICSettings) throws { log.withLock { $0.append("restore \(interface)") } }
    func settle(_ interface: String, settings: NICSettings) async -> Bool { log.withLock { $0.append("settle \(interface)") }; return true }
    func isPreparable(_ interface: String) -> Bool { true }
    func warnings(_ interface: String, bufferSize: Int) -> [String] {
        mtu > bufferSize ? ["\(interface) has MTU \(mtu), larger than the switch's \(bufferSize)-byte buffers"] : []
    }
}


@Suite struct NICPreparationTests {
    @Test func attachPreparesThenSettlesAndDetachRestores() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let nic = FakeNIC()
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", nic: nic, logger: Logger(label: "t"))
        try await engine.start(config: ValedConfig())
        _ = try await engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
        // The carrier wait runs after the reply (issue 15 item 7).
        for _ in 0..<200 where nic.log.value.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(nic.log.value == ["prepare eth1 promisc=true offloads=false", "settle eth1"])
        #expect(try Store.load(dir.path).savedNICs["eth1"] != nil, "saved settings are stored before the attach")
        _ = try await engine.detach(switchName: "vale0", interface: "eth1")
        #expect(nic.log.value.last == "restore eth1")
        #expect(try Store.load(dir.path).savedNICs["eth1"] == nil)
    }

    /// Issue 11: offloads go off for netmap (NETMAP-API.md 7.2) and stay on a
    /// datapath that carries them, unless the configuration says otherwise.
    @Test func offloadsFollowTheDatapathUnlessConfigured() async throws {
        for (carries, configured, expected) in [(false, nil, false), (true, nil, true), (true, false, false), (false, true, true)] as [(Bool, Bool?, Bool)] {
            let dir = try TemporaryDirectory(); defer { dir.remove() }
            let dp = FakeDatapath(netdevs: ["eth1"])
            dp.carriesOffloads = carries
            let nic = FakeNIC()
            let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", nic: nic, logger: Logger(label: "t"))
            var config = ValedConfig()
            config.nicDefaults.offloads = configured
            try await engine.start(config: config)
            _ = try await engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
            #expect(nic.log.value.first == "prepare eth1 promisc=true offloads=\(expected)",
                    "datapath carries offloads: \(carries), configured: \(String(describing: configured))")
        }
    }

    @Test func jumboMTUOverTheBufferSizeIsWarned() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        dp.bufferSize = 2048
        let nic = FakeNIC()
        nic.mtu = 9000
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", nic: nic, logger: Logger(label: "t"))
        try await engine.start(config: ValedConfig())
        let events = await engine.events()
        _ = try await engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
        var warned: EngineEvent?
        for await e in events where e.kind == .portError { warned = e; break }
        #expect(warned?.detail == "eth1 has MTU 9000, larger than the switch's 2048-byte buffers")
    }
}
