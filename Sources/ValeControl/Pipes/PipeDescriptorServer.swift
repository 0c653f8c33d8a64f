import CLinuxSupport
import Foundation
import SystemCallSeam
import Logging
import Synchronization
import ValeDatapath
import ValeProtocol

/// The descriptor socket beside the control socket (`<socket>.fd`, mode
/// 0666): hands pipe ends to authorized local clients as file descriptors
/// (SCM_RIGHTS), so applications can use pipes without rights on
/// `/dev/netmap`. SwiftNIO cannot send descriptors on stream channels, so
/// this is a plain accept loop on its own thread, with one short-lived
/// thread per client.
///
/// Protocol: the client connects and sends one Varlink call
/// `io.valed.PipeOpen {"name": ..., "end": "master"|"slave"}` (JSON, NUL
/// terminated). valed checks SO_PEERCRED with the control server's rule
/// (uid 0 or the privileged group) and answers one Varlink reply; a
/// successful reply carries the descriptor in an SCM_RIGHTS control
/// message, an error reply (`io.valed.PermissionDenied`,
/// `io.valed.NotFound`, `io.valed.Busy`, ...) carries none. Then valed
/// closes the connection.
public final class PipeDescriptorServer: Sendable {
    /// The socket path.
    public let path: String
    let registry: any PipeProviding
    let authorizer: PeerAuthorizer
    let logger: Logger
    private let listener = Mutex<Int32>(-1)
    /// Clients being served now.
    private let active = Atomic<Int>(0)
    /// Clients served at once at most.
    static let maximumClients = 32
    /// How long one client may take to send its call.
    static let clientTimeoutSeconds = 5
    static let maximumCallSize = 64 * 1024

    /// The descriptor socket for the control socket at `controlSocket`.
    public static func path(forControlSocket controlSocket: String) -> String { controlSocket + ".fd" }

    public init(path: String, registry: any PipeProviding, privilegedGroup: ControlServerConfiguration.PrivilegedGroup,
                logger: Logger = Logger(label: "valed.pipes.fd")) {
        self.path = path
        self.registry = registry
        let gid: UInt32? = switch privilegedGroup {
        case .named(let name): PeerAuthorizer.groupID(named: name)
        case .id(let gid): gid
        case .none: nil
        }
        self.authorizer = PeerAuthorizer(privilegedGID: gid)
        self.logger = logger
    }

