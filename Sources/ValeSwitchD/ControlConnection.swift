import Foundation
import Logging
import ValeForwarding
import ValeProtocol
import ValeSwitch
#if canImport(Glibc)
import Glibc
#endif

/// One client connection, served on its own thread: calls are answered in
/// order; a Monitor call streams on this thread until it ends, and the
/// connection then goes on with the calls that arrived meanwhile.
///
/// Misbehaving clients cost them their connection, never the process:
/// a message that is not a Varlink call gets `InvalidMessage` (the
/// connection stays, since framing by NUL survives bad JSON); a message over
/// the size limit gets `MessageTooLarge` and the connection is closed; a
/// client that stops reading hits the send timeout and is dropped; a client
/// that goes away mid-stream ends its monitor.
final class ControlConnection: @unchecked Sendable {
    /// Longest a reply may wait for the client to read it.
    static let sendTimeoutSeconds = 10

    private let fd: Int32
    private let dispatcher: RequestDispatcher
    private let logger: Logger
    private let onExitRequested: @Sendable () -> Void
    // Touched only by the connection's own thread.
    private var decoder = VarlinkFrameDecoder()

    init(fd: Int32, dispatcher: RequestDispatcher, logger: Logger, onExitRequested: @escaping @Sendable () -> Void) {
        self.fd = fd
        self.dispatcher = dispatcher
        self.logger = logger
        self.onExitRequested = onExitRequested
        var timeout = timeval(tv_sec: Self.sendTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Serves until the client leaves or misbehaves beyond repair; closes the socket.
    func run() {
        defer { close(fd) }
        while true {
            let message: [UInt8]?
            do {
                message = try decoder.nextMessage()
            } catch {
                _ = send(VarlinkReply(error: ForwarderError.messageTooLarge(
                    limit: decoder.maximumMessageSize, message: "a message exceeded \(decoder.maximumMessageSize) bytes; closing the connection")))
                return
            }
            if let message {
                guard handle(message) else { return }
                continue
            }
            guard receive(timeout: -1) else { return }
        }
    }

    /// Handles one message; false when the connection must close.
    private func handle(_ message: [UInt8]) -> Bool {
        let call: VarlinkCall
        do {
            call = try JSONDecoder().decode(VarlinkCall.self, from: Data(message))
        } catch {
            logger.debug("a client sent a message that is not a Varlink call")
            return send(VarlinkReply(error: ForwarderError.invalidMessage(
                "not a Varlink call: expected a JSON object with a \"method\" string")))
        }
        switch dispatcher.handle(call) {
        case .reply(let reply):
            return call.isOneway || send(reply)
        case .replyThenExit(let reply):
            if !call.isOneway { _ = send(reply) }
            onExitRequested()
            return false
        case .stream(let queue, let token, let parameters):
            defer { dispatcher.service.stopMonitor(token) }
            return stream(queue, parameters)
        }
    }

    /// Streams a monitor until its count is reached, its port goes or the
    /// client leaves; false when the connection must close.
    private func stream(_ queue: MonitorQueue, _ p: ForwarderMonitorParameters) -> Bool {
        let target = "\(p.switchName):\(p.interface)"
        logger.debug("monitor of \(target) started")
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: queue.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return false
            }
            if fds[0].revents != 0 {
                // The client may pipeline calls behind the stream: keep them,
                // up to one message's worth.
                guard receive(timeout: 0), decoder.bufferedByteCount <= decoder.maximumMessageSize else {
                    logger.debug("monitor of \(target): the client left")
                    return false
                }
            }
            guard fds[1].revents != 0 else { continue }
            let batch = queue.take()
            var frames = batch.frames[...]
            var dropped = batch.dropped
            repeat {
                // Keep each reply far below the 1 MiB message limit: base64 adds a third.
                let chunk = frames.prefix(64)
                frames = frames.dropFirst(chunk.count)
                let last = frames.isEmpty && batch.ending == .countReached
                guard !chunk.isEmpty || dropped > 0 || last else { break }
                let reply = MonitorReply(frames: chunk.map(Self.wire), dropped: dropped)
                dropped = 0
                guard let encoded = try? VarlinkReply(encoding: reply, continues: !last), send(encoded) else { return false }
            } while !frames.isEmpty
            switch batch.ending {
            case .countReached?:
                logger.debug("monitor of \(target) reached its count")
                return true
            case .portGone?:
                let message = "the monitor of \(target) ended: \(p.interface) was detached from \(p.switchName) or the switch was deleted"
                return send(VarlinkReply(error: ForwarderError.monitorEnded(switch: p.switchName, interface: p.interface, message: message)))
            case nil:
                continue
            }
        }
    }

    private static func wire(_ frame: MonitoredFrame) -> Frame {
        Frame(seconds: Int64(frame.seconds), nanoseconds: Int32(frame.nanoseconds),
              direction: frame.direction == .rx ? .rx : .tx, length: frame.bytes.count, data: Data(frame.bytes))
    }

    /// Reads what is there into the decoder (waiting up to `timeout` ms,
    /// -1 forever); false when the client closed or the socket failed.
    private func receive(timeout: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&pfd, 1, timeout)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return ready == 0 }
            break
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                decoder.append(chunk[0..<count])
                return true
            }
            if count == 0 { return false }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK
        }
    }

    /// Sends one reply; false when the client is gone or does not read.
    private func send(_ reply: VarlinkReply) -> Bool {
        guard let bytes = try? VarlinkFraming.frame(reply) else { return false }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                logger.debug("dropping a client: \(written < 0 ? String(cString: strerror(errno)) : "short write")")
                return false
            }
        }
        return true
    }
}
