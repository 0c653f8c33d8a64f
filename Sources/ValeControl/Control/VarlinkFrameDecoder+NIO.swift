import NIOCore
import ValeProtocol

/// One unit read from a control connection.
enum InboundFrame: Sendable {
    /// A complete message, terminator removed.
    case message(ByteBuffer)
    /// The peer sent more than the limit without a NUL. Nothing after
    /// this is decoded; the connection answers with an error and closes.
    case tooLarge(limit: Int)
}

/// Splits the byte stream into NUL-terminated Varlink messages
/// (VarlinkFraming), never buffering more than the limit.
struct VarlinkNIOFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = InboundFrame

    let limit: Int
    /// Bytes after the reader index already searched for a NUL.
    private var scanned = 0
    private var discarding = false

    init(limit: Int) { self.limit = limit }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if discarding {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        if let end = view[(view.startIndex + scanned)...].firstIndex(of: 0) {
            let length = end - view.startIndex
            scanned = 0
            if length > limit {
                return fail(context: context, buffer: &buffer)
            }
            let message = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(wrapInboundOut(.message(message)))
            return .continue
        }
        scanned = view.count
        if view.count > limit {
            return fail(context: context, buffer: &buffer)
        }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial message at EOF has no terminator and is dropped.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    private mutating func fail(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        discarding = true
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(wrapInboundOut(.tooLarge(limit: limit)))
        return .needMoreData
    }
}
