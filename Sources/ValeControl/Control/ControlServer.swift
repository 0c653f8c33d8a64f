import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The Varlink control server: accepts clients on a Unix socket, reads
/// each peer's credentials (SO_PEERCRED), frames and decodes calls,
/// authorizes them and calls the `ControlHandler`.
///
/// Use it as a swift-service-lifecycle `Service` (`run()` serves until
/// graceful shutdown or cancellation), or call `start()` and `stop()`.
public final class ControlServer: Service, Sendable {
    private struct Accepted: Sendable {
        let channel: NIOAsyncChannel<InboundFrame, ByteBuffer>
        let connection: ConnectionState
        let pid: Int32
        let uid: UInt32
        let gid: UInt32
    }

    private enum Phase { case idle, running, stopping, stopped }

    private struct State {
        var phase = Phase.idle
        var serverChannel: (any Channel)?
        var acceptTask: Task<Void, Never>?
        var connections: [ObjectIdentifier: ConnectionState] = [:]
        /// Accepted connections not yet taken by a serving task. The accept
        /// stream drops what it still buffers when it ends, and a
        /// `NIOAsyncChannel` dropped without `executeThenClose` traps (NIO
        /// issue 2813); holding them here lets the stop close each one.
        var unserved: [ObjectIdentifier: Accepted] = [:]
        var boundPath: String?
    }

