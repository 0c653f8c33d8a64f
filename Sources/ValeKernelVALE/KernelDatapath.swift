import Foundation
import NetmapKit
import Synchronization
import ValeDatapath
import ValeState

/// netmap's VALE switches in the kernel, driven through NetmapKit's
/// NIOCCTRL requests on /dev/netmap.
public final class KernelDatapath: Datapath {
    /// The open /dev/netmap, or nil while suspended (module reload) or gone.
    private let openControl: Mutex<NetmapControl?>
    private let reopen: @Sendable () throws -> NetmapControl
    private let devicePresent: @Sendable () -> Bool
    /// Whether a netdev exists in valed's network namespace. A seam: tests
    /// running valed against a model of the kernel answer from the model.
    let netdevExists: @Sendable (String) -> Bool
    /// The `driver: native` swap (ModuleService over libkmod); nil: none.
    let driverSwapper: (@Sendable (String) throws -> String?)?
    /// The native veth rule (NETMAP-API.md 7.5), answered by the NIC layer; nil: none.
    let attachGuard: (@Sendable (AttachmentSpec, Set<String>) -> String?)?
    public let info: DatapathInfo

    public init(control: NetmapControl, reason: String,
                netdevExists: @escaping @Sendable (String) -> Bool = { if_nametoindex($0) != 0 },
                devicePresent: @escaping @Sendable () -> Bool = { FileManager.default.fileExists(atPath: Netmap.devicePath) },
                reopen: @escaping @Sendable () throws -> NetmapControl = { try NetmapControl() },
                driverSwapper: (@Sendable (String) throws -> String?)? = nil,
                attachGuard: (@Sendable (AttachmentSpec, Set<String>) -> String?)? = nil) {
        openControl = Mutex(control)
        self.reopen = reopen
        self.devicePresent = devicePresent
        self.netdevExists = netdevExists
        self.driverSwapper = driverSwapper
        self.attachGuard = attachGuard
        self.info = DatapathInfo(kind: .kernel, reason: reason, netmapAPIVersion: Int(Netmap.apiVersion), component: "netmap")
    }

    /// The open control device, or an error saying why there is none.
    var control: NetmapControl {
        get throws {
            if let c = openControl.withLock({ $0 }) { return c }
            throw DatapathError.failed(unavailability() ?? "\(Netmap.devicePath) is closed while the netmap module is reloaded")
        }
    }

    /// Everything netmap's VALE has; offloads do not cross it (NETMAP-API.md
    /// 7.2), and frames are limited by the global buffer size.
    public var capabilities: Capabilities {
        Capabilities(polling: true, vnetHeader: true, ringDetails: true, pipes: true, monitors: true, moduleLifecycle: true,
                     carriesOffloads: false, bufferSize: bufferSize)
    }

    /// netmap's global buffer size (module parameter `buf_size`, 2048 by default).
    var bufferSize: Int {
        let text = try? String(contentsOfFile: "/sys/module/netmap/parameters/buf_size", encoding: .utf8)
        return text.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 2048
    }

    public func swapToNativeDriver(of interface: String) async throws -> String? {
        guard let swapper = driverSwapper else { return nil }
        return try await onOwnThread(ModuleService.threadName) { try swapper(interface) }
    }

    public func attachProblem(_ spec: AttachmentSpec, attachedInterfaces: Set<String>) -> String? {
        attachGuard?(spec, attachedInterfaces)
    }

    public func unavailability() -> String? {
        devicePresent() ? nil : "netmap was unloaded: \(Netmap.devicePath) is absent (valectl module load, or modprobe netmap, brings it back)"
    }

    public func suspend() {
        let old = openControl.withLock { c -> NetmapControl? in let o = c; c = nil; return o }
        try? old?.close()
    }

    public func resume() throws {
        guard openControl.withLock({ $0 }) == nil else { return }
        let fresh = try reopen()
        openControl.withLock { $0 = fresh }
    }

    public func observe() throws -> [ObservedPort] {
        let entries = try control.list()
        // After the rename trap (NETMAP-API.md 7.11) an entry lacks its
        // "valeX:" prefix; its switch is the one of its bridge index.
        var switchOfBridge: [Int: String] = [:]
        for e in entries where e.hasSwitchPrefix {
            switchOfBridge[e.bridgeIndex] = String(e.name.prefix { $0 != ":" })
        }
        return entries.map { e in
            if e.hasSwitchPrefix, let colon = e.name.firstIndex(of: ":") {
                return ObservedPort(switchName: String(e.name[..<colon]), port: String(e.name[e.name.index(after: colon)...]),
                                    bridgeIndex: e.bridgeIndex, portIndex: e.portIndex)
            }
            return ObservedPort(switchName: switchOfBridge[e.bridgeIndex] ?? "bridge\(e.bridgeIndex)", port: e.name,
                                bridgeIndex: e.bridgeIndex, portIndex: e.portIndex, renamedByKernel: true)
        }
    }

