import CNetlink
import CNetlinkRoute
import CLinuxUAPI
#if canImport(Glibc)
import Glibc
#endif
import NetAddress

/// rtnetlink requests for overlay devices, built with libnl-route-3's link
/// and neighbour objects (never by running `ip` or `bridge`).
enum TunnelMessages {
    /// An `nl_addr` for `address` (`nl_addr_build`); the caller puts it.
    static func nlAddress(_ address: IPAddress) -> OpaquePointer? {
        var bytes = address.bytes
        return nl_addr_build(address.family, &bytes, bytes.count)
    }

    /// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL for a VXLAN or Geneve device.
    static func createLink(_ request: TunnelLinkRequest) throws(NetlinkFailure) -> OpaquePointer {
        let name = "RTM_NEWLINK \(request.kind.rawValue)"
        guard let link = request.kind == .vxlan ? rtnl_link_vxlan_alloc() : rtnl_link_geneve_alloc() else {
            throw NetlinkFailure(errno: .outOfMemory, request: name)
        }
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, request.name)
        if let mtu = request.mtu { rtnl_link_set_mtu(link, mtu) }
        if request.up { rtnl_link_set_flags(link, LinkFlag.up) }
        var status: Int32 = 0
        func check(_ code: Int32) throws(NetlinkFailure) {
            if code < 0 { throw NetlinkFailure(libnlCode: code, request: name) }
        }
        switch request.kind {
        case .vxlan:
            try check(rtnl_link_vxlan_set_id(link, request.vni))
            try check(rtnl_link_vxlan_set_port(link, UInt32(request.port)))
            if let index = request.underlayIndex { try check(rtnl_link_vxlan_set_link(link, UInt32(bitPattern: index))) }
            // No local address over IPv6: "::" (IFLA_VXLAN_LOCAL6) makes the
            // device IPv6 with any source address.
            if let local = request.local ?? (request.overIPv6 ? "::" : nil) {
                guard let parsed = IPAddress(local), let address = nlAddress(parsed) else {
                    throw NetlinkFailure(errno: .invalidArgument, request: name, libraryMessage: "\(local) is not an IP address")
                }
                defer { nl_addr_put(address) }
                try check(rtnl_link_vxlan_set_local(link, address))
            }
            // Learn which VTEP a MAC is behind from what arrives: unicast then
            // goes to one remote, not to every default entry.
            try check(rtnl_link_vxlan_set_learning(link, 1))
        case .geneve:
            try check(rtnl_link_geneve_set_id(link, request.vni))
            try check(rtnl_link_geneve_set_port(link, UInt32(request.port)))
            if let remote = request.remote {
                guard let parsed = IPAddress(remote), let address = nlAddress(parsed) else {
                    throw NetlinkFailure(errno: .invalidArgument, request: name, libraryMessage: "\(remote) is not an IP address")
                }
                defer { nl_addr_put(address) }
                try check(rtnl_link_geneve_set_remote(link, address))
            }
        }
        var message: OpaquePointer?
        status = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &message)
        guard status >= 0, let message else { throw NetlinkFailure(libnlCode: status, request: name) }
        return message
    }

    /// RTM_DELLINK by index (`rtnl_link_build_delete_request`).
    static func deleteLink(index: Int32) throws(NetlinkFailure) -> OpaquePointer {
        guard let link = rtnl_link_alloc() else { throw NetlinkFailure(errno: .outOfMemory, request: "RTM_DELLINK") }
        defer { rtnl_link_put(link) }
        rtnl_link_set_ifindex(link, index)
        var message: OpaquePointer?
        let status = rtnl_link_build_delete_request(link, &message)
        guard status >= 0, let message else { throw NetlinkFailure(libnlCode: status, request: "RTM_DELLINK") }
        return message
    }

    /// RTM_NEWNEIGH (NLM_F_CREATE|NLM_F_APPEND) or RTM_DELNEIGH of the
    /// all-zero MAC with NDA_DST on a VXLAN device, family AF_BRIDGE, NTF_SELF,
    /// permanent: `bridge fdb append|del 00:00:00:00:00:00 dev IF dst IP`.
    static func defaultFDB(ifindex: Int32, destination: IPAddress, add: Bool) throws(NetlinkFailure) -> OpaquePointer {
        let name = add ? "RTM_NEWNEIGH" : "RTM_DELNEIGH"
        guard let neigh = rtnl_neigh_alloc() else { throw NetlinkFailure(errno: .outOfMemory, request: name) }
        defer { rtnl_neigh_put(neigh) }
        var zero = [UInt8](repeating: 0, count: 6)
        guard let mac = nl_addr_build(AF_LLC, &zero, zero.count), let dst = nlAddress(destination) else {
            throw NetlinkFailure(errno: .outOfMemory, request: name)
        }
        defer { nl_addr_put(mac); nl_addr_put(dst) }
        // rtnl_neigh_set_dst refuses (NLE_AF_MISMATCH) an address whose family
        // differs from the object's, and takes the object's family from it
        // when none is set: destination first, AF_BRIDGE after.
        let assigned = rtnl_neigh_set_dst(neigh, dst)
        if assigned < 0 { throw NetlinkFailure(libnlCode: assigned, request: name) }
        rtnl_neigh_set_family(neigh, AF_BRIDGE)
        rtnl_neigh_set_ifindex(neigh, ifindex)
        rtnl_neigh_set_lladdr(neigh, mac)
        rtnl_neigh_set_flags(neigh, UInt32(NTF_SELF))
        rtnl_neigh_set_state(neigh, Int32(NUD_NOARP | NUD_PERMANENT))
        var message: OpaquePointer?
        let status = add ? rtnl_neigh_build_add_request(neigh, NLM_F_CREATE | NLM_F_APPEND, &message)
            : rtnl_neigh_build_delete_request(neigh, 0, &message)
        guard status >= 0, let message else { throw NetlinkFailure(libnlCode: status, request: name) }
        return message
    }

    /// RTM_GETNEIGH dump of the bridge FDB (family AF_BRIDGE).
    static func dumpFDB() throws(NetlinkFailure) -> OpaquePointer {
        var header = ndmsg()
        header.ndm_family = UInt8(AF_BRIDGE)
        return try RouteMessages.dumpRequest(RTM_GETNEIGH, "RTM_GETNEIGH", header: header)
    }

    /// One FDB entry of `ifindex` from an RTM_NEWNEIGH message, else nil.
    /// Read by hand: libnl's neighbour parser gives NDA_DST of AF_BRIDGE
    /// entries no address family on some versions.
    static func fdbEntry(from message: OpaquePointer, ifindex: Int32) -> FDBEntry? {
        guard let header = nlmsg_hdr(message), header.pointee.nlmsg_type == UInt16(RTM_NEWNEIGH),
              let body = nlmsg_data(header) else { return nil }
        let neighbour = body.loadUnaligned(as: ndmsg.self)
        guard neighbour.ndm_ifindex == ifindex, neighbour.ndm_family == UInt8(AF_BRIDGE) else { return nil }
        let size = Int32(MemoryLayout<ndmsg>.size)
        let attributes = NetlinkAttributes(head: nlmsg_attrdata(header, size), length: nlmsg_attrlen(header, size))
        func bytes(_ attribute: UnsafeMutablePointer<nlattr>) -> [UInt8] {
            guard let data = nla_data(attribute) else { return [] }
            return Array(UnsafeRawBufferPointer(start: data, count: Int(nla_len(attribute))))
        }
        guard let lladdr = attributes.first(Int32(NDA_LLADDR)) else { return nil }
        let mac = bytes(lladdr).map { String(format: "%02x", $0) }.joined(separator: ":")
        var destination: String?
        if let dst = attributes.first(Int32(NDA_DST)) {
            let raw = bytes(dst)
            destination = IPAddress(family: raw.count == 16 ? AF_INET6 : AF_INET, bytes: raw)?.description
        }
        return FDBEntry(mac: mac, destination: destination)
    }

    /// RTM_GETROUTE for `destination`: the route the kernel would use.
    static func getRoute(to destination: IPAddress) throws(NetlinkFailure) -> OpaquePointer {
        guard let message = nlmsg_alloc_simple(Int32(RTM_GETROUTE), 0) else {
            throw NetlinkFailure(errno: .outOfMemory, request: "RTM_GETROUTE")
        }
        var header = rtmsg()
        header.rtm_family = UInt8(destination.family)
        header.rtm_dst_len = UInt8(destination.bytes.count * 8)
        _ = nlmsg_append(message, &header, MemoryLayout<rtmsg>.size, Int32(NLMSG_ALIGNTO))
        var bytes = destination.bytes
        _ = nla_put(message, Int32(RTA_DST.rawValue), Int32(bytes.count), &bytes)
        return message
    }

    /// RTA_OIF of an RTM_NEWROUTE reply.
    static func outputInterface(from message: OpaquePointer) -> Int32? {
        guard let header = nlmsg_hdr(message), header.pointee.nlmsg_type == UInt16(RTM_NEWROUTE) else { return nil }
        let size = Int32(MemoryLayout<rtmsg>.size)
        let attributes = NetlinkAttributes(head: nlmsg_attrdata(header, size), length: nlmsg_attrlen(header, size))
        return attributes.first(Int32(RTA_OIF.rawValue)).map { Int32(bitPattern: nla_get_u32($0)) }
    }

    /// Reads the VXLAN or Geneve attributes of an RTM_NEWLINK reply.
    static func tunnelInfo(from message: OpaquePointer) -> TunnelLinkInfo? {
        let box = TunnelBox()
        let context = Unmanaged.passUnretained(box).toOpaque()
        _ = nl_msg_parse(message, parsedTunnel, context)
        return box.info
    }
}

