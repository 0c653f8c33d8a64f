import CLinuxSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Receives one end of a pipe valed holds as a file descriptor, from the
/// descriptor socket beside the control socket (`<control socket>.fd`).
///
/// Sends `io.valed.PipeOpen` (NUL-terminated JSON) and reads the reply with
/// recvmsg(2); the descriptor comes in an SCM_RIGHTS control message
/// (with `MSG_CMSG_CLOEXEC`). In production it is a `/dev/netmap`
/// descriptor already registered to the pipe end: map it (NIOCCTRL is not
/// needed) and use its rings.
public enum PipeEndClient {
    /// The descriptor socket of the control socket at `controlSocket`.
    public static func descriptorSocket(forControlSocket controlSocket: String) -> String { controlSocket + ".fd" }

    /// Asks for `end` of pipe `name`. Returns the received descriptor (the
    /// caller owns and closes it) and the reply. An error reply is thrown as
    /// `VarlinkError` (`io.valed.PermissionDenied`, `NotFound`, `Busy`);
    /// socket problems as `VarlinkClientError`.
    public static func open(name: String, end: PipeEnd, socketPath: String, timeout: Double? = 10) throws -> (descriptor: Int32, reply: PipeOpenReply) {
        let fd = try connect(socketPath, timeout: timeout)
        defer { close(fd) }
        let call = VarlinkCall(method: PipeOpenParameters.method, parameters: try JSONValue(encoding: PipeOpenParameters(name: name, end: end)))
        let bytes = try VarlinkFraming.frame(call)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw VarlinkClientError.connectionLost(path: socketPath, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
        var message: [UInt8] = []
        var received: Int32 = -1
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !message.contains(0) {
            var descriptor: Int32 = -1
            let n = chunk.withUnsafeMutableBytes { clinux_recv_with_fd(fd, $0.baseAddress, $0.count, &descriptor) }
            if descriptor >= 0 {
                if received >= 0 { close(received) }
                received = descriptor
            }
            if n > 0 { message += chunk[0..<n]; continue }
            if received >= 0 { close(received) }
            if n == 0 { throw VarlinkClientError.connectionLost(path: socketPath, reason: "valed closed the connection without a reply") }
            if errno == EAGAIN { throw VarlinkClientError.timedOut(path: socketPath, seconds: timeout ?? 0) }
            throw VarlinkClientError.connectionLost(path: socketPath, reason: String(cString: strerror(errno)))
        }
        do {
            let reply = try JSONDecoder().decode(VarlinkReply.self, from: Data(message[..<message.firstIndex(of: 0)!]))
            let decoded = try reply.decode(as: PipeOpenReply.self)
            guard received >= 0 else {
                throw VarlinkClientError.connectionLost(path: socketPath, reason: "valed replied without a descriptor")
            }
            return (received, decoded)
        } catch {
            if received >= 0 { close(received) }
            throw error
        }
    }

    /// A blocking connection with send/receive timeouts.
    static func connect(_ path: String, timeout: Double?) throws(VarlinkClientError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(path: path, reason: String(cString: strerror(errno))) }
        if let timeout {
            var value = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        }
        let result: Int32
        do { result = try UnixSocketAddress.connect(fd, to: path) } catch {
            close(fd)
            throw error
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreachable(path: path, reason: reason)
        }
        return fd
    }
}