    public func interfaceExists(_ name: String) -> Bool { netdevExists(name) }

    public func createPersistentPort(_ spec: PersistentPortSpec) throws -> PortGeometry {
        let g = spec.geometry
        let result = try control.newInterface(spec.name, NewInterfaceConfig(txSlots: g.txSlots, rxSlots: g.rxSlots,
                                                                             txRings: g.txRings, rxRings: g.rxRings))
        return PortGeometry(txSlots: result.txSlots, rxSlots: result.rxSlots, txRings: result.txRings, rxRings: result.rxRings)
    }

    public func deletePersistentPort(named name: String) throws {
        try control.deleteInterface(name)
    }

    public func attach(_ spec: AttachmentSpec) throws -> UInt32 {
        do {
            return UInt32(try control.attach(spec.key, hostStack: spec.hostStack))
        } catch let error as NetmapError where error.kind == .requestFailed && error.errno == .outOfMemory {
            throw attachOutOfMemory(spec, error)
        }
    }

    /// ENOMEM from VALE_ATTACH has three causes (NETMAP-API.md 7.12); the
    /// list tells which one it was, so the sentence names one (issue 15 item 6).
    func attachOutOfMemory(_ spec: AttachmentSpec, _ error: NetmapError) -> any Error {
        guard let entries = try? control.list() else { return error }
        let bridges = Set(entries.map(\.bridgeIndex))
        let onSwitch = entries.filter { $0.name.hasPrefix("\(spec.switchName):") }
        if let bridge = onSwitch.first?.bridgeIndex {
            let ports = entries.filter { $0.bridgeIndex == bridge }.count
            if ports + (spec.hostStack ? 2 : 1) > 252 {
                return DatapathError.failed("cannot attach \(spec.key): \(spec.switchName) is full (\(ports) of 252 ports) (ENOMEM)")
            }
        } else if !bridges.isEmpty {
            let names = Set(entries.filter(\.hasSwitchPrefix).map { String($0.name.prefix { $0 != ":" }) }).sorted()
            return DatapathError.failed("cannot attach \(spec.key): no switch is free in this network namespace: the kernel has \(bridges.count) (\(names.joined(separator: ", "))), its max_bridges limit (ENOMEM)")
        }
        return error
    }

    public func detach(switchName: String, interface: String) throws {
        _ = try control.detach("\(switchName):\(interface)")
    }

    public func enablePolling(switchName: String, interface: String, _ polling: PollingSpec) throws {
        // Single-CPU mode must carry num = 1; vale-ctl sends 0 and always fails
        // (NETMAP-API.md 5.3). NetmapKit encodes it as {1, cpu, 1}.
        let mode: PollingMode = polling.cpus == 1 ? .singleCPU(cpu: polling.firstCPU) : .multiCPU(first: polling.firstCPU, count: polling.cpus)
        try control.enablePolling("\(switchName):\(interface)", mode)
    }

    public func disablePolling(switchName: String, interface: String) throws {
        do {
            try control.disablePolling("\(switchName):\(interface)")
        } catch let error as NetmapError where error.kind == .requestFailed && error.errno == .badAddress {
            // EFAULT: no thread polls it — someone stopped it outside valed
            // (`vale-ctl -P`, issue 15 item 4). Off is what was asked.
        }
    }

    public func enablePollingUnlessRunning(switchName: String, interface: String, _ polling: PollingSpec) throws -> Bool {
        do {
            try enablePolling(switchName: switchName, interface: interface, polling)
            return true
        } catch let error as NetmapError where error.kind == .requestFailed && error.errno == .badAddress {
            // EFAULT: a thread polls it already (NETMAP-API.md 3.9).
            return false
        }
    }

    public func setVnetHeaderLength(switchName: String, port: String, length: UInt32) throws {
        try control.setHeaderLength("\(switchName):\(port)", length)
    }

    public func portDetails(switchName: String?, port: String) throws -> PortDetails {
        // Asked by plain netdev name: `valeX:nic` is not valid for lookups
        // (EINVAL, NETMAP-API.md 3.2); an attached NIC answers by its name.
        let info = try control.portInfo(port)
        let header = try? control.getHeaderLength(switchName.map { "\($0):\(port)" } ?? port)
        return PortDetails(txSlots: info.txSlots, rxSlots: info.rxSlots, txRings: info.txRings, rxRings: info.rxRings,
                           memoryID: info.memoryRegion, memorySize: info.memorySize, vnetHeaderLength: header)
    }
}
