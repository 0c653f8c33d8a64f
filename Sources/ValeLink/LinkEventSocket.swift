import CNetlink
import CNetlinkRoute
import CLinuxUAPI
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking rtnetlink socket subscribed to RTNLGRP_LINK
/// (`nl_socket_add_membership`), decoding RTM_NEWLINK / RTM_DELLINK
/// notifications with libnl-route-3. Owned by one thread at a time.
final class LinkEventSocket {
    /// One decoded notification.
    struct Notification {
        var deleted: Bool
        var link: LinkInfo
    }

    /// How a drain ended.
    enum DrainResult {
        /// Everything queued was read.
        case drained
        /// The kernel dropped notifications (ENOBUFS): the caller must re-read
        /// state. Notifications queued before the overflow were discarded.
        case overrun
        /// The socket failed.
        case failed(NetlinkFailure)
    }

    let handle: OpaquePointer
    var fd: Int32 { nl_socket_get_fd(handle) }

    /// Opens the socket in the calling thread's network namespace.
    /// `receiveBuffer` is SO_RCVBUF in bytes (tests shrink it to force ENOBUFS).
    init(receiveBuffer: Int32 = 1 << 20) throws(NetlinkFailure) {
        guard let handle = nl_socket_alloc() else { throw NetlinkFailure(errno: .outOfMemory, request: "nl_socket_alloc") }
        var status = nl_connect(handle, NETLINK_ROUTE)
        if status >= 0 { status = nl_socket_add_membership(handle, Int32(RTNLGRP_LINK.rawValue)) }
        if status >= 0 { status = nl_socket_set_nonblocking(handle) }
        if status < 0 {
            nl_socket_free(handle)
            throw NetlinkFailure(libnlCode: status, request: "RTNLGRP_LINK subscription")
        }
        nl_socket_enable_msg_peek(handle)
        // A burst (many veths created at once) should not overrun us; if it
        // does, ENOBUFS makes the owner resynchronise.
        _ = nl_socket_set_buffer_size(handle, receiveBuffer, 0)
        self.handle = handle
    }

    deinit { nl_socket_free(handle) }

    /// Reads every queued notification and hands each to `body`, in order.
    func drain(_ body: (Notification) -> Void) -> DrainResult {
        let result: DrainResult = withoutActuallyEscaping(body) { handler in
            let sink = NotificationSink(handler: handler)
            guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else {
                return .failed(NetlinkFailure(errno: .outOfMemory, request: "nl_cb_alloc"))
            }
            defer { nl_cb_put(callbacks) }
            nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, notificationReceived,
                      Unmanaged.passUnretained(sink).toOpaque())
            // Notifications carry sequence number 0; a fresh nl_cb checks
            // sequence numbers even though the socket's own does not.
            nl_cb_set(callbacks, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, acceptAnySequence, nil)
            var overrun = false
            while true {
                let status = nl_recvmsgs(handle, callbacks)
                if status >= 0 { continue }
                switch -status {
                case NLE_AGAIN: return overrun ? .overrun : .drained
                case NLE_NOMEM:   // libnl's mapping of ENOBUFS
                    // The kernel reports the overflow before the messages
                    // still queued from before it; those are older than the
                    // re-read the owner is about to do, so discard them, or a
                    // link deleted meanwhile would come back from the dead.
                    overrun = true
                    sink.discarding = true
                case NLE_INTR: continue
                // A malformed or foreign message: skip it, keep reading.
                case NLE_MSG_TRUNC, NLE_SEQ_MISMATCH, NLE_MSG_TOOSHORT, NLE_PARSE_ERR: continue
                default: return .failed(NetlinkFailure(libnlCode: status, request: "RTNLGRP_LINK receive"))
                }
            }
        }
        return result
    }
}

private final class NotificationSink {
    let handler: (LinkEventSocket.Notification) -> Void
    var discarding = false
    init(handler: @escaping (LinkEventSocket.Notification) -> Void) { self.handler = handler }
}

private let acceptAnySequence: nl_recvmsg_msg_cb_t = { _, _ in Int32(NL_OK.rawValue) }

private let notificationReceived: nl_recvmsg_msg_cb_t = { message, arg in
    guard let message, let arg else { return Int32(NL_OK.rawValue) }
    let sink = Unmanaged<NotificationSink>.fromOpaque(arg).takeUnretainedValue()
    if sink.discarding { return Int32(NL_OK.rawValue) }
    let type = RouteMessages.messageType(message)
    guard type == UInt16(RTM_NEWLINK) || type == UInt16(RTM_DELLINK),
          let link = RouteMessages.linkInfo(from: message) else { return Int32(NL_OK.rawValue) }
    sink.handler(.init(deleted: type == UInt16(RTM_DELLINK), link: link))
    return Int32(NL_OK.rawValue)
}
