import Logging
import ServiceLifecycle
import UnixSignals
import ValeEngine
import ValeSystemd

/// Runs beside the control server: turns SIGHUP into a reload, keeps the
/// systemd status line current and sends the watchdog keep-alive from the
/// engine's own executor — a wedged engine stops the pings and systemd
/// restarts valed.
struct EngineSupervisor: Service {
    let engine: Engine
    let notifier: SystemdNotifier
    let logger: Logger
    /// SIGHUP, trapped since valed began starting.
    let reloadSignals: UnixSignalsSequence
    /// SIGUSR1 with `--test-wedge-on-sigusr1`: wedges the engine (a test's
    /// fault switch for the watchdog).
    let wedgeSignals: UnixSignalsSequence?

    func run() async throws {
        let interval = (try? notifier.watchdogPingInterval()) ?? nil
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let wedgeSignals {
                group.addTask {
                    for await _ in wedgeSignals {
                        logger.warning("test fault switch: wedging the engine")
                        await engine.wedgeForTesting()
                    }
                }
            }
            group.addTask {
                for await _ in reloadSignals {
                    _ = try? notifier.reloading(status: "reloading configuration", monotonicMicroseconds: SystemdNotifier.monotonicMicroseconds())
                    do {
                        let report = try await engine.reload()
                        logger.info("reloaded: \(report.summary)")
                    } catch {
                        logger.error("reload rejected, nothing changed: \(error)")
                    }
                    _ = try? notifier.ready(status: Daemon.statusLine(await engine.status()))
                }
            }
            group.addTask {
                let tick = min(interval ?? .seconds(2), .seconds(2))
                while !Task.isCancelled {
                    try await Task.sleep(for: tick)
                    // Both calls need the engine actor; if it is stuck, no ping.
                    await engine.checkDatapath()
                    let status = await engine.status()
                    if interval != nil { _ = try? notifier.watchdog() }
                    _ = try? notifier.status(Daemon.statusLine(status))
                }
            }
            try await gracefulShutdown()
            group.cancelAll()
        }
    }
}
