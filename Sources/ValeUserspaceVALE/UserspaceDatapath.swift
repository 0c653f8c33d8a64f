import Foundation
import ValeDatapath
import ValeState
import ValeSwitch

/// valed's own learning switches (ValeSwitch): NICs and veths over
/// AF_PACKET, persistent ports as TAP devices. Used where netmap is absent.
public final class UserspaceDatapath: Datapath {
    let host: UserspaceSwitchHost
    let configuration: SwitchConfiguration
    public let info: DatapathInfo
    /// Ports carry virtio-net headers (PACKET_VNET_HDR, IFF_VNET_HDR): partial
    /// checksums and GSO super-frames cross the switch with their metadata,
    /// so NICs, veths and TAPs keep their offloads (issue 11).
    public var capabilities: Capabilities {
        Capabilities(polling: false, vnetHeader: false, ringDetails: false, pipes: false, monitors: true, moduleLifecycle: false,
                     carriesOffloads: true, bufferSize: nil)
    }

    public init(host: UserspaceSwitchHost = UserspaceSwitchHost(), configuration: UserspaceConfig, reason: String) {
        self.host = host
        self.configuration = SwitchConfiguration(tableSize: configuration.macTableSize, agingSeconds: configuration.macAgingSeconds,
                                                 receiveRingMiB: configuration.ringMiB)
        self.info = DatapathInfo(kind: .userspace, reason: reason)
    }

    public func observe() throws -> [ObservedPort] {
        var result: [ObservedPort] = []
        for (bridge, sw) in host.list().sorted(by: { $0.name < $1.name }).enumerated() {
            for port in sw.ports {
                let c = port.counters
                result.append(ObservedPort(switchName: sw.name, port: port.name, bridgeIndex: bridge, portIndex: port.index,
                                           counters: Counters(rxPackets: c.rxPackets, rxBytes: c.rxBytes, txPackets: c.txPackets,
                                                                  txBytes: c.txBytes, drops: c.drops)))
                if port.hostStack {
                    // The host stack keeps its own path through the NIC here (AF_PACKET
                    // copies, it does not divert); the entry marks the attach mode.
                    result.append(ObservedPort(switchName: sw.name, port: port.name + "^", bridgeIndex: bridge, portIndex: port.index))
                }
            }
        }
        return result
    }

    public func interfaceExists(_ name: String) -> Bool { if_nametoindex(name) != 0 }

    public func createPersistentPort(_ spec: PersistentPortSpec) throws -> PortGeometry {
        let uid = try spec.user.map { try Self.userID($0) }
        let gid = try spec.group.map { try Self.groupID($0) }
        _ = try host.createTAP(spec.name, owner: uid, group: gid)
        return spec.geometry
    }

    public func deletePersistentPort(named name: String) throws {
        try host.deleteTAP(name)
    }

    public func attach(_ spec: AttachmentSpec) throws -> UInt32 {
        if !host.list().contains(where: { $0.name == spec.switchName }) {
            try host.createSwitch(spec.switchName, configuration: configuration)
        }
        return UInt32(try host.attachInterface(switch: spec.switchName, interface: spec.interface, hostStack: spec.hostStack))
    }

    public func detach(switchName: String, interface: String) throws {
        _ = try host.detach(switch: switchName, interface: interface)
        // Like VALE, a switch exists only while it has ports.
        if let sw = host.list().first(where: { $0.name == switchName }), sw.ports.isEmpty {
            try host.deleteSwitch(switchName)
        }
    }

    public func enablePolling(switchName: String, interface: String, _ polling: PollingSpec) throws {
        throw DatapathError(.notSupported(feature: ""), "polling on \(switchName):\(interface): kernel polling threads exist only on the kernel datapath")
    }

    public func disablePolling(switchName: String, interface: String) throws {
        throw DatapathError(.notSupported(feature: ""), "polling on \(switchName):\(interface): kernel polling threads exist only on the kernel datapath")
    }

    public func setVnetHeaderLength(switchName: String, port: String, length: UInt32) throws {
        guard length == 0 else {
            throw DatapathError(.notSupported(feature: ""), "cannot set the vnet header of \(switchName):\(port): the userspace switch carries plain Ethernet frames (length 0 only)")
        }
    }

    public func portDetails(switchName: String?, port: String) throws -> PortDetails {
        throw DatapathError(.notSupported(feature: ""), "ring geometry exists only for netmap ports")
    }

    /// The switch host, for monitors.
    public var switchHost: UserspaceSwitchHost { host }

    public func learnedAddressCounts() -> [(switchName: String, addresses: Int)] {
        host.list().map { (switchName: $0.name, addresses: $0.learnedAddresses) }
    }

    static func userID(_ name: String) throws -> UInt32 {
        if let n = UInt32(name) { return n }
        guard let pw = getpwnam(name) else { throw DatapathError(.invalidArgument(parameter: ""), "no user named \(name)") }
        return pw.pointee.pw_uid
    }

    static func groupID(_ name: String) throws -> UInt32 {
        if let n = UInt32(name) { return n }
        guard let gr = getgrnam(name) else { throw DatapathError(.invalidArgument(parameter: ""), "no group named \(name)") }
        return gr.pointee.gr_gid
    }
}
