#if canImport(Glibc)
import Glibc
#endif
import NetAddress

/// Overlay devices: create a VXLAN or Geneve device, give a VXLAN device its
/// remotes as FDB default entries, read both back, delete.
extension LinkManager {
    /// Creates the device (RTM_NEWLINK), then appends one all-zero FDB entry
    /// per VXLAN remote. When a remote cannot be added the device is deleted
    /// again: the caller sees either the whole tunnel or nothing.
    public func createTunnel(_ request: TunnelLinkRequest, remotes: [IPAddress]) throws(LinkError) {
        do {
            try session.createTunnel(request)
        } catch where error.errno == .notSupported {
            // rtnl_newlink answers "Unknown device type" when no driver registered the kind.
            throw LinkError(.notSupported, interface: request.name, errno: .notSupported,
                            message: "\(request.name): cannot create the \(request.kind.rawValue) device: this kernel has no \(request.kind.rawValue) driver (CONFIG_\(request.kind.rawValue.uppercased()); try modprobe \(request.kind.rawValue))\(error.detail)")
        } catch {
            throw LinkError.from(error, interface: request.name, action: "create the \(request.kind.rawValue) device")
        }
        guard request.kind == .vxlan, !remotes.isEmpty else { return }
        do {
            let link = try link(named: request.name)
            try changeDefaultRemotes(request.name, ifindex: link.ifindex, add: remotes, remove: [])
        } catch {
            try? deleteTunnel(named: request.name)
            throw error
        }
    }

    /// Deletes a device (RTM_DELLINK); its FDB entries go with it. A device
    /// that is already gone is not an error.
    public func deleteTunnel(named name: String) throws(LinkError) {
        let link: LinkInfo
        do { link = try self.link(named: name) } catch where error.code == .noSuchInterface { return }
        do {
            try session.deleteLink(index: link.ifindex)
        } catch where error.errno == .noSuchDevice {
            return
        } catch {
            throw LinkError.from(error, interface: name, action: "delete the device")
        }
    }

    /// The device called `name` with its tunnel attributes; nil when no
    /// interface has that name. `kind` is nil for a device that is not a tunnel.
    public func tunnel(named name: String) throws(LinkError) -> TunnelLinkInfo? {
        do {
            return try session.tunnelLink(named: name)
        } catch where error.errno == .noSuchDevice {
            return nil
        } catch {
            throw LinkError.from(error, interface: name, action: "read the device")
        }
    }

    /// The remotes of a VXLAN device: NDA_DST of its all-zero FDB entries, sorted.
    public func defaultRemotes(_ name: String, ifindex: Int32) throws(LinkError) -> [String] {
        let entries = try call(name, "read the forwarding database") { () throws(NetlinkFailure) in
            try session.bridgeFDB(ifindex: ifindex)
        }
        return Set(entries.filter(\.isDefault).compactMap(\.destination)).sorted()
    }

    /// Appends and removes all-zero FDB entries (`bridge fdb append|del
    /// 00:00:00:00:00:00 dev NAME dst IP`), removals first. Appending an
    /// entry that exists is not an error.
    public func changeDefaultRemotes(_ name: String, ifindex: Int32, add: [IPAddress], remove: [IPAddress]) throws(LinkError) {
        for address in remove {
            do {
                try session.changeDefaultFDB(ifindex: ifindex, destination: address, add: false)
            } catch where error.errno == .noSuchFileOrDirectory {
                continue
            } catch {
                throw LinkError.from(error, interface: name, action: "remove remote \(address)")
            }
        }
        for address in add {
            do {
                try session.changeDefaultFDB(ifindex: ifindex, destination: address, add: true)
            } catch where error.errno == .fileExists {
                continue
            } catch {
                throw LinkError.from(error, interface: name, action: "add remote \(address)")
            }
        }
    }

    /// The interface the kernel routes `destination` through (RTM_GETROUTE).
    public func routeInterface(to destination: IPAddress) throws(LinkError) -> LinkInfo {
        let index = try call("\(destination)", "find a route") { () throws(NetlinkFailure) in
            try session.routeInterface(to: destination)
        }
        return try link(index: index)
    }
}
