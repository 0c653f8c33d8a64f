extension LinkManager {
    /// The other end of a veth pair, or nil when `interface` is not a veth.
    ///
    /// The peer's index comes from IFLA_LINK; IFLA_LINK_NETNSID says it lives
    /// in another namespace, whose name is looked up among /run/netns
    /// (RTM_GETNSID) and whose link is read with IFLA_TARGET_NETNSID. Facts
    /// only: the daemon decides whether to refuse a native attach
    /// (NETMAP-API.md 7.5).
    public func vethPeer(of interface: String) throws(LinkError) -> VethPeer? {
        let link = try call(interface, "read the link") { () throws(NetlinkFailure) in try session.link(named: interface) }
        guard link.kind == "veth" else { return nil }
        guard let peerIndex = link.linkIndex else {
            return VethPeer(ifindex: nil, name: nil, sameNamespace: false)
        }
        guard let netnsid = link.linkNetnsid else {
            let peer = try? session.link(index: peerIndex, netnsid: nil)
            return VethPeer(ifindex: peerIndex, name: peer?.name, sameNamespace: true, isUp: peer?.isUp)
        }
        let namespaceName = try? session.namespaceName(nsid: netnsid)
        let peer = try? session.link(index: peerIndex, netnsid: netnsid)
        return VethPeer(ifindex: peerIndex, name: peer?.name, sameNamespace: false, netnsid: netnsid,
                        namespaceName: namespaceName ?? nil, isUp: peer?.isUp)
    }
}
