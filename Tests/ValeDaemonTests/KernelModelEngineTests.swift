import Foundation
import Logging
import NetmapKit
import Testing
import TestSupport
import VALEKernelModel
import ValeDatapath
@testable import ValeEngine
import ValeKernelVALE
import ValeState

/// The real engine over the real KernelDatapath, with netmap replaced by the
/// kernel model in memory: what issue 15 saw on a real netmap module,
/// reproduced here first.
final class ModelEngine {
    let model: VALEKernelModel
    let dir: TemporaryDirectory
    let nic: NICPreparing
    private(set) var engine: Engine!

    init(nics: [String], maxSwitches: Int = VALELimits.defaultMaxSwitches, nic: NICPreparing = NoNICPreparation()) throws {
        model = VALEKernelModel(nics: nics, maxSwitches: maxSwitches)
        dir = try TemporaryDirectory()
        self.nic = nic
        engine = try Self.makeEngine(model, dir, nic)
    }

    static func makeEngine(_ model: VALEKernelModel, _ dir: TemporaryDirectory, _ nic: NICPreparing) throws -> Engine {
        let datapath = KernelDatapath(control: try NetmapControl(systemCalls: model), reason: "model",
                                      netdevExists: { model.state.netdev($0) != nil }, devicePresent: { true },
                                      reopen: { try NetmapControl(systemCalls: model) })
        return Engine(datapath: datapath, store: try Store(directory: dir.path + "/state"), configPath: "-", nic: nic,
                      logger: Logger(label: "test"))
    }

    /// valed restarted: a new engine on the same store and the same "kernel".
    func restart() async throws {
        engine = nil  // releases the store's lock, as the old process's exit would
        engine = try Self.makeEngine(model, dir, nic)
        try await engine.start(config: ValedConfig())
    }

    func row(_ name: String) async -> PortStatus? { await engine.list().first { $0.name == name } }

    deinit { dir.remove() }
}

/// A NIC whose carrier the test switches; `settle` waits for it (bounded),
/// as LinkLayer's does.
final class CarrierNIC: NICPreparing, @unchecked Sendable {
    let up = LockedValue<Bool>(false)
    let settleTimeout: Duration
    init(up: Bool, settleTimeout: Duration = .seconds(10)) {
        self.up.withLock { $0 = up }
        self.settleTimeout = settleTimeout
    }
    func prepare(_ interface: String, settings: NICSettings) throws -> SavedNICSettings { SavedNICSettings(interface: interface, ifindex: 0) }
    func restore(_ interface: String, saved: SavedNICSettings) throws {}
    func settle(_ interface: String, settings: NICSettings) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: settleTimeout)
        while !up.withLock({ $0 }) && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return up.withLock { $0 }
    }
    func carrier(_ interface: String) -> Bool? { up.withLock { $0 } }
    func isPreparable(_ interface: String) -> Bool { true }
    func warnings(_ interface: String, bufferSize: Int) -> [String] { [] }
}

