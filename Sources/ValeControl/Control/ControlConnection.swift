import Foundation
import Logging
import NIOCore
import ValeProtocol

/// Serves one client: reads calls in order, answers each before reading
/// the next (Varlink replies must keep the order of calls), and streams
/// replies for `more` calls until the stream ends or the client leaves.
struct ControlConnection: Sendable {
    let dispatcher: ControlDispatcher
    let state: ConnectionState
    let caller: Caller
    let limit: Int
    let logger: Logger
    /// Where the stream task runs (unstructured tasks do not inherit the
    /// executor preference).
    let executor: any TaskExecutor

    typealias Outbound = NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Returns when the client closes, the connection must close (after
    /// an oversized message) or the server stops.
    func serve(inbound: NIOAsyncChannelInboundStream<InboundFrame>, outbound: Outbound) async throws {
        for try await frame in inbound {
            switch frame {
            case .tooLarge(let limit):
                logger.notice("closing control connection: message over \(limit) bytes", metadata: ["peer": "\(caller)"])
                try await send(error: .messageTooLarge(
                    limit: limit, message: "message exceeds the limit of \(limit) bytes; closing the connection"), to: outbound)
                return
            case .message(let bytes):
                guard state.beginCall() else { return }
                let keepOpen = await handle(Data(bytes.readableBytesView), outbound: outbound)
                if state.endCall() || !keepOpen { return }
            }
        }
    }

    /// Runs one call; false when the connection must close afterwards.
    private func handle(_ message: Data, outbound: Outbound) async -> Bool {
        let call: VarlinkCall
        do {
            call = try JSONDecoder().decode(VarlinkCall.self, from: message)
        } catch {
            try? await send(error: .invalidMessage("the message is not a Varlink call (a JSON object with a \"method\" string): \(Self.describe(error))"), to: outbound)
            return true
        }
        let replies = !call.isOneway
        do {
            switch try await dispatcher.dispatch(call, caller: caller) {
            case .reply(let parameters):
                if replies { try await send(parameters: parameters, continues: false, to: outbound) }
                return true
            case .stream(let terminal, let run):
                return await stream(terminal: terminal, run: run, outbound: outbound)
            }
        } catch {
            if replies { try? await send(error: Self.varlinkError(from: error), to: outbound) }
            return true
        }
    }

    /// Runs a stream in its own task so that a disconnect or the server's
    /// stop can cancel it while it waits for the next element.
    private func stream(terminal: Data?, run: @escaping @Sendable (_ emit: @Sendable (Data) async throws -> Void) async throws -> Void,
                        outbound: Outbound) async -> Bool {
        let connection = self
        let task = Task<Bool, Never>(executorPreference: executor) {
            do {
                try await run { parameters in
                    try await connection.send(parameters: parameters, continues: true, to: outbound)
                }
                if Task.isCancelled { return false }
                guard let terminal else { return false }
                try await connection.send(parameters: terminal, continues: false, to: outbound)
                return true
            } catch is CancellationError {
                return false
            } catch {
                if Task.isCancelled { return false }
                try? await connection.send(error: Self.varlinkError(from: error), to: outbound)
                return true
            }
        }
        state.setStreamCancellation { task.cancel() }
        return await task.value
    }

    private func send(parameters: Data, continues: Bool, to outbound: Outbound) async throws {
        // The parameters are spliced in as already-encoded JSON so that
        // large replies (monitor batches) are encoded once.
        var buffer = ByteBuffer()
        buffer.reserveCapacity(parameters.count + 40)
        buffer.writeString(continues ? "{\"continues\":true,\"parameters\":" : "{\"parameters\":")
        buffer.writeBytes(parameters)
        buffer.writeString("}")
        if buffer.readableBytes > limit {
            try await send(error: .messageTooLarge(limit: limit, message: "the reply exceeds the limit of \(limit) bytes"), to: outbound)
            return
        }
        buffer.writeInteger(UInt8(0))
        try await outbound.write(buffer)
    }

    private func send(error: VarlinkError, to outbound: Outbound) async throws {
        var buffer = ByteBuffer(bytes: try VarlinkFraming.frame(VarlinkReply(error: error)))
        if buffer.readableBytes > limit + 1 {
            buffer = ByteBuffer(bytes: try VarlinkFraming.frame(VarlinkReply(error: .failed("the error reply exceeds the size limit"))))
        }
        try await outbound.write(buffer)
    }

    /// A `VarlinkError` as is; engine and provider errors by their kind;
    /// anything else as `io.valed.Failed` with the error's description.
    static func varlinkError(from error: any Error) -> VarlinkError {
        WireErrors.varlinkError(for: error)
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DecodingError {
            switch error {
            case .keyNotFound(let key, _): return "no \"\(key.stringValue)\" field"
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                return "field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
            case .dataCorrupted: return "not valid JSON"
            @unknown default: break
            }
        }
        return String(describing: error)
    }
}