    /// socket, bind (replacing a stale socket file), chmod 0666, listen, and
    /// the accept thread.
    public func start() throws {
        let fd: Int32
        do throws(Errno) { fd = try retryingInterrupts { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) } } catch {
            throw ControlServerError("cannot open the descriptor socket \(path): socket: \(error.explanation)")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            Glibc.close(fd)
            throw ControlServerError("cannot open the descriptor socket \(path): the path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        unlink(path)
        // Everyone may connect; the peer's credentials decide what it gets.
        do throws(Errno) {
            _ = try retryingInterrupts {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
            _ = try retryingInterrupts { chmod(path, 0o666) }
            _ = try retryingInterrupts { listen(fd, 16) }
        } catch {
            Glibc.close(fd)
            throw ControlServerError("cannot open the descriptor socket \(path): \(error.explanation)")
        }
        listener.withLock { $0 = fd }
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "valed-pipe-fd"
        thread.start()
        logger.info("pipe descriptors served on \(path)")
    }

    /// Stops accepting (shutdown wakes the blocked accept) and removes the socket file.
    public func stop() {
        let fd = listener.withLock { fd in defer { fd = -1 }; return fd }
        guard fd >= 0 else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        unlink(path)
    }

    private func acceptLoop(_ fd: Int32) {
        defer { Glibc.close(fd) }
        while true {
            let client: Int32
            switch valueOrErrno({ clinux_accept_cloexec(fd) }) {
            case .success(let accepted): client = accepted
            case .failure(let error):
                if error == Errno(rawValue: ECONNABORTED) { continue }
                if listener.withLock({ $0 }) < 0 { return }
                logger.error("descriptor socket: accept failed: \(error.explanation)")
                usleep(100_000)
                continue
            }
            // One thread per client, so a client that connects and stays
            // silent delays no one; past the limit, new clients are dropped.
            guard active.add(1, ordering: .relaxed).newValue <= Self.maximumClients else {
                active.subtract(1, ordering: .relaxed)
                Glibc.close(client)
                continue
            }
            let worker = Thread { [self] in
                serve(client)
                Glibc.close(client)
                active.subtract(1, ordering: .relaxed)
            }
            worker.name = "valed-pipe-fd-client"
            worker.start()
        }
    }

    /// Answers one client on `client` (its own thread).
    func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: Self.clientTimeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var pid: Int32 = 0, uid: UInt32 = 0, gid: UInt32 = 0
        guard clinux_peer_credentials(client, &pid, &uid, &gid) == 0 else {
            reply(client, .failure(.failed("cannot read the peer's credentials")), fd: -1)
            return
        }
        let caller = authorizer.caller(pid: pid, uid: uid, gid: gid)
        let outcome = answer(readCall(client), caller: caller)
        switch outcome {
        case .success(let (fd, reply, parameters)):
            defer { Glibc.close(fd) }
            if !self.reply(client, .success(reply), fd: fd) {
                registry.release(name: parameters.name, end: ValeDatapath.PipeEnd(parameters.end), pid: caller.pid)
            } else {
                logger.info("gave the \(parameters.end.rawValue) end of pipe \(parameters.name) to \(caller)")
            }
        case .failure(let error):
            logger.notice("refused a pipe descriptor to \(caller): \(error.message)")
            reply(client, .failure(error), fd: -1)
        }
    }

    /// Decides what `caller` gets for `call`.
    func answer(_ received: Result<VarlinkCall, VarlinkError>, caller: Caller) -> Result<(Int32, PipeOpenReply, PipeOpenParameters), VarlinkError> {
        let call: VarlinkCall
        switch received {
        case .success(let c): call = c
        case .failure(let e): return .failure(e)
        }
        guard call.method == PipeOpenParameters.method else {
            return .failure(.methodNotFound(call.method))
        }
        let parameters: PipeOpenParameters
        do {
            guard let raw = call.parameters else { return .failure(.invalidParameter("name")) }
            parameters = try raw.decode(as: PipeOpenParameters.self)
        } catch {
            return .failure(.invalidArgument("parameters", message: "io.valed.PipeOpen needs {\"name\": string, \"end\": \"master\"|\"slave\"}"))
        }
        guard caller.mayChangeState else {
            return .failure(.permissionDenied(method: call.method, uid: caller.uid,
                                              message: "cannot open pipe \(parameters.name): uid \(caller.uid) is neither root nor in valed's control group"))
        }
        do {
            let (fd, opened) = try registry.descriptor(name: parameters.name, end: ValeDatapath.PipeEnd(parameters.end), for: caller)
            return .success((fd, PipeOpenReply(opened), parameters))
        } catch {
            return .failure(WireErrors.varlinkError(error))
        }
    }

    /// Reads bytes up to the first NUL and decodes them as a call.
    func readCall(_ client: Int32) -> Result<VarlinkCall, VarlinkError> {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !bytes.contains(0) {
            guard bytes.count < Self.maximumCallSize else {
                return .failure(.messageTooLarge(limit: Self.maximumCallSize, message: "the call exceeds \(Self.maximumCallSize) bytes"))
            }
            let n = chunk.withUnsafeMutableBytes { buffer in (try? retryingInterrupts { recv(client, buffer.baseAddress, buffer.count, 0) }) ?? -1 }
            if n > 0 { bytes += chunk[0..<n] } else {
                return .failure(.invalidMessage("the connection ended before a complete call (NUL-terminated JSON) arrived"))
            }
        }
        let message = bytes[..<bytes.firstIndex(of: 0)!]
        do { return .success(try JSONDecoder().decode(VarlinkCall.self, from: Data(message))) } catch {
            return .failure(.invalidMessage("the call is not a Varlink call: \(error)"))
        }
    }

    /// Sends one reply (with `fd` attached when >= 0); false when it could not be sent.
    @discardableResult
    func reply(_ client: Int32, _ result: Result<PipeOpenReply, VarlinkError>, fd: Int32) -> Bool {
        let message: VarlinkReply
        switch result {
        case .success(let r):
            guard let encoded = try? VarlinkReply(encoding: r) else { return false }
            message = encoded
        case .failure(let e): message = VarlinkReply(error: e)
        }
        guard let framed = try? VarlinkFraming.frame(message) else { return false }
        let sent = framed.withUnsafeBytes { clinux_send_with_fd(client, $0.baseAddress, $0.count, fd) }
        return sent == framed.count
    }
}
