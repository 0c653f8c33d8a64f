import Foundation
import Logging
import ServiceLifecycle
import ValeProtocol
import ValeSystemd
import UnixSignals

/// Parts of the daemon that tests replace: the way to netmap (a model of the
/// kernel), and whether the systemd protocols are spoken.
public struct DaemonEnvironment: Sendable {
    public var datapaths: DatapathSelection
    public var notifier: SystemdNotifier
    /// The NIC layer (netlink); nil disables NIC preparation and link events
    /// (the kernel-model harness, whose NICs are not real netdevs).
    public var linkLayer: @Sendable () throws -> LinkLayer?
    /// What a client receives for a pipe end: the netmap descriptor, or (in
    /// the kernel-model harness, whose descriptors are not real) a stand-in.
    public var pipeDescriptors: PipeEndDescriptorSource

    public init(datapaths: DatapathSelection = DatapathSelection(), notifier: SystemdNotifier = SystemdNotifier(),
                linkLayer: @escaping @Sendable () throws -> LinkLayer? = { try LinkLayer() },
                pipeDescriptors: PipeEndDescriptorSource = .netmap) {
        self.datapaths = datapaths
        self.notifier = notifier
        self.linkLayer = linkLayer
        self.pipeDescriptors = pipeDescriptors
    }
}

/// valed: assembles engine, datapath, control server and systemd glue, and
/// runs them until SIGTERM. SIGHUP reloads the configuration.
public struct Daemon: Sendable {
    public var options: DaemonOptions
    public var environment: DaemonEnvironment

    public init(options: DaemonOptions, environment: DaemonEnvironment = DaemonEnvironment()) {
        self.options = options
        self.environment = environment
    }

