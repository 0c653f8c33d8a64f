import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport
import UnixSignals
@testable import ValeDaemon
import ValeEngine
import ValeState
import ValeSystemd

/// Records what valed would tell systemd; the watchdog is armed at 1 s.
private final class RecordingTransport: SystemdNotifyTransport {
    let sent = Mutex<[String]>([])
    func notify(_ state: String) throws(SystemdError) -> Bool { sent.withLock { $0.append(state) }; return true }
    func watchdogTimeoutMicroseconds() throws(SystemdError) -> UInt64? { 1_000_000 }
    var pings: Int { sent.withLock { $0.filter { $0 == "WATCHDOG=1" }.count } }
}

/// Issue 17: the keep-alive reports liveness of the engine's executor, not
/// the end of the operation it is in. It used to wait behind the engine's
/// lock (a datapath check in the same loop), so a long apply stopped it.
@Suite struct EngineSupervisorTests {
    @Test func theWatchdogKeepsPingingWhileALongOperationHoldsTheEngine() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let engine = Engine(datapath: FakeDatapath(netdevs: []), store: try Store(directory: dir.path), configPath: "-",
                            logger: Logger(label: "t"))
        try await engine.start(config: ValedConfig())
        let transport = RecordingTransport()
        let supervisor = EngineSupervisor(engine: engine, notifier: SystemdNotifier(transport: transport), logger: Logger(label: "t"),
                                          reloadSignals: await UnixSignalsSequence(trapping: .sigwinch), wedgeSignals: nil)
        // The supervisor, the engine and the waits run on a thread of their
        // own: under the full suite the shared pool may be saturated by other
        // suites' blocking work, which would starve the probe (by design).
        let executor = ThreadTaskExecutor(name: "supervisor-test")
        let group = ServiceGroup(configuration: .init(services: [.init(service: supervisor)], logger: Logger(label: "t")))
        let running = Task(executorPreference: executor) { try await group.run() }
        let gate = Gate()
        let reload = Task(executorPreference: executor) { await engine.reloadModule(unload: { await gate.wait() }, load: {}) }
        let pings: (before: Int, after: Int) = await Task(executorPreference: executor) {
            while !gate.arrived { try? await Task.sleep(for: .milliseconds(10)) }
            // The engine is now inside a module reload that holds its lock.
            let before = transport.pings
            let deadline = ContinuousClock.now + .seconds(20)
            while transport.pings < before + 3 && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
            return (before, transport.pings)
        }.value
        #expect(pings.after >= pings.before + 3, "no WATCHDOG=1 while an operation held the engine's lock (\(pings.after - pings.before) pings in 20 s)")
        #expect(transport.sent.withLock { $0 }.contains { $0.contains("busy: module reload for") },
                "the status line names the operation: \(transport.sent.withLock { $0.suffix(3) })")
        gate.open()
        _ = await reload.value
        await group.triggerGracefulShutdown()
        _ = await outcome(within: .seconds(20)) { try await running.value }
    }
}
