import Logging
import ServiceLifecycle
import UnixSignals
import ValeEngine
import ValeSystemd

/// Runs beside the control server: turns SIGHUP into a reload, keeps the
/// systemd status line current, checks that the datapath is still there, and
/// sends the watchdog keep-alive after the engine's executor answered a
/// liveness probe — a wedged engine stops the pings and systemd restarts
/// valed, a merely busy one (a long apply) keeps them going.
struct EngineSupervisor: Service {
    let engine: Engine
    let notifier: SystemdNotifier
    let logger: Logger
    /// SIGHUP, trapped since valed began starting.
    let reloadSignals: UnixSignalsSequence
    /// SIGUSR1 with `--test-wedge-on-sigusr1`: wedges the engine (a test's
    /// fault switch for the watchdog).
    let wedgeSignals: UnixSignalsSequence?

    /// How often the datapath is checked (netmap unloaded under valed).
    static let datapathCheckInterval = Duration.seconds(2)

    /// The STATUS= line, with the operation that holds the engine when one does.
    static func statusLine(_ status: EngineStatus, busy: EngineHeartbeat.Busy?) -> String {
        let line = Daemon.statusLine(status)
        guard let busy else { return line }
        return line + "; busy: \(busy.operation) for \(busy.duration.components.seconds) s"
    }

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
                // The keep-alive reports liveness of the engine's executor,
                // not the end of the operation it is in: `heartbeat` takes
                // no lock, so a 40-s apply or a 30-s driver swap (which hold
                // only the engine's AsyncLock and await) does not stop it,
                // while a blocked executor (a wedged engine) does.
                let tick = min(interval ?? .seconds(2), .seconds(2))
                while !Task.isCancelled {
                    try await Task.sleep(for: tick)
                    let beat = await engine.heartbeat()
                    if interval != nil { _ = try? notifier.watchdog() }
                    let status = await engine.status()
                    _ = try? notifier.status(Self.statusLine(status, busy: beat.busy))
                }
            }
            group.addTask {
                // Takes the engine's lock, so it waits behind a long
                // operation: in a loop of its own, where that delays nothing.
                while !Task.isCancelled {
                    try await Task.sleep(for: Self.datapathCheckInterval)
                    await engine.checkDatapath()
                }
            }
            try await gracefulShutdown()
            group.cancelAll()
        }
    }
}
