import CNetlink
import CNetlinkRoute
import CLinuxUAPI
#if canImport(Glibc)
import Glibc
#endif

/// rtnetlink requests built and parsed with libnl-route-3.
enum RouteMessages {
    /// RTM_GETLINK for one interface (`rtnl_link_build_get_request`),
    /// optionally in another namespace (IFLA_TARGET_NETNSID, Linux 4.20+).
    static func getLink(index: Int32, name: String?, netnsid: Int32? = nil) throws(NetlinkFailure) -> OpaquePointer {
        var message: OpaquePointer?
        let status = rtnl_link_build_get_request(index, name, &message)
        guard status >= 0, let message else { throw NetlinkFailure(libnlCode: status, request: "RTM_GETLINK") }
        if let netnsid {
            _ = nla_put_s32(message, Int32(IFLA_TARGET_NETNSID), netnsid)
        }
        return message
    }

    /// RTM_GETLINK with NLM_F_DUMP.
    static func dumpLinks() throws(NetlinkFailure) -> OpaquePointer {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        return try dumpRequest(RTM_GETLINK, "RTM_GETLINK", header: header)
    }

    /// A `type` request with NLM_F_DUMP whose body is `header` (the family
    /// header the kernel reads first: ifinfomsg, ndmsg, ...).
    static func dumpRequest<Header>(_ type: Int, _ name: String, header: Header) throws(NetlinkFailure) -> OpaquePointer {
        guard let message = nlmsg_alloc_simple(Int32(type), NLM_F_DUMP) else {
            throw NetlinkFailure(errno: .outOfMemory, request: name)
        }
        var header = header
        _ = nlmsg_append(message, &header, MemoryLayout<Header>.size, Int32(NLMSG_ALIGNTO))
        return message
    }

    /// RTM_NEWLINK changing only `ifi_flags` under `ifi_change`
    /// (`rtnl_link_set_flags` / `rtnl_link_unset_flags` on a change object,
    /// `rtnl_link_build_change_request`, as `rtnl_link_change` does).
    static func changeFlags(index: Int32, set: UInt32, clear: UInt32) throws(NetlinkFailure) -> OpaquePointer {
        guard let original = rtnl_link_alloc(), let change = rtnl_link_alloc() else {
            throw NetlinkFailure(errno: .outOfMemory, request: "RTM_NEWLINK")
        }
        defer { rtnl_link_put(original); rtnl_link_put(change) }
        rtnl_link_set_ifindex(original, index)
        if set != 0 { rtnl_link_set_flags(change, set) }
        if clear != 0 { rtnl_link_unset_flags(change, clear) }
        var message: OpaquePointer?
        let status = rtnl_link_build_change_request(original, change, 0, &message)
        guard status >= 0, let message else { throw NetlinkFailure(libnlCode: status, request: "RTM_NEWLINK") }
        return message
    }

    /// RTM_GETNSID for the namespace behind `fd` (linux/net_namespace.h:
    /// NETNSA_FD = 3; the reply carries NETNSA_NSID = 1).
    static func getNsid(namespaceFD fd: Int32) throws(NetlinkFailure) -> OpaquePointer {
        guard let message = nlmsg_alloc_simple(Int32(RTM_GETNSID), 0) else {
            throw NetlinkFailure(errno: .outOfMemory, request: "RTM_GETNSID")
        }
        var header = rtgenmsg(rtgen_family: UInt8(AF_UNSPEC))
        _ = nlmsg_append(message, &header, MemoryLayout<rtgenmsg>.size, Int32(NLMSG_ALIGNTO))
        _ = nla_put_u32(message, netnsaFD, UInt32(bitPattern: fd))
        return message
    }

    static let netnsaNSID: Int32 = 1
    static let netnsaFD: Int32 = 3

    /// The NETNSA_NSID of an RTM_NEWNSID reply, nil when not assigned.
    static func nsid(from message: OpaquePointer) -> Int32? {
        guard let header = nlmsg_hdr(message), header.pointee.nlmsg_type == UInt16(RTM_NEWNSID) else { return nil }
        let attributes = NetlinkAttributes(head: nlmsg_attrdata(header, Int32(MemoryLayout<rtgenmsg>.size)),
                                           length: nlmsg_attrlen(header, Int32(MemoryLayout<rtgenmsg>.size)))
        guard let value = attributes.first(netnsaNSID) else { return nil }
        let nsid = Int32(bitPattern: nla_get_u32(value))
        return nsid < 0 ? nil : nsid
    }

