import CNetlink
import CLinuxUAPI
import SystemCallSeam
#if canImport(Glibc)
import Glibc
#endif

/// A libnl socket (`struct nl_sock`) used for request/reply exchanges.
/// Not thread-safe: its owner serialises access.
///
/// Every exchange goes through `transact`, which reads until the kernel's
/// ACK, NLMSG_DONE or error. That is the fix for libnl's ACK trap: helpers
/// such as `nl_pickup` or `nl_send_sync` after a multi-part reply can leave
/// the ACK queued, and the next request then reads a stale ACK (sequence
/// mismatch) instead of its own reply.
final class NetlinkSocket {
    let handle: OpaquePointer
    let protocolNumber: Int32

    /// `nl_socket_alloc` + `nl_connect`, in the calling thread's network namespace.
    init(protocol protocolNumber: Int32) throws(NetlinkFailure) {
        guard let handle = nl_socket_alloc() else {
            throw NetlinkFailure(errno: .outOfMemory, request: "nl_socket_alloc")
        }
        let status = nl_connect(handle, protocolNumber)
        if status < 0 {
            nl_socket_free(handle)
            throw NetlinkFailure(libnlCode: status, request: "nl_connect")
        }
        self.handle = handle
        self.protocolNumber = protocolNumber
        // Replies such as the feature string set exceed one page.
        nl_socket_enable_msg_peek(handle)
        let fd = nl_socket_get_fd(handle)
        var one: Int32 = 1
        // Extended ACKs carry the kernel's reason ("unrecognized bit name");
        // capped ACKs keep them short by not echoing our request back.
        _ = setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
        // A request never waits forever on a kernel that does not answer.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { nl_socket_free(handle) }

    /// Sends `message` (consumed: freed here) and delivers every reply message
    /// to `onMessage` until the exchange ends with ACK, NLMSG_DONE or an error.
    func transact(_ message: OpaquePointer, request: String,
                  onMessage: (OpaquePointer) -> Void = { _ in }) throws(NetlinkFailure) {
        defer { nlmsg_free(message) }
        try withoutActuallyEscaping(onMessage) { (handler) throws(NetlinkFailure) in
            let exchange = Exchange(onMessage: handler)
            guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else {
                throw NetlinkFailure(errno: .outOfMemory, request: request)
            }
            defer { nl_cb_put(callbacks) }
            let context = Unmanaged.passUnretained(exchange).toOpaque()
            nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, exchangeValid, context)
            nl_cb_set(callbacks, NL_CB_FINISH, NL_CB_CUSTOM, exchangeFinished, context)
            nl_cb_set(callbacks, NL_CB_ACK, NL_CB_CUSTOM, exchangeFinished, context)
            nl_cb_err(callbacks, NL_CB_CUSTOM, exchangeError, context)

            let sent = nl_send_auto(handle, message)
            if sent < 0 { throw NetlinkFailure(libnlCode: sent, request: request) }
            while !exchange.done {
                let status = nl_recvmsgs(handle, callbacks)
                if exchange.errno != 0 {
                    throw NetlinkFailure(errno: Errno(rawValue: exchange.errno), request: request, kernelMessage: exchange.kernelMessage)
                }
                if status < 0 && !exchange.done {
                    if -status == NLE_AGAIN { throw NetlinkFailure(errno: .timedOut, request: request) }
                    throw NetlinkFailure(libnlCode: status, request: request)
                }
            }
            _ = exchange
        }
    }
}

/// State of one exchange, reached from libnl's C callbacks through `arg`.
final class Exchange {
    var done = false
    var errno: Int32 = 0
    var kernelMessage: String?
    let onMessage: (OpaquePointer) -> Void
    init(onMessage: @escaping (OpaquePointer) -> Void) { self.onMessage = onMessage }

    static func from(_ arg: UnsafeMutableRawPointer?) -> Exchange {
        Unmanaged<Exchange>.fromOpaque(arg!).takeUnretainedValue()
    }
}

private let exchangeValid: nl_recvmsg_msg_cb_t = { message, arg in
    if let message { Exchange.from(arg).onMessage(message) }
    return Int32(NL_OK.rawValue)
}

private let exchangeFinished: nl_recvmsg_msg_cb_t = { _, arg in
    Exchange.from(arg).done = true
    return Int32(NL_STOP.rawValue)
}

private let exchangeError: nl_recvmsg_err_cb_t = { _, error, arg in
    let exchange = Exchange.from(arg)
    exchange.done = true
    if let error {
        exchange.errno = error.pointee.error < 0 ? -error.pointee.error : error.pointee.error
        if exchange.errno == 0 { exchange.errno = EIO }
        exchange.kernelMessage = extendedAckMessage(error)
    }
    return Int32(NL_STOP.rawValue)
}

/// Reads NLMSGERR_ATTR_MSG from the TLVs that follow `struct nlmsgerr`
/// when the kernel set NLM_F_ACK_TLVS (linux/netlink.h).
private func extendedAckMessage(_ error: UnsafeMutablePointer<nlmsgerr>) -> String? {
    let headerSize = MemoryLayout<nlmsghdr>.size
    let base = UnsafeRawPointer(error) - headerSize
    let header = base.loadUnaligned(as: nlmsghdr.self)
    guard header.nlmsg_flags & UInt16(NLM_F_ACK_TLVS) != 0 else { return nil }
    var offset = headerSize + MemoryLayout<nlmsgerr>.size
    if header.nlmsg_flags & UInt16(NLM_F_CAPPED) == 0 {
        offset += Int(error.pointee.msg.nlmsg_len) - headerSize
    }
    offset = (offset + 3) & ~3
    let end = Int(header.nlmsg_len)
    while offset + 4 <= end {
        let length = Int(base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        let type = base.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & 0x3fff
        guard length >= 4, offset + length <= end else { break }
        if type == UInt16(NLMSGERR_ATTR_MSG.rawValue) {
            let bytes = UnsafeRawBufferPointer(start: base + offset + 4, count: length - 4)
            let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? nil : text
        }
        offset += (length + 3) & ~3
    }
    return nil
}

extension NetlinkFailure {
    /// A negative libnl `NLE_*` code, mapped back to the errno it came from
    /// where libnl's table is one-to-one.
    init(libnlCode code: Int32, request: String) {
        let positive = code < 0 ? -code : code
        let errno: Int32
        switch positive {
        case NLE_NODEV: errno = ENODEV
        case NLE_OPNOTSUPP: errno = EOPNOTSUPP
        case NLE_PERM: errno = EPERM
        case NLE_INVAL: errno = EINVAL
        case NLE_BUSY: errno = EBUSY
        case NLE_EXIST: errno = EEXIST
        case NLE_NOMEM: errno = ENOMEM
        case NLE_RANGE: errno = ERANGE
        case NLE_AGAIN: errno = EAGAIN
        case NLE_NOACCESS: errno = EACCES
        case NLE_OBJ_NOTFOUND: errno = ENOENT
        case NLE_PROTO_MISMATCH: errno = EPROTONOSUPPORT
        case NLE_AF_NOSUPPORT: errno = EAFNOSUPPORT
        default: errno = 0
        }
        self.init(errno: errno == 0 ? nil : Errno(rawValue: errno), request: request, libraryMessage: String(cString: nl_geterror(positive)))
    }
}