    public let configuration: ControlServerConfiguration
    private let handler: any ControlHandler
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())
    private let executor: ControlExecutor

    /// A server for `handler`; nothing happens until `start()` or `run()`.
    public init(configuration: ControlServerConfiguration, handler: any ControlHandler,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "valed.control")) {
        self.configuration = configuration
        self.handler = handler
        self.group = eventLoopGroup
        self.logger = logger
        self.executor = ControlExecutor(eventLoop: eventLoopGroup.next())
    }

    /// The socket path when listening on a path (`nil` for an adopted socket).
    public var socketPath: String? { state.withLock { $0.boundPath } }

    /// Number of open client connections.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Binds (or adopts) the listening socket and starts accepting.
    /// Returns once clients can connect.
    public func start() async throws {
        try state.withLock { state in
            guard state.phase == .idle else { throw ControlServerError("the control server was already started") }
            state.phase = .running
        }
        do {
            try await bindAndAccept()
        } catch {
            state.withLock { $0.phase = .stopped }
            throw error
        }
    }

    private func bindAndAccept() async throws {
        let description = try ValedInterface.loadDescription()
        let privilegedGID: UInt32? = switch configuration.privilegedGroup {
        case .named(let name): PeerAuthorizer.groupID(named: name)
        case .id(let gid): gid
        case .none: nil
        }
        if case .named(let name) = configuration.privilegedGroup, privilegedGID == nil {
            logger.notice("group \(name) does not exist: only root may change valed's state")
        }
        let authorizer = PeerAuthorizer(privilegedGID: privilegedGID)
        let dispatcher = ControlDispatcher(handler: handler, interfaceDescription: description)
        let limit = configuration.maximumMessageSize
        let idle = TimeAmount(configuration.idleTimeout)

        let initializer: @Sendable (any Channel) -> EventLoopFuture<Accepted> = { channel in
            guard let options = channel as? any SocketOptionProvider else {
                return channel.eventLoop.makeFailedFuture(ControlServerError("the channel has no socket options"))
            }
            let credentials: EventLoopFuture<PeerCredentials> = options.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
            return credentials.flatMapThrowing { credentials in
                let connection = ConnectionState(channel: channel)
                try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(VarlinkNIOFrameDecoder(limit: limit)))
                try channel.pipeline.syncOperations.addHandler(IdleConnectionCloser(connection: connection))
                // Decided under the lock: once the server stops, no new
                // NIOAsyncChannel is made (failing here closes the channel),
                // so the stop's sweep of `unserved` misses none.
                return try self.state.withLock { state in
                    guard state.phase == .running else { throw ControlServerError("the control server is stopping") }
                    let asyncChannel = try NIOAsyncChannel<InboundFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                    let accepted = Accepted(channel: asyncChannel, connection: connection,
                                            pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
                    state.unserved[ObjectIdentifier(connection)] = accepted
                    return accepted
                }
            }.flatMapErrorThrowing { error in
                // NIO leaves a child whose initializer failed open; close it.
                channel.close(promise: nil)
                throw error
            }
        }

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
        let serverChannel: NIOAsyncChannel<Accepted, Never>
        switch configuration.listener {
        case .path(let path):
            try UnixSocketPath.prepare(path)
            serverChannel = try await bootstrap.bind(unixDomainSocketPath: path, childChannelInitializer: initializer)
            do {
                try UnixSocketPath.setMode(path, configuration.socketMode)
            } catch {
                try? await serverChannel.channel.close()
                unlink(path)
                throw error
            }
            state.withLock { $0.boundPath = path }
        case .boundSocket(let descriptor):
            serverChannel = try await bootstrap.bind(descriptor, childChannelInitializer: initializer)
        }
        state.withLock { $0.serverChannel = serverChannel.channel }
        logger.info("control server listening", metadata: ["socket": "\(socketPath ?? "adopted socket")"])

        let task = Task(executorPreference: executor) {
            await self.acceptLoop(serverChannel, dispatcher: dispatcher, authorizer: authorizer, limit: limit)
        }
        let stopAlready = state.withLock { state in
            state.acceptTask = task
            return state.phase != .running
        }
        if stopAlready { beginStop() }
    }

    private func acceptLoop(_ serverChannel: NIOAsyncChannel<Accepted, Never>, dispatcher: ControlDispatcher,
                            authorizer: PeerAuthorizer, limit: Int) async {
        do {
            try await serverChannel.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await accepted in inbound {
                            group.addTask {
                                await self.serve(accepted, dispatcher: dispatcher, authorizer: authorizer, limit: limit)
                            }
                        }
                    } catch {
                        self.logger.error("control server stopped accepting: \(error)")
                    }
                }
            }
        } catch {
            logger.debug("closing the control socket: \(error)")
        }
        // Connections accepted but never handed to a serving task: close them.
        let leftovers = state.withLock { state in
            if state.phase == .running { state.phase = .stopping }
            defer { state.unserved = [:] }
            return Array(state.unserved.values)
        }
        for accepted in leftovers {
            try? await accepted.channel.executeThenClose { _, _ in }
        }
    }

    private func serve(_ accepted: Accepted, dispatcher: ControlDispatcher, authorizer: PeerAuthorizer, limit: Int) async {
        let caller = authorizer.caller(pid: accepted.pid, uid: accepted.uid, gid: accepted.gid)
        let connection = accepted.connection
        let key = ObjectIdentifier(connection)
        // nil: the stop's sweep took (and closed) it already.
        let stopping: Bool? = state.withLock { state in
            guard state.unserved.removeValue(forKey: key) != nil else { return nil }
            state.connections[key] = connection
            return state.phase != .running
        }
        guard let stopping else { return }
        if stopping { connection.stop() }
        accepted.channel.channel.closeFuture.whenComplete { _ in connection.cancelStream() }
        let server = ControlConnection(dispatcher: dispatcher, state: connection, caller: caller, limit: limit,
                                       logger: logger, executor: executor)
        do {
            try await accepted.channel.executeThenClose { inbound, outbound in
                try await server.serve(inbound: inbound, outbound: outbound)
            }
        } catch {
            logger.debug("control connection ended: \(error)", metadata: ["peer": "\(caller)"])
        }
        _ = state.withLock { $0.connections.removeValue(forKey: key) }
    }

    /// Stops accepting, closes idle connections, cancels streams; running
    /// calls finish and their connections close afterwards. Does not wait.
    private func beginStop() {
        let (channel, connections, path) = state.withLock { state -> ((any Channel)?, [ConnectionState], String?) in
            if state.phase == .running { state.phase = .stopping }
            return (state.serverChannel, Array(state.connections.values), state.boundPath)
        }
        channel?.close(promise: nil)
        if let path { unlink(path) }
        for connection in connections { connection.stop() }
    }

    /// Graceful stop: stop accepting, let running calls finish, close every
    /// connection; returns when all are closed.
    public func stop() async {
        let task = state.withLock { state -> Task<Void, Never>? in
            if state.phase == .idle { state.phase = .stopped }
            return state.acceptTask
        }
        beginStop()
        await task?.value
        state.withLock { $0.phase = .stopped }
    }

    /// Serves until graceful shutdown (SIGTERM through a ServiceGroup) or
    /// task cancellation, then stops gracefully. Starts the server first
    /// unless `start()` was already called.
    public func run() async throws {
        if state.withLock({ $0.phase == .idle }) {
            try await start()
        }
        let task = state.withLock { $0.acceptTask }
        await withTaskCancellationOrGracefulShutdownHandler {
            await task?.value
        } onCancelOrGracefulShutdown: {
            self.beginStop()
        }
        state.withLock { $0.phase = .stopped }
    }
}