private final class TunnelBox { var info: TunnelLinkInfo? }

private let parsedTunnel: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { object, arg in
    guard let object, let arg else { return }
    let box = Unmanaged<TunnelBox>.fromOpaque(arg).takeUnretainedValue()
    var info = TunnelLinkInfo(link: LinkInfo(rtnlLink: object))
    func text(_ address: OpaquePointer?) -> String? {
        guard let address, nl_addr_get_len(address) > 0 else { return nil }
        let raw = Array(UnsafeRawBufferPointer(start: nl_addr_get_binary_addr(address), count: Int(nl_addr_get_len(address))))
        let family = raw.count == 16 ? AF_INET6 : AF_INET
        guard let parsed = IPAddress(family: family, bytes: raw), !parsed.isUnspecified else { return nil }
        return parsed.description
    }
    var value: UInt32 = 0
    if rtnl_link_is_vxlan(object) != 0 {
        info.kind = .vxlan
        if rtnl_link_vxlan_get_id(object, &value) == 0 { info.vni = value }
        if rtnl_link_vxlan_get_port(object, &value) == 0 { info.port = UInt16(truncatingIfNeeded: value) }
        if rtnl_link_vxlan_get_link(object, &value) == 0, value != 0 { info.underlayIndex = Int32(bitPattern: value) }
        var address: OpaquePointer?
        if rtnl_link_vxlan_get_local(object, &address) == 0 { info.local = text(address); nl_addr_put(address) }
    } else if rtnl_link_is_geneve(object) != 0 {
        info.kind = .geneve
        if rtnl_link_geneve_get_id(object, &value) == 0 { info.vni = value }
        if rtnl_link_geneve_get_port(object, &value) == 0 { info.port = UInt16(truncatingIfNeeded: value) }
        var address: OpaquePointer?
        if rtnl_link_geneve_get_remote(object, &address) == 0 { info.remote = text(address); nl_addr_put(address) }
    }
    box.info = info
}
