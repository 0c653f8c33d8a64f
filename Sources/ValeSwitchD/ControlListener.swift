import Foundation
import Logging
import ValeForwarding
import ValeSystemd
#if canImport(Glibc)
import Glibc
#endif

/// The listening Unix socket: passed by systemd (`vale-switchd.socket`) or
/// bound at `--socket` with mode 0600. Accepts on a thread of its own and
/// serves each connection on a new thread, up to `maximumConnections`.
final class ControlListener: @unchecked Sendable {
    static let maximumConnections = 64

    let path: String
    let fd: Int32
    /// True when systemd passed the socket: we neither made nor unlink it.
    let activated: Bool
    private let logger: Logger
    private let connections = NSLock()
    private var open = 0

    private init(path: String, fd: Int32, activated: Bool, logger: Logger) {
        self.path = path
        self.fd = fd
        self.activated = activated
        self.logger = logger
    }

    /// The socket systemd passed for `path`, else a new one bound there.
    static func make(path: String, logger: Logger) throws -> ControlListener {
        let passed = (try? SocketActivation.listenFileDescriptors()) ?? []
        if let socket = SocketActivation.controlSocket(in: passed, path: path, name: "vale-switchd.socket") {
            logger.info("using the socket systemd passed (fd \(socket.fileDescriptor)) for \(path)")
            return ControlListener(path: path, fd: socket.fileDescriptor, activated: true, logger: logger)
        }
        return ControlListener(path: path, fd: try bind(path), activated: false, logger: logger)
    }

    private static func bind(_ path: String) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw ListenerError("cannot listen on \(path): the path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o755])
        }
        // A socket file left by a crash is stale when nobody answers on it;
        // one that answers belongs to a running vale-switchd.
        if FileManager.default.fileExists(atPath: path) {
            if canConnect(&address) {
                throw ListenerError("cannot listen on \(path): another vale-switchd is listening there")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ListenerError("cannot make a socket for \(path): \(String(cString: strerror(errno)))") }
        // Mode 0600 from the start: no window in which others could connect.
        let oldMask = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let bindErrno = errno
        umask(oldMask)
        guard bound == 0 else {
            close(fd)
            throw ListenerError("cannot bind \(path): \(String(cString: strerror(bindErrno)))")
        }
        guard listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ListenerError("cannot listen on \(path): \(reason)")
        }
        return fd
    }

    private static func canConnect(_ address: inout sockaddr_un) -> Bool {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }

    /// Accepts forever on a new thread, serving each connection with `serve`.
    func start(serve: @escaping @Sendable (Int32) -> Void) {
        let thread = Thread { [self] in
            while true {
                // accept(2), not accept4: Glibc does not export the latter to
                // Swift; vale-switchd never execs, so FD_CLOEXEC can come after.
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                        logger.error("accept on \(path) failed: \(String(cString: strerror(errno))); retrying in 100 ms")
                        usleep(100_000)
                        continue
                    }
                    logger.critical("accept on \(path) failed: \(String(cString: strerror(errno))); no more clients are served")
                    return
                }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                guard admit(client) else { continue }
                let worker = Thread { [self] in
                    serve(client)
                    connections.lock()
                    open -= 1
                    connections.unlock()
                }
                worker.name = "switchd-client"
                worker.start()
            }
        }
        thread.name = "switchd-accept"
        thread.start()
    }

    /// Whether the peer may talk to us (root or our own uid) and a
    /// connection slot is free; a refused peer is told why and closed.
    private func admit(_ client: Int32) -> Bool {
        var credentials = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        let uid: uid_t? = getsockopt(client, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 ? credentials.uid : nil
        guard let uid, uid == 0 || uid == geteuid() else {
            refuse(client, VarlinkErrorText.permissionDenied)
            return false
        }
        connections.lock()
        let full = open >= Self.maximumConnections
        if !full { open += 1 }
        connections.unlock()
        if full {
            logger.warning("refusing a client: \(Self.maximumConnections) connections are open")
            refuse(client, VarlinkErrorText.tooMany)
            return false
        }
        return true
    }

    private func refuse(_ client: Int32, _ reply: [UInt8]) {
        _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        close(client)
    }

    /// Removes the socket file we bound (not one systemd passed).
    func removeSocketFile() {
        if !activated { unlink(path) }
    }
}

struct ListenerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The kernel's `struct ucred` for SO_PEERCRED: Glibc declares it only
/// under _GNU_SOURCE, which Swift's Glibc module does not set.
struct PeerCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
