#if canImport(Glibc)
import Glibc
#endif
import NetAddress

/// The seam between ValeLink and the kernel: every netlink exchange and the
/// one ethtool ioctl go through here. `LibnlSession` is the live
/// implementation over libnl-3; unit tests substitute a recorder that
/// returns chosen values or throws chosen errnos.
///
/// Each method is one request/reply with the kernel and throws
/// `NetlinkFailure` carrying the kernel's errno. Implementations must be
/// safe to call from several threads.
public protocol NetlinkSession: Sendable {
    /// RTM_GETLINK by name (`rtnl_link_build_get_request`, reply parsed to `struct rtnl_link`).
    func link(named name: String) throws(NetlinkFailure) -> LinkInfo
    /// RTM_GETLINK by index; with `netnsid`, in that peer namespace (IFLA_TARGET_NETNSID).
    func link(index: Int32, netnsid: Int32?) throws(NetlinkFailure) -> LinkInfo
    /// RTM_GETLINK dump of every interface in the session's namespace.
    func links() throws(NetlinkFailure) -> [LinkInfo]
    /// RTM_NEWLINK with `ifi_flags`/`ifi_change` (`rtnl_link_set_flags`,
    /// `rtnl_link_unset_flags`, `rtnl_link_build_change_request`).
    func changeFlags(index: Int32, set: UInt32, clear: UInt32) throws(NetlinkFailure)
    /// ETHTOOL_MSG_FEATURES_GET (compact bitsets) named through ETHTOOL_MSG_STRSET_GET.
    func features(of name: String) throws(NetlinkFailure) -> FeatureTable
    /// ETHTOOL_MSG_FEATURES_SET of `wanted` bits by name; other bits are untouched.
    func setFeatures(of name: String, _ wanted: [String: Bool]) throws(NetlinkFailure)
    /// ETHTOOL_MSG_PAUSE_GET.
    func pause(of name: String) throws(NetlinkFailure) -> PauseSettings
    /// ETHTOOL_MSG_PAUSE_SET.
    func setPause(of name: String, _ settings: PauseSettings) throws(NetlinkFailure)
    /// SIOCETHTOOL ETHTOOL_GDRVINFO.
    func driverInfo(of name: String) throws(NetlinkFailure) -> DriverInfo
    /// RTM_GETNSID for each file in /run/netns: the name of the namespace
    /// that has `nsid` in ours, or nil when none of them does.
    func namespaceName(nsid: Int32) throws(NetlinkFailure) -> String?
    /// Blocks until `name` has IFF_LOWER_UP or `timeout` passes, watching
    /// RTNLGRP_LINK events (no sleep loop). Returns whether carrier came.
    func waitForLowerUp(named name: String, timeout: Duration) throws(NetlinkFailure) -> Bool
    /// RTM_NEWLINK (NLM_F_CREATE|NLM_F_EXCL) of a VXLAN or Geneve device.
    func createTunnel(_ request: TunnelLinkRequest) throws(NetlinkFailure)
    /// RTM_DELLINK.
    func deleteLink(index: Int32) throws(NetlinkFailure)
    /// RTM_GETLINK by name, with the VXLAN/Geneve attributes.
    func tunnelLink(named name: String) throws(NetlinkFailure) -> TunnelLinkInfo
    /// RTM_GETNEIGH dump (AF_BRIDGE): the FDB entries of one device.
    func bridgeFDB(ifindex: Int32) throws(NetlinkFailure) -> [FDBEntry]
    /// RTM_NEWNEIGH with NLM_F_APPEND, or RTM_DELNEIGH, of a VXLAN default entry.
    func changeDefaultFDB(ifindex: Int32, destination: IPAddress, add: Bool) throws(NetlinkFailure)
    /// RTM_GETROUTE: the interface traffic to `destination` leaves by.
    func routeInterface(to destination: IPAddress) throws(NetlinkFailure) -> Int32
}

/// Tunnel calls for sessions that do not implement them (test recorders
/// written before overlays existed): each answers EOPNOTSUPP.
extension NetlinkSession {
    public func createTunnel(_ request: TunnelLinkRequest) throws(NetlinkFailure) {
        throw NetlinkFailure(errno: .notSupported, request: "RTM_NEWLINK")
    }
    public func deleteLink(index: Int32) throws(NetlinkFailure) {
        throw NetlinkFailure(errno: .notSupported, request: "RTM_DELLINK")
    }
    public func tunnelLink(named name: String) throws(NetlinkFailure) -> TunnelLinkInfo {
        throw NetlinkFailure(errno: .notSupported, request: "RTM_GETLINK")
    }
    public func bridgeFDB(ifindex: Int32) throws(NetlinkFailure) -> [FDBEntry] {
        throw NetlinkFailure(errno: .notSupported, request: "RTM_GETNEIGH")
    }
    public func changeDefaultFDB(ifindex: Int32, destination: IPAddress, add: Bool) throws(NetlinkFailure) {
        throw NetlinkFailure(errno: .notSupported, request: add ? "RTM_NEWNEIGH" : "RTM_DELNEIGH")
    }
    public func routeInterface(to destination: IPAddress) throws(NetlinkFailure) -> Int32 {
        throw NetlinkFailure(errno: .notSupported, request: "RTM_GETROUTE")
    }
}
