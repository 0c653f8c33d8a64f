import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import ValeState

/// The Prometheus endpoint: SwiftNIO's HTTP/1 server answering
/// `GET /metrics` with the page `MetricsCollector` builds. One request per
/// connection; a client silent for 10 s is dropped. Runs beside the
/// control server and stops with it.
public final class MetricsServer: Service, Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private struct State {
        var serverChannel: (any Channel)?
        var acceptTask: Task<Void, Never>?
        var stopped = false
    }

    public let address: MetricsAddress
    private let collector: MetricsCollector
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

    public init(address: MetricsAddress, collector: MetricsCollector,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "valed.metrics")) {
        self.address = address
        self.collector = collector
        self.group = eventLoopGroup
        self.logger = logger
    }

    /// The address the socket is bound to (the port is the real one when 0 was asked).
    public var boundAddress: SocketAddress? { state.withLock { $0.serverChannel?.localAddress } }

    /// Binds and starts accepting; throws a sentence when the address is taken.
    public func start() async throws {
        let serverChannel: NIOAsyncChannel<Connection, Never>
        do {
            serverChannel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(10)))
                        try channel.pipeline.syncOperations.addHandler(CloseWhenIdle())
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ControlServerError("cannot serve metrics on \(address): \(error)")
        }
        let task = Task { await self.acceptLoop(serverChannel) }
        let stopAlready = state.withLock { state in
            state.serverChannel = serverChannel.channel
            state.acceptTask = task
            return state.stopped
        }
        if stopAlready { serverChannel.channel.close(promise: nil) }
        logger.info("serving metrics on http://\(address)/metrics")
    }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        if state.withLock({ $0.acceptTask == nil && !$0.stopped }) { try await start() }
        let task = state.withLock { $0.acceptTask }
        await withTaskCancellationOrGracefulShutdownHandler {
            await task?.value
        } onCancelOrGracefulShutdown: {
            self.stop()
        }
    }

    /// Stops accepting; requests being answered finish.
    public func stop() {
        let channel = state.withLock { state -> (any Channel)? in
            state.stopped = true
            return state.serverChannel
        }
        channel?.close(promise: nil)
    }

    private func acceptLoop(_ serverChannel: NIOAsyncChannel<Connection, Never>) async {
        do {
            try await serverChannel.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } catch {
            logger.debug("metrics server stopped accepting: \(error)")
        }
    }

    private func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let h): head = h
                    case .body: continue
                    case .end:
                        guard let head else { return }
                        try await respond(to: head, outbound)
                        return
                    }
                }
            }
        } catch {
            logger.debug("metrics connection ended: \(error)")
        }
    }

    private func respond(to head: HTTPRequestHead, _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let status: HTTPResponseStatus
        let contentType: String
        var body = ByteBuffer()
        var headers = HTTPHeaders()
        if path != "/metrics" {
            status = .notFound
            contentType = "text/plain; charset=utf-8"
            body.writeString("valed serves only /metrics\n")
        } else if head.method != .GET && head.method != .HEAD {
            status = .methodNotAllowed
            contentType = "text/plain; charset=utf-8"
            headers.add(name: "Allow", value: "GET, HEAD")
            body.writeString("use GET\n")
        } else {
            status = .ok
            contentType = "text/plain; version=0.0.4; charset=utf-8"
            body.writeBytes(await collector.render())
        }
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        headers.add(name: "Connection", value: "close")
        try await outbound.write(.head(HTTPResponseHead(version: head.version, status: status, headers: headers)))
        if head.method != .HEAD { try await outbound.write(.body(.byteBuffer(body))) }
        try await outbound.write(.end(nil))
    }
}

/// Closes a connection on the idle event of the `IdleStateHandler` before it.
private final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
