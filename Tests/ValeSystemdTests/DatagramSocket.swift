import Foundation
import Glibc

/// A bound AF_UNIX datagram socket in a temp directory, standing in for
/// systemd's notification socket (or journald's).
final class DatagramSocket {
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            precondition(bytes.count < raw.count)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        // No close here: deinit runs for this fully initialized object and closes it.
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno)!) }
        // A bound on waiting so a missing datagram fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram, or nil when none arrived.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n < 0 ? nil : Array(buffer[0..<n])
    }

    func receiveString() -> String? { receive().map { String(decoding: $0, as: UTF8.self) } }

    /// True when a datagram is waiting (without blocking).
    var hasPending: Bool {
        var buffer = [UInt8](repeating: 0, count: 1)
        return buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) } >= 0
    }

    deinit {
        if fd >= 0 { close(fd) }
        unlink(path)
    }
}