/// The first event of `kind`, or nil after `seconds` (a broken build must not hang).
func firstEvent(_ kind: EngineEvent.Kind, in events: AsyncStream<EngineEvent>, seconds: Int = 10) async -> EngineEvent? {
    await withTaskGroup(of: EngineEvent?.self) { group in
        group.addTask { for await e in events where e.kind == kind { return e }; return nil }
        group.addTask { try? await Task.sleep(for: .seconds(seconds)); return nil }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

@Suite struct KernelModelEngineTests {
    /// Item 4: `vale-ctl -p` / `-P` start and stop polling behind valed's back.
    @Test func pollingFollowsWhatTheKernelDidWhenItIsStartedAndStoppedOutsideValed() async throws {
        let m = try ModelEngine(nics: ["eth1"])
        try await m.engine.start(config: ValedConfig())
        _ = try await m.engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
        let two = PollingSpec(firstCPU: 0, cpus: 1)  // this host may have only 2 CPUs

        m.model.startPollingOutsideValed("vale0:eth1")
        await #expect(throws: EngineError.self) { try await m.engine.setPolling(switchName: "vale0", interface: "eth1", polling: two) }
        var row = await m.row("eth1")
        #expect(row?.polling == nil, "a refused enable leaves nothing desired")
        #expect(row?.state == .ok, "and no stale error")

        m.model.stopPollingOutsideValed("vale0:eth1")
        let enabled = try await m.engine.setPolling(switchName: "vale0", interface: "eth1", polling: two)
        #expect(enabled.changed)
        #expect(m.model.pollingOf("vale0:eth1") != nil, "valed started a thread: \(enabled.message)")

        m.model.stopPollingOutsideValed("vale0:eth1")
        let again = try await m.engine.setPolling(switchName: "vale0", interface: "eth1", polling: two)
        #expect(m.model.pollingOf("vale0:eth1") != nil, "'already on' is checked against the kernel: \(again.message)")
        #expect(again.message.contains("stopped outside valed"))

        m.model.stopPollingOutsideValed("vale0:eth1")
        let disabled = try await m.engine.setPolling(switchName: "vale0", interface: "eth1", polling: nil)
        #expect(disabled.message.contains("polling disabled on vale0:eth1"))
        row = await m.row("eth1")
        #expect(row?.polling == nil)
        #expect(row?.state == .ok)
        #expect(await m.engine.reconcile().succeeded)
    }

    /// Item 5: `port show` of a persistent port has its memory region, and
    /// asking never renames the port (no PORT_INFO_GET while attached).
    @Test func portShowGivesAPersistentPortsMemoryRegionWithoutRenamingIt() async throws {
        let m = try ModelEngine(nics: [])
        try await m.engine.start(config: ValedConfig())
        _ = try await m.engine.createPort(name: "vp0", switchName: "vale0", geometry: PortGeometry())
        let region = try #require(m.model.state.netdev("vp0")?.memoryRegion)
        var (_, details) = try await m.engine.showPort(name: "vp0")
        #expect(details?.memoryID == region)
        #expect(details?.memorySize == VALEKernelState.privateRegionSize)
        #expect(m.model.state.listedNames == ["vale0:vp0"], "still detachable by name")
        try await m.restart()
        (_, details) = try await m.engine.showPort(name: "vp0")
        #expect(details?.memoryID == region, "after a restart too")
        #expect(m.model.state.listedNames == ["vale0:vp0"])
    }

    /// Item 6: a ninth switch through `port create --switch` is refused before
    /// NEWIF, like attach; a kernel refusal of the attach deletes the new port.
    @Test func portCreateOnANinthSwitchIsRefusedUpFrontAndLeavesNothingBehind() async throws {
        let m = try ModelEngine(nics: [])
        try await m.engine.start(config: ValedConfig())
        for i in 0..<8 { try m.model.addEphemeralPort("vale\(i):vm") }
        m.model.clearCallLog()
        do {
            _ = try await m.engine.createPort(name: "s9", switchName: "vale9", geometry: PortGeometry())
            Issue.record("a ninth switch must be refused")
        } catch let error as EngineError {
            #expect(error.description == "cannot create port s9 on vale9: all 8 switches of this network namespace are in use (vale0, vale1, vale2, vale3, vale4, vale5, vale6, vale7)")
        }
        #expect(m.model.callLog.isEmpty, "nothing was sent to the kernel")
        #expect(m.model.state.netdev("s9") == nil)

        // A kernel with max_bridges=1 that valed was not told about: NEWIF
        // succeeds, the attach fails with ENOMEM, and the port is deleted again.
        let small = try ModelEngine(nics: [], maxSwitches: 1)
        try await small.engine.start(config: ValedConfig())
        try small.model.addEphemeralPort("vale0:vm")
        do {
            _ = try await small.engine.createPort(name: "s9", switchName: "vale9", geometry: PortGeometry())
            Issue.record("the kernel refuses the attach")
        } catch let error as EngineError {
            #expect(error.description.components(separatedBy: "cannot attach vale9:s9").count == 2, "one prefix: \(error.description)")
            #expect(error.description == "cannot attach vale9:s9: no switch is free in this network namespace: the kernel has 1 (vale0), its max_bridges limit (ENOMEM)")
        }
        #expect(small.model.state.netdev("s9") == nil, "the persistent port made for it is gone")
        #expect(await small.engine.list().allSatisfy { $0.name != "s9" })
        #expect(await small.engine.reconcile().succeeded)
    }

    /// Item 7: the carrier wait holds neither the reply nor the engine.
    @Test func anAttachWithoutCarrierAnswersAtOnceAndCarrierArrivesAsAnEvent() async throws {
        let nic = CarrierNIC(up: false)
        let m = try ModelEngine(nics: ["vc0"], nic: nic)
        try await m.engine.start(config: ValedConfig())
        let events = await m.engine.events()
        let clock = ContinuousClock()
        let started = clock.now
        let reply = try await m.engine.attach(switchName: "vale0", interface: "vc0", hostStack: false)
        #expect(clock.now - started < .seconds(2), "well before valectl's 10 s timeout")
        #expect(reply.message == "vale0:vc0 attached; no carrier yet (an event follows when it comes)")
        let listStarted = clock.now
        #expect(await m.row("vc0")?.carrier == false)
        #expect(clock.now - listStarted < .seconds(1), "the engine is free while the carrier wait goes on")

        nic.up.withLock { $0 = true }
        let carrierEvent = await firstEvent(.carrier, in: events)
        #expect(carrierEvent?.subject == "vale0:vc0")
        #expect(carrierEvent?.detail == "carrier up")
        #expect(await m.row("vc0")?.carrier == true)
    }

    /// Item 8: after `vale-ctl -g vale0:rt0` the kernel lists the port as
    /// `rt0`; valed says so and how to repair it, and reconciles stay green.
    @Test func aPersistentPortRenamedByTheKernelIsExplainedAndReconcilesKeepSucceeding() async throws {
        let m = try ModelEngine(nics: [])
        try await m.engine.start(config: ValedConfig())
        _ = try await m.engine.createPort(name: "rt0", switchName: "vale0", geometry: PortGeometry())
        _ = try NetmapControl(systemCalls: m.model).portInfo("vale0:rt0")  // vale-ctl -g, outside valed
        #expect(m.model.state.listedNames == ["rt0"], "the model reproduces the trap")
        m.model.clearCallLog()

        for _ in 0..<2 {
            let report = await m.engine.reconcile()
            #expect(report.succeeded, "\(report.summary)")
            let rows = await m.engine.list()
            #expect(rows.count == 1, "one row, not a second 'being removed' one: \(rows)")
            let row = try #require(rows.first)
            #expect(row.name == "rt0" && row.switchName == "vale0" && row.kind == .persistent)
            guard case .renamedByKernel(let explanation) = row.state else { Issue.record("not shown as renamed: \(row.state)"); continue }
            #expect(explanation.contains("renamed rt0 inside vale0"))
            #expect(explanation.contains("reboot"))
            #expect(await m.engine.status().lastReconcile?.succeeded == true)
            try await m.restart()
        }
        do {
            _ = try await m.engine.deletePort(name: "rt0")
            Issue.record("netmap cannot delete it; valed must say so instead of trying")
        } catch let error as EngineError {
            #expect(error.description.hasPrefix("cannot delete port rt0: vale0:rt0 was renamed rt0 inside vale0"))
        }
        #expect(m.model.callLog.isEmpty, "no attach, detach or delete is tried on it: \(m.model.callLog)")
    }

    /// Item 9: carrier of attached NICs is read again on start.
    @Test func carrierOfAnAttachedNICIsKnownAgainAfterARestart() async throws {
        let m = try ModelEngine(nics: ["eth1"], nic: CarrierNIC(up: true))
        try await m.engine.start(config: ValedConfig())
        _ = try await m.engine.attach(switchName: "vale0", interface: "eth1", hostStack: false)
        #expect(await m.row("eth1")?.carrier == true)
        try await m.restart()
        #expect(await m.row("eth1")?.carrier == true)
    }
}
