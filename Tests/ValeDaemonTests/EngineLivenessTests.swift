import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
import ValeDatapath
@testable import ValeEngine
import ValeState

private let oneNIC = "switches:\n  vale0:\n    ports:\n      - nic: eth1\n      - port: vm1\n"

private func startedEngine(_ dir: TemporaryDirectory) async throws -> (Engine, FakeDatapath) {
    let dp = FakeDatapath(netdevs: ["eth1"])
    let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
    try await engine.start(config: ConfigParser(fileName: "t", onlineCPUs: 4).parse(oneNIC))
    return (engine, dp)
}

/// A gate a callback under the engine's lock waits at until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>], arrived: Bool)>((false, [], false))
    func wait() async {
        await withCheckedContinuation { c in
            let open = state.withLock { s -> Bool in
                s.arrived = true
                if !s.open { s.waiters.append(c) }
                return s.open
            }
            if open { c.resume() }
        }
    }
    var arrived: Bool { state.withLock { $0.arrived } }
    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume() }
    }
}

/// docs/threading.md, items (d) and the watchdog of issue 17: the engine's
/// AsyncLock refuses re-entry instead of deadlocking, and the liveness probe
/// answers while a long operation holds the lock. Every wait is bounded, so
/// a regression fails instead of hanging the suite.
@Suite struct EngineLivenessTests {
    @Test func aCallbackUnderTheLockThatCallsBackIntoTheEngineIsRefusedNotDeadlocked() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (engine, _) = try await startedEngine(dir)
        let inner = Mutex<ReconcileReport?>(nil)
        let result = await outcome(within: .seconds(20)) {
            await engine.reloadModule(
                unload: { let r = await engine.reconcile(); inner.withLock { $0 = r } },
                load: { _ = try await engine.attach(switchName: "vale0", interface: "eth9", hostStack: false) })
        }
        guard case .value(let (steps, report)) = result else {
            Issue.record("module reload whose callbacks call back into the engine did not finish: \(result)")
            return
        }
        let refused = inner.withLock { $0 }
        #expect(refused?.failed.first?.error.contains("cannot run reconcile now: it was called from inside module reload") == true,
                "\(String(describing: refused?.failed))")
        #expect(steps.last?.description == "load netmap")
        #expect(steps.last?.error?.contains("cannot run attach of vale0:eth9 now: it was called from inside module reload") == true)
        #expect(report == nil)
        // The lock was released: the engine works on.
        #expect(await outcome(within: .seconds(20)) { await engine.reconcile().succeeded }.value == true)
    }

    @Test func aDriverSwapThatCallsBackIntoTheEngineFailsItsAttachWithASentence() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dp = FakeDatapath(netdevs: ["eth1"])
        let engine = Engine(datapath: dp, store: try Store(directory: dir.path), configPath: "-", logger: Logger(label: "t"))
        await engine.setDriverSwapper(timeout: .seconds(1)) { _ in
            _ = try await engine.detach(switchName: "vale0", interface: "eth1")
            return "swapped"
        }
        let result = await outcome(within: .seconds(20)) {
            try await engine.start(config: ConfigParser(fileName: "t").parse("switches:\n  vale0:\n    ports:\n      - nic: eth1\n        driver: native\n"))
        }
        guard case .value(let report) = result else {
            Issue.record("start whose driver swap calls back into the engine did not finish: \(result)")
            return
        }
        #expect(report.failed.first?.error.contains("cannot run detach of vale0:eth1 now: it was called from inside start") == true,
                "\(report.failed)")
    }

    @Test func aTaskStartedUnderTheLockMayTakeItOnceTheOperationEnded() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (engine, _) = try await startedEngine(dir)
        let gate = Gate()
        let later = Mutex<Task<ReconcileReport, Never>?>(nil)
        _ = await engine.reloadModule(unload: {
            // Inherits the task-local record of the module reload; by the time
            // it asks, that record is stale and must not count as re-entry.
            later.withLock { $0 = Task { await gate.wait(); return await engine.reconcile() } }
        }, load: {})
        gate.open()
        let task = try #require(later.withLock { $0 })
        let report = await outcome(within: .seconds(20)) { await task.value }
        #expect(report.value?.succeeded == true, "\(report)")
    }

    @Test func theLivenessProbeAnswersWhileALongOperationHoldsTheLock() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (engine, _) = try await startedEngine(dir)
        let idle = await engine.heartbeat()
        #expect(idle.busy == nil)
        let gate = Gate()
        let reload = Task { await engine.reloadModule(unload: { await gate.wait() }, load: {}) }
        while !gate.arrived { try await Task.sleep(for: .milliseconds(10)) }
        // The module reload holds the engine's lock and awaits: the executor is free.
        let busy = await outcome(within: .seconds(20)) { await engine.heartbeat() }
        #expect(busy.value?.busy?.operation == "module reload", "\(busy)")
        #expect((busy.value?.beat ?? 0) > idle.beat)
        #expect(await outcome(within: .seconds(20)) { await engine.status().ports }.value != nil)
        gate.open()
        _ = await reload.value
        #expect(await engine.heartbeat().busy == nil)
    }

    /// A metrics scrape gets the last observed rows at once while a long
    /// operation holds the lock, and fresh ones (no `busy`) after it.
    @Test func aScrapeDoesNotWaitBehindALongOperation() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (engine, dp) = try await startedEngine(dir)
        let gate = Gate()
        let reload = Task { await engine.reloadModule(unload: { await gate.wait() }, load: {}) }
        while !gate.arrived { try await Task.sleep(for: .milliseconds(10)) }
        let before = dp.observations
        let during = await outcome(within: .seconds(20)) { await engine.listWithoutWaiting() }
        #expect(during.value?.busy == "module reload", "\(during)")
        #expect(during.value?.rows.map(\.name).sorted() == ["eth1", "vm1"])
        #expect(dp.observations == before, "the ports are not asked for while the reload holds the lock")
        gate.open()
        _ = await reload.value
        let afterReload = dp.observations
        let after = await outcome(within: .seconds(20)) { await engine.listWithoutWaiting() }
        #expect(after.value?.busy == nil, "\(after)")
        #expect(dp.observations > afterReload, "fresh rows once the lock is free")
    }

    @Test func runIfFreeRunsOnlyWhenNobodyHoldsOrWaitsForTheLock() async throws {
        let lock = AsyncLock()
        #expect(try await lock.runIfFree("a") { 1 } == 1)
        let gate = Gate()
        let holder = Task { try await lock.run("long") { await gate.wait() } }
        while !gate.arrived { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await lock.runIfFree("b") { 2 } == nil)
        #expect(lock.holder?.operation == "long")
        gate.open()
        try await holder.value
        #expect(try await lock.runIfFree("c") { 3 } == 3)
        #expect(lock.holder == nil)
        // Inside the lock it is refused as a re-entry, not run and not waited for.
        await #expect(throws: EngineError.self) { try await lock.run("outer") { _ = try await lock.runIfFree("inner") { 4 } } }
    }
}