    public func run() async throws {
        // Trap the signals first: one that arrives while valed starts, or
        // just after READY=1, is buffered and honoured (a clean stop, a
        // reload) instead of killing valed by the default action.
        let stopSignals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let reloadSignals = await UnixSignalsSequence(trapping: .sighup)
        let wedgeSignals = options.wedgeOnSIGUSR1 ? await UnixSignalsSequence(trapping: .sigusr1) : nil
        let logger = Logger(label: "valed")
        let notifier = environment.notifier
        let config: ValedConfig
        do { config = try ConfigParser.load(path: options.config) } catch let error as ConfigError {
            throw DaemonError("\(error)")
        }
        let metricsAddress = try Self.metricsAddress(options: options, config: config.metrics)
        let modules = ModuleService(config: config.module)
        let choice = options.datapath ?? config.datapath
        if choice != .userspace {
            do {
                if modules.shouldLoadAtStart {
                    let reply = try await modules.load()
                    logger.info("\(reply.message)")
                } else if let done = try modules.applyConfiguredParametersIfLoaded() {
                    logger.info("\(done)")
                }
            } catch {
                logger.error("\(error)")
            }
        }
        logger.info("netmap module: \(modules.summary)")
        let datapath = try environment.datapaths.make(choice, config: config)
        logger.info("datapath: \(datapath.info.kind.rawValue) (\(datapath.info.reason))")
        let store = try Store(directory: options.stateDirectory)
        let links: LinkLayer?
        do { links = try environment.linkLayer() } catch {
            throw DaemonError("cannot open netlink: \(error)")
        }
        let engine = Engine(datapath: datapath, store: store, configPath: options.config,
                            nic: links.map { $0 as NICPreparing } ?? NoNICPreparation(),
                            tunnels: links.map { $0 as TunnelManaging } ?? NoTunnels(), logger: logger)
        await engine.setModuleSummary { modules.summary }
        if datapath.info.kind == .kernel {
            await engine.setDriverSwapper { interface in try modules.swapToNativeDriver(interface: interface) }
        }
        if let links, datapath.info.kind == .kernel {
            await engine.setAttachGuard { spec, attached in links.nativeVethProblem(spec, attachedInterfaces: attached) }
        }
        let monitor = try links.map { try LinkEventRouter.start(engine: engine, links: $0, logger: logger) }

        let first = try await engine.start(config: config)
        logger.info("started: \(first.summary)")

        // Monitors on both datapaths; pipes only on the kernel one (netmap
        // pipes do not exist in the userspace switch).
        let netmapCalls = environment.datapaths.netmapSystemCalls
        let monitors: MonitorProviding = (datapath as? UserspaceDatapath).map { UserspaceMonitor(host: $0.switchHost) }
            ?? KernelMonitor(systemCalls: netmapCalls)
        var pipes: PipeRegistry?
        var descriptorServer: PipeDescriptorServer?
        if datapath.info.kind == .kernel {
            let registry = PipeRegistry(engine: engine, systemCalls: netmapCalls, netdevExists: environment.datapaths.netdevExists,
                                        descriptorSource: environment.pipeDescriptors)
            await registry.restore()
            let server = PipeDescriptorServer(path: PipeDescriptorServer.path(forControlSocket: options.socket), registry: registry,
                                              privilegedGroup: .named(options.controlGroup))
            do {
                try server.start()
                descriptorServer = server
            } catch {
                logger.error("pipe ends cannot be handed to applications: \(error)")
            }
            pipes = registry
        }
        let handler = EngineControlHandler(engine: engine, modules: modules, nics: links, monitors: monitors, pipes: pipes)
        let listener = try Self.listener(socketPath: options.socket, logger: logger)
        let server = ControlServer(
            configuration: ControlServerConfiguration(listener: listener, idleTimeout: .seconds(options.idleTimeout),
                                                      privilegedGroup: .named(options.controlGroup)),
            handler: handler, logger: Logger(label: "valed.control"))
        try await server.start()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        if let metricsAddress {
            let collector = MetricsCollector(engine: engine, modules: modules, nics: links,
                                             switchHost: (datapath as? UserspaceDatapath)?.switchHost)
            let metrics = MetricsServer(address: metricsAddress, collector: collector)
            try await metrics.start()
            services.append(.init(service: metrics))
        }
        _ = try? notifier.ready(status: Self.statusLine(await engine.status()))
        logger.info("listening on \(server.socketPath ?? "the socket passed by systemd")")

        let supervisor = EngineSupervisor(engine: engine, notifier: notifier, logger: logger,
                                          reloadSignals: reloadSignals, wedgeSignals: wedgeSignals)
        let group = ServiceGroup(configuration: .init(
            services: services + [.init(service: supervisor, successTerminationBehavior: .gracefullyShutdownGroup)],
            logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await signal in stopSignals {
                    logger.info("\(signal): stopping")
                    await group.triggerGracefulShutdown()
                    return
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
        descriptorServer?.stop()
        pipes?.closeAll()
        monitor?.stop()
        _ = try? notifier.stopping(status: "stopping; switches and ports stay as they are")
        await engine.shutdown()
        logger.info("stopped; the dataplane was left as it is")
    }

    /// The socket systemd passed (socket activation), or our own at `socketPath`.
    static func listener(socketPath: String, logger: Logger) throws -> ControlServerConfiguration.Listener {
        let passed = (try? SocketActivation.listenFileDescriptors()) ?? []
        if let socket = SocketActivation.controlSocket(in: passed, path: socketPath) ?? passed.first {
            logger.info("using the control socket passed by systemd (fd \(socket.fileDescriptor))")
            return .boundSocket(socket.fileDescriptor)
        }
        return .path(socketPath)
    }

    /// `--metrics-address` over `metrics: address:`; nil when neither is
    /// given. A non-loopback address is refused unless allowed.
    static func metricsAddress(options: DaemonOptions, config: MetricsConfig) throws -> MetricsAddress? {
        guard let text = options.metricsAddress ?? config.address else { return nil }
        do {
            return try MetricsAddress(parsing: text).checked(allowRemote: options.metricsAllowRemote || config.allowRemote)
        } catch {
            throw DaemonError("metrics: \(error)")
        }
    }

    static func statusLine(_ s: EngineStatus) -> String {
        "\(s.datapath.kind.rawValue) datapath, \(s.switches) switch\(s.switches == 1 ? "" : "es"), \(s.ports) port\(s.ports == 1 ? "" : "s"); \(s.lastReconcile?.summary ?? "not reconciled yet")"
    }
}

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

/// A startup failure, as a sentence.
public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
