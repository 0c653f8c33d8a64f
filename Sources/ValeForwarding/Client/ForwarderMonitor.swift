import Foundation
import Synchronization
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

/// One `Monitor` stream of vale-switchd, on its own connection.
///
/// Read it either blocking, with `next()` from one thread, or as an async
/// sequence, `replies`, which reads on a thread of its own. `cancel()`
/// (from any thread) ends the stream: vale-switchd sees the connection
/// close and removes the monitor.
///
/// The stream ends with `nil` after `count` frames or a cancel, and throws
/// a `VarlinkError` named `ForwarderError.monitorEnded` when the port was
/// detached or its switch deleted, or `ForwarderClientError` when the
/// connection broke (vale-switchd died).
public final class ForwarderMonitor: @unchecked Sendable {
    public let parameters: ForwarderMonitorParameters
    // Only the reading thread touches `client` (one reader, as documented).
    private let client: VarlinkClient
    /// A pipe whose write end `cancel()` writes to: the self-pipe trick
    /// wakes a reader blocked in poll(2) without a signal.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let state = Mutex<(cancelled: Bool, finished: Bool)>((false, false))
    private let path: String

    init(path: String, connectTimeout: Double?, parameters: ForwarderMonitorParameters) throws {
        self.parameters = parameters
        self.path = path
        // Who closes what on a failure: before the last stored property is
        // set, each failing step closes what it made; after it, deinit does
        // (a throwing class init runs deinit once everything is set), so the
        // steps that can fail then close nothing themselves.
        let client: VarlinkClient
        do {
            client = try ForwarderClient.connect(path: path, timeout: connectTimeout)
        } catch {
            throw ForwarderClientError(error, path: path)
        }
        var fds: [Int32] = [-1, -1]
        // A socket pair rather than pipe2(2), which Glibc does not export to Swift.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0 else {
            throw ForwarderClientError.connectionLost(path: path, reason: "socketpair: \(String(cString: strerror(errno)))")
        }
        client.timeout = nil
        client.interruptDescriptor = fds[0]
        self.client = client
        wakeRead = fds[0]
        wakeWrite = fds[1]
        do {
            try client.send(VarlinkCall(method: ForwarderMethod.monitor.qualifiedName,
                                        parameters: try JSONValue(encoding: parameters), more: true))
        } catch let error as VarlinkClientError {
            throw ForwarderClientError(error, path: path)
        }
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// The next batch of frames; nil when the stream is over (count reached,
    /// or cancelled). Blocks until a reply comes. Call from one thread at a time.
    public func next() throws -> MonitorReply? {
        if state.withLock({ $0.finished || $0.cancelled }) { return nil }
        let reply: VarlinkReply
        do {
            reply = try client.receive()
        } catch {
            state.withLock { $0.finished = true }
            if case .interrupted = error { return nil }
            if state.withLock({ $0.cancelled }) { return nil }
            throw ForwarderClientError(error, path: path)
        }
        // An error reply (MonitorEnded) ends the stream as surely as a last reply.
        if !reply.hasMore || reply.error != nil { state.withLock { $0.finished = true } }
        return try reply.decode(as: MonitorReply.self)
    }

    /// Ends the stream: a reader blocked in `next()` returns nil and the
    /// connection is closed, so vale-switchd removes the monitor.
    public func cancel() {
        let first = state.withLock { s -> Bool in
            defer { s.cancelled = true }
            return !s.cancelled
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        client.shutdownWrite()
    }

    /// The stream as an async sequence, read on a dedicated thread;
    /// cancelling the consuming task cancels the monitor.
    public var replies: AsyncThrowingStream<MonitorReply, any Error> {
        let (stream, continuation) = AsyncThrowingStream<MonitorReply, any Error>.makeStream()
        let thread = Thread { [self] in
            do {
                while let reply = try next() { continuation.yield(reply) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.name = "forwarder-monitor"
        continuation.onTermination = { [self] _ in cancel() }
        thread.start()
        return stream
    }
}
