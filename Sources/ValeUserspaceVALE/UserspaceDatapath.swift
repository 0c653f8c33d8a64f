import Foundation
import ValeDatapath
import ValeForwarding
import ValeState

/// valed's own learning switches, run by vale-switchd (docs/forwarder.md):
/// NICs and veths over AF_PACKET, persistent ports as TAP devices. Used
/// where netmap is absent. The switches live in that process, so stopping,
/// restarting or upgrading valed leaves them forwarding, as netmap's do in
/// the kernel; this provider drives it over `io.valed.forwarder` and never
/// forwards a frame itself.
public final class UserspaceDatapath: Datapath {
    let forwarder: ForwarderSupervisor
    let switchConfiguration: UserspaceConfig
    public let info: DatapathInfo
    /// Ports carry virtio-net headers (PACKET_VNET_HDR, IFF_VNET_HDR): partial
    /// checksums and GSO super-frames cross the switch with their metadata,
    /// so NICs, veths and TAPs keep their offloads (issue 11).
    public var capabilities: Capabilities {
        Capabilities(polling: false, vnetHeader: false, ringDetails: false, pipes: false, monitors: true, moduleLifecycle: false,
                     carriesOffloads: true, bufferSize: nil)
    }

    public init(forwarder: ForwarderSupervisor, configuration: UserspaceConfig, reason: String) {
        self.forwarder = forwarder
        self.switchConfiguration = configuration
        self.info = DatapathInfo(kind: .userspace, reason: reason, component: "vale-switchd")
    }

    // MARK: Calls to vale-switchd

    /// A change: starts a forwarder stopped on purpose (spawn mode) and, when
    /// the call finds nobody at the socket, starts one and calls again.
    func change<T>(_ what: String, _ body: (ForwarderClient) throws -> T) throws -> T {
        do {
            _ = try forwarder.prepare(forChange: true)
            return try body(forwarder.client)
        } catch let error as ForwarderClientError {
            guard case .unreachable = error, forwarder.settings.mode == .spawn else {
                throw DatapathError.forwarder(error, doing: what, socket: forwarder.settings.socket)
            }
            // Nobody at the socket: start one and call again, or say why not.
            if let failure = forwarder.startFailure() {
                throw DatapathError(.systemError(object: "vale-switchd"),
                                    "cannot \(what): vale-switchd is not running (socket \(forwarder.settings.socket)): \(failure)")
            }
            do { return try body(forwarder.client) } catch {
                throw DatapathError.forwarder(error, doing: what, socket: forwarder.settings.socket)
            }
        } catch {
            throw DatapathError.forwarder(error, doing: what, socket: forwarder.settings.socket)
        }
    }

    /// A read: `stopped` when the forwarder was stopped on purpose (teardown),
    /// whose switches are gone; otherwise like `change`.
    func read<T>(_ what: String, stopped: T, _ body: (ForwarderClient) throws -> T) throws -> T {
        let running: Bool
        do { running = try forwarder.prepare(forChange: false) } catch {
            throw DatapathError.forwarder(error, doing: what, socket: forwarder.settings.socket)
        }
        guard running else { return stopped }
        return try change(what, body)
    }

    // MARK: Datapath

    public func observe() throws -> [ObservedPort] {
        let list = try read("list the userspace switches", stopped: ForwarderListReply(switches: [], pending: [], taps: [])) { try $0.list() }
        var result: [ObservedPort] = []
        for (bridge, sw) in list.switches.sorted(by: { $0.name < $1.name }).enumerated() {
            for port in sw.ports.sorted(by: { $0.index < $1.index }) {
                let c = port.counters
                result.append(ObservedPort(switchName: sw.name, port: port.interface, bridgeIndex: bridge, portIndex: port.index,
                                           counters: Counters(rxPackets: c.rxPackets, rxBytes: c.rxBytes, txPackets: c.txPackets,
                                                              txBytes: c.txBytes, drops: c.rxDrops + c.txDrops)))
                if port.hostStack {
                    // The host stack keeps its own path through the NIC here (AF_PACKET
                    // copies, it does not divert); the entry marks the attach mode.
                    result.append(ObservedPort(switchName: sw.name, port: port.interface + "^", bridgeIndex: bridge, portIndex: port.index))
                }
            }
        }
        return result
    }

    public func interfaceExists(_ name: String) -> Bool { if_nametoindex(name) != 0 }

    /// Nobody forwards: no vale-switchd answers and none could be started.
    public func unavailability() -> String? { forwarder.unavailability() }
    public var generation: UInt64 { forwarder.generation }

    public func createPersistentPort(_ spec: PersistentPortSpec) throws -> PortGeometry {
        let uid = try spec.user.map { try Self.userID($0) }
        let gid = try spec.group.map { try Self.groupID($0) }
        try change("create the TAP device \(spec.name)") {
            try $0.createTAP(CreateTAPParameters(name: spec.name, uid: uid, gid: gid))
        }
        return spec.geometry
    }

    public func deletePersistentPort(named name: String) throws {
        try change("delete the TAP device \(name)") { try $0.deleteTAP(name) }
    }

    public func attach(_ spec: AttachmentSpec) throws -> UInt32 {
        let target = "\(spec.switchName):\(spec.interface)"
        return try change("attach \(target)") { client in
            do {
                try client.createSwitch(CreateSwitchParameters(name: spec.switchName, tableSize: switchConfiguration.macTableSize,
                                                               agingSeconds: switchConfiguration.macAgingSeconds,
                                                               ringMiB: switchConfiguration.ringMiB))
            } catch where DatapathError.isForwarderError(error, named: ForwarderError.alreadyExists) {
                // The switch runs with the tunables it was made with (changed
                // `userspace:` settings apply to switches created afterwards).
            }
            return UInt32(try client.attach(switch: spec.switchName, interface: spec.interface, hostStack: spec.hostStack).port)
        }
    }

    public func detach(switchName: String, interface: String) throws {
        try change("detach \(switchName):\(interface)") { client in
            try client.detach(switch: switchName, interface: interface)
            // Like VALE, a switch exists only while it has ports.
            let list = try client.list()
            if let sw = list.switches.first(where: { $0.name == switchName }), sw.ports.isEmpty,
               !list.pending.contains(where: { $0.switchName == switchName }) {
                try client.deleteSwitch(switchName)
            }
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

    public func learnedAddressCounts() -> [(switchName: String, addresses: Int)] {
        guard let list = try? read("count learned addresses", stopped: ForwarderListReply(switches: [], pending: [], taps: []), { try $0.list() }) else {
            return []
        }
        return list.switches.map { (switchName: $0.name, addresses: $0.learnedAddresses) }
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