    /// Parses an RTM_NEWLINK/RTM_DELLINK message with `nl_msg_parse` into a
    /// `LinkInfo`; nil for other message types.
    static func linkInfo(from message: OpaquePointer) -> LinkInfo? {
        let box = LinkBox()
        let context = Unmanaged.passUnretained(box).toOpaque()
        _ = nl_msg_parse(message, parsedLink, context)
        return box.link
    }

    /// RTM_NEWLINK, RTM_DELLINK or something else.
    static func messageType(_ message: OpaquePointer) -> UInt16 {
        nlmsg_hdr(message)?.pointee.nlmsg_type ?? 0
    }
}

private final class LinkBox { var link: LinkInfo? }

private let parsedLink: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { object, arg in
    guard let object, let arg else { return }
    let box = Unmanaged<LinkBox>.fromOpaque(arg).takeUnretainedValue()
    box.link = LinkInfo(rtnlLink: object)
}

extension LinkInfo {
    /// Reads a `struct rtnl_link` (libnl-route-3 getters).
    init(rtnlLink link: OpaquePointer) {
        let name = rtnl_link_get_name(link).map { String(cString: $0) } ?? ""
        var netnsid: Int32 = 0
        let hasNetnsid = rtnl_link_get_link_netnsid(link, &netnsid) == 0
        let linkIndex = rtnl_link_get_link(link)
        var address: String?
        if let addr = rtnl_link_get_addr(link), nl_addr_get_len(addr) > 0 {
            var buffer = [CChar](repeating: 0, count: 64)
            address = String(cString: nl_addr2str(addr, &buffer, buffer.count))
        }
        var statistics = LinkStatistics()
        statistics.rxPackets = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS)
        statistics.txPackets = rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS)
        statistics.rxBytes = rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES)
        statistics.txBytes = rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES)
        statistics.rxDropped = rtnl_link_get_stat(link, RTNL_LINK_RX_DROPPED)
        statistics.txDropped = rtnl_link_get_stat(link, RTNL_LINK_TX_DROPPED)
        statistics.rxErrors = rtnl_link_get_stat(link, RTNL_LINK_RX_ERRORS)
        statistics.txErrors = rtnl_link_get_stat(link, RTNL_LINK_TX_ERRORS)
        let ifindex = Int32(rtnl_link_get_ifindex(link))
        self.init(ifindex: ifindex, name: name, flags: UInt32(rtnl_link_get_flags(link)),
                  operState: OperState(kernelValue: rtnl_link_get_operstate(link)),
                  carrier: rtnl_link_get_carrier(link) != 0,
                  mtu: UInt32(rtnl_link_get_mtu(link)),
                  promiscuity: rtnl_link_get_promiscuity(link),
                  kind: rtnl_link_get_type(link).map { String(cString: $0) },
                  linkIndex: (linkIndex > 0 && (linkIndex != ifindex || hasNetnsid)) ? linkIndex : nil,
                  linkNetnsid: hasNetnsid ? netnsid : nil,
                  address: address, driver: nil, statistics: statistics)
    }
}

/// The attributes of one netlink attribute stream, walked with libnl's
/// `nla_ok`/`nla_next` (the `nla_for_each_*` macros do not import).
struct NetlinkAttributes {
    var entries: [(type: Int32, attribute: UnsafeMutablePointer<nlattr>)] = []

    init(head: UnsafeMutablePointer<nlattr>?, length: Int32) {
        guard var current = head else { return }
        var remaining = length
        while nla_ok(current, remaining) != 0 {
            entries.append((nla_type(current), current))
            guard let next = nla_next(current, &remaining) else { break }
            current = next
        }
    }

    /// The attributes nested inside `attribute`.
    init(nestedIn attribute: UnsafeMutablePointer<nlattr>) {
        self.init(head: nla_data(attribute)?.assumingMemoryBound(to: nlattr.self), length: nla_len(attribute))
    }

    func first(_ type: Int32) -> UnsafeMutablePointer<nlattr>? {
        entries.first { $0.type == type }?.attribute
    }

    func all(_ type: Int32) -> [UnsafeMutablePointer<nlattr>] {
        entries.filter { $0.type == type }.map(\.attribute)
    }
}
