import ValeDatapath
import ValeState
/// What the engine needs to create, read and delete overlay devices (ValeLink
/// over libnl-route-3 in valed; a fake in engine tests).
public protocol TunnelManaging: Sendable {
    /// The device called `name` as the kernel reports it; nil when no
    /// interface has that name.
    func observe(_ name: String) -> ObservedTunnel?
    /// Creates the device with the spec's settings, its MTU set by the MTU
    /// rule, up, with one FDB default entry per VXLAN remote. Returns the MTU.
    /// Either the whole device exists afterwards or nothing does.
    func create(_ spec: TunnelSpec) throws -> Int
    /// Deletes the device (and with it its FDB entries).
    func delete(_ name: String) throws
    /// Makes a VXLAN device's default FDB entries equal to `spec.remotes`.
    func setRemotes(_ spec: TunnelSpec) throws
    /// The MTU of an interface; nil when it does not exist.
    func mtu(of interface: String) -> Int?
}

/// For an engine without netlink: no tunnel exists and none can be made.
public struct NoTunnels: TunnelManaging {
    public init() {}
    public func observe(_ name: String) -> ObservedTunnel? { nil }
    public func create(_ spec: TunnelSpec) throws -> Int {
        throw EngineError(.notSupported, "tunnels need netlink, which this valed does not have")
    }
    public func delete(_ name: String) throws {}
    public func setRemotes(_ spec: TunnelSpec) throws {
        throw EngineError(.notSupported, "tunnels need netlink, which this valed does not have")
    }
    public func mtu(of interface: String) -> Int? { nil }
}
