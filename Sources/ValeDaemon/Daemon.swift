import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import ValeControl
import ValeDatapath
import ValeEngine
import ValeKernelVALE
import ValeNIC
import ValeState
import ValeSystemd

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
        let links: LinkLayer?
        do { links = try environment.linkLayer() } catch {
            throw DaemonError("cannot open netlink: \(error)")
        }
        var nativeVethRule: (@Sendable (AttachmentSpec, Set<String>) -> String?)?
        if let links {
            nativeVethRule = { spec, attached in links.nativeVethProblem(spec, attachedInterfaces: attached) }
        }
        let provider = try environment.datapaths.make(choice, config: config, modules: modules, attachGuard: nativeVethRule,
                                                      pipeDescriptors: environment.pipeDescriptors, forwarder: options.forwarderSettings)
        let datapath = provider.datapath
        logger.info("datapath: \(datapath.info.kind.rawValue) (\(datapath.info.reason))")
        let store = try Store(directory: options.stateDirectory)
        let engine = Engine(datapath: datapath, store: store, configPath: options.config,
                            nic: links.map { $0 as NICPreparing } ?? NoNICPreparation(),
                            tunnels: links.map { $0 as TunnelManaging } ?? NoTunnels(), logger: logger)
        await engine.setModuleSummary { modules.summary }
        if let seconds = options.testApplyDelaySeconds {
            logger.warning("test-only option --test-delay-apply: every apply and reload waits \(seconds) s holding the engine's lock")
            await engine.setTestApplyDelay(.milliseconds(Int64(seconds * 1000)))
        }
        // Subscribed before the engine starts: link events of the start-up
        // wait in the router's stream.
        let router = try links.map { try LinkEventRouter(engine: engine, links: $0, logger: logger) }

        let first = try await engine.start(config: config)
        logger.info("started: \(first.summary)")

        // The long-lived parts, started in this order and stopped in the
        // reverse one by the ServiceGroup (DaemonPart).
        var parts: [DaemonPart] = []
        if let router {
            parts.append(DaemonPart("link events", after: parts.last, serve: {
                await withTaskCancellationOrGracefulShutdownHandler { await router.run() } onCancelOrGracefulShutdown: { router.stop() }
            }))
        }
        let pipes = provider.pipes?(engine)
        if let pipes {
            parts.append(DaemonPart("pipes", after: parts.last, start: { await pipes.restore() },
                                    serve: { await DaemonPart.untilShutdown { pipes.closeAll() } }))
            let descriptors = PipeDescriptorServer(path: PipeDescriptorServer.path(forControlSocket: options.socket), registry: pipes,
                                                   privilegedGroup: .named(options.controlGroup))
            parts.append(DaemonPart("pipe descriptors", after: parts.last, start: {
                do { try descriptors.start() } catch {
                    logger.error("pipe ends cannot be handed to applications: \(error)")
                }
            }, serve: { await DaemonPart.untilShutdown { descriptors.stop() } }))
        }
        let handler = EngineControlHandler(engine: engine, modules: modules, nics: links, monitors: provider.monitors, pipes: pipes,
                                          forwarder: provider.forwarder)
        let listener = try Self.listener(socketPath: options.socket, logger: logger)
        let server = ControlServer(
            configuration: ControlServerConfiguration(listener: listener, idleTimeout: .seconds(options.idleTimeout),
                                                      privilegedGroup: .named(options.controlGroup)),
            handler: handler, logger: Logger(label: "valed.control"))
        if let metricsAddress {
            let metrics = MetricsServer(address: metricsAddress, collector: MetricsCollector(engine: engine, modules: modules, nics: links,
                                                                                                forwarder: provider.forwarder))
            parts.append(DaemonPart("metrics", after: parts.last, start: { try await metrics.start() }, serve: { try await metrics.run() }))
        }
        // Last of the servers: a client that can connect finds every other part up.
        parts.append(DaemonPart("control server", after: parts.last, start: { try await server.start() }, serve: { try await server.run() }))
        let supervisor = EngineSupervisor(engine: engine, notifier: notifier, logger: logger,
                                          reloadSignals: reloadSignals, wedgeSignals: wedgeSignals)
        parts.append(DaemonPart("engine supervisor", after: parts.last, start: {
            // Every part is up: clients can connect.
            _ = try? notifier.ready(status: Self.statusLine(await engine.status()))
            logger.info("listening on \(server.socketPath ?? "the socket passed by systemd")")
        }, serve: { try await supervisor.run() }))

        let group = ServiceGroup(configuration: .init(
            services: parts.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
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

/// A startup failure, as a sentence.
public struct DaemonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
