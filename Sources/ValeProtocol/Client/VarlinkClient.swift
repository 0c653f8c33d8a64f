import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a call through `VarlinkClient` did not produce a reply.
public enum VarlinkClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No daemon listens at the path (ENOENT, ECONNREFUSED, EACCES, ...).
    case unreachable(path: String, reason: String)
    /// The daemon did not answer (or accept) within the timeout.
    case timedOut(path: String, seconds: Double)
    /// The connection broke or the daemon sent something that is not a reply.
    case connectionLost(path: String, reason: String)
    /// A signal interrupted the wait (Ctrl-C).
    case interrupted

    public var description: String {
        switch self {
        case .unreachable(let path, let reason):
            return "cannot reach valed at \(path): \(reason)"
        case .timedOut(let path, let seconds):
            return "valed at \(path) did not answer within \(Self.format(seconds)) s"
        case .connectionLost(let path, let reason):
            return "the connection to valed at \(path) broke: \(reason)"
        case .interrupted:
            return "interrupted"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

/// A small synchronous Varlink client over a Unix stream socket, for
/// valectl and tests: blocking calls with poll(2) timeouts, so a dead or
/// hung daemon never hangs the caller.
///
/// Not thread-safe: one thread uses one client.
public final class VarlinkClient {
    /// The socket path.
    public let path: String
    /// Timeout for connecting, sending, and each reply (`nil`: wait forever).
    public var timeout: Double?
    /// A descriptor that becomes readable to interrupt a wait, e.g. the
    /// read end of a pipe a signal handler writes to (the self-pipe trick:
    /// unlike EINTR it cannot be lost when the signal arrives between two
    /// waits). A wait then throws `.interrupted`.
    public var interruptDescriptor: Int32?
    /// Who listens at `path`, as connection-lost reasons name it
    /// ("valed closed the connection"); vale-switchd's client sets its own.
    public var peerName = "valed"
    /// The connected socket; -1 once a failed connect closed it. Owned by
    /// this object: a throwing init of a class whose stored properties are
    /// all set still runs `deinit`, so the error paths close it and mark
    /// it, or `deinit` would close the number again, by then perhaps
    /// another thread's descriptor (valed probes vale-switchd this way
    /// while it restarts).
    private var fd: Int32
    private var decoder = VarlinkFrameDecoder(maximumMessageSize: 16 * VarlinkFraming.maximumMessageSize)

    /// Connects to the socket at `path` (socket(2), non-blocking
    /// connect(2), poll(2) for completion).
    public init(path: String, timeout: Double?) throws(VarlinkClientError) {
        self.path = path
        self.timeout = timeout
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(path: path, reason: Self.errnoText()) }
        self.fd = fd
        let result: Int32
        do { result = try UnixSocketAddress.connect(fd, to: path) } catch {
            closeSocket()
            throw error
        }
        if result != 0 {
            let code = errno
            // A full listen backlog answers EAGAIN on Unix sockets; the
            // connection completes when the daemon accepts.
            guard code == EINPROGRESS || code == EAGAIN else {
                closeSocket()
                throw .unreachable(path: path, reason: Self.errnoText(code))
            }
            if code == EAGAIN {
                // EAGAIN does not queue the connection: retry until the deadline.
                try retryConnect()
            } else {
                try wait(for: Int16(POLLOUT))
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                if soError != 0 {
                    closeSocket()
                    throw .unreachable(path: path, reason: Self.errnoText(soError))
                }
            }
        }
    }

    deinit { closeSocket() }

    private func closeSocket() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    private func retryConnect() throws(VarlinkClientError) {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            if let deadline, Date() > deadline {
                closeSocket()
                throw .timedOut(path: path, seconds: timeout ?? 0)
            }
            usleep(10_000)
            let result: Int32
            do { result = try UnixSocketAddress.connect(fd, to: path) } catch {
                closeSocket()
                throw error
            }
            if result == 0 || errno == EISCONN { return }
            if errno != EAGAIN {
                let code = errno
                closeSocket()
                throw .unreachable(path: path, reason: Self.errnoText(code))
            }
        }
    }

    /// Sends `call` (framed) without waiting for a reply.
    public func send(_ call: VarlinkCall) throws(VarlinkClientError) {
        let bytes: [UInt8]
        do {
            bytes = try VarlinkFraming.frame(call)
        } catch {
            throw .connectionLost(path: path, reason: "cannot encode the call: \(error)")
        }
        try sendRaw(bytes)
    }

    /// Sends bytes as they are (tests use it for malformed input).
    public func sendRaw(_ bytes: [UInt8]) throws(VarlinkClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if written >= 0 {
                offset += written
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLOUT))
            } else if errno != EINTR {
                throw .connectionLost(path: path, reason: Self.errnoText())
            }
        }
    }

    /// Waits for the next reply.
    public func receive() throws(VarlinkClientError) -> VarlinkReply {
        while true {
            let message: [UInt8]?
            do {
                message = try decoder.nextMessage()
            } catch {
                throw .connectionLost(path: path, reason: error.description)
            }
            if let message {
                do {
                    return try JSONDecoder().decode(VarlinkReply.self, from: Data(message))
                } catch {
                    throw .connectionLost(path: path, reason: "\(peerName) sent a message that is not a Varlink reply")
                }
            }
            try wait(for: Int16(POLLIN))
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                decoder.append(chunk[0..<count])
            } else if count == 0 {
                throw .connectionLost(path: path, reason: "\(peerName) closed the connection")
            } else if errno != EAGAIN && errno != EINTR {
                throw .connectionLost(path: path, reason: Self.errnoText())
            }
        }
    }

    /// Calls `method` and returns its single reply, which may be an error
    /// reply (see `VarlinkReply.varlinkError`).
    public func call(_ method: String, parameters: JSONValue? = nil) throws(VarlinkClientError) -> VarlinkReply {
        try send(VarlinkCall(method: method, parameters: parameters))
        return try receive()
    }

    /// Calls `method` with typed parameters and decodes the typed reply;
    /// an error reply is thrown as `VarlinkError`.
    public func call<Reply: Decodable>(_ method: String, _ parameters: some Encodable, as: Reply.Type = Reply.self) throws -> Reply {
        let reply = try call(method, parameters: try JSONValue(encoding: parameters))
        return try reply.decode(as: Reply.self)
    }

    /// Half-closes the sending side (shutdown(2) SHUT_WR).
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    private func wait(for events: Int16) throws(VarlinkClientError) {
        var descriptors = [pollfd(fd: fd, events: events, revents: 0)]
        if let interruptDescriptor {
            descriptors.append(pollfd(fd: interruptDescriptor, events: Int16(POLLIN), revents: 0))
        }
        let milliseconds = timeout.map { Int32(max(0, min($0 * 1000, Double(Int32.max)))) } ?? -1
        let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        if ready < 0 {
            if errno == EINTR { throw .interrupted }
            throw .connectionLost(path: path, reason: Self.errnoText())
        }
        if ready == 0 { throw .timedOut(path: path, seconds: timeout ?? 0) }
        if descriptors.count > 1 && descriptors[1].revents != 0 { throw .interrupted }
    }

    private static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
