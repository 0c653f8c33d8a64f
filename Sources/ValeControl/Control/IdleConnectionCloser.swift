import NIOCore

/// Closes a connection when `IdleStateHandler` reports that nothing was
/// read for the idle timeout, unless a call is still running (a client
/// waiting for a long apply or reading a stream sends nothing, rightly).
final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = InboundFrame
    typealias InboundOut = InboundFrame

    private let connection: ConnectionState

    init(connection: ConnectionState) { self.connection = connection }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case IdleStateHandler.IdleStateEvent.read = event, !connection.isBusy {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
