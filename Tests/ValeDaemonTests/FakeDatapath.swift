import Foundation
import Synchronization
import ValeDatapath
import ValeState

/// An in-memory datapath for engine tests: switches are lists of ports,
/// netdevs a set of names; every mutating call is recorded and any call can
/// be made to fail.
final class FakeDatapath: Datapath, @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }
    private let lock = NSLock()
    var netdevs: Set<String>
    var ports: [ObservedPort] = []
    var calls: [String] = []
    /// Calls (as recorded, e.g. "attach vale0:eth1") that fail with the given message.
    var failures: [String: String] = [:]

    init(netdevs: Set<String>) { self.netdevs = netdevs }

    var info = DatapathInfo(kind: .kernel, reason: "test", component: "netmap")
    /// Moved by a test to say the switches' process was replaced.
    var generation: UInt64 = 0
    /// What the datapath says about offloads (netmap: false).
    var carriesOffloads = false
    /// netmap's, with the offloads and buffer size the test sets.
    var capabilities: Capabilities {
        Capabilities(polling: true, vnetHeader: true, ringDetails: true, pipes: true, monitors: true, moduleLifecycle: true,
                     carriesOffloads: carriesOffloads, bufferSize: bufferSize)
    }

    private func record(_ call: String) throws {
        lock.lock(); defer { lock.unlock() }
        calls.append(call)
        if let message = failures[call] { throw Failure(description: message) }
    }

    /// How often the engine asked for the ports (VALE_LIST).
    var observations: Int { lock.lock(); defer { lock.unlock() }; return observeCount }
    private var observeCount = 0
    func observe() throws -> [ObservedPort] { lock.lock(); defer { lock.unlock() }; observeCount += 1; return ports }
    func interfaceExists(_ name: String) -> Bool { lock.lock(); defer { lock.unlock() }; return netdevs.contains(name) }

    func createPersistentPort(_ spec: PersistentPortSpec) throws -> PortGeometry {
        try record("create \(spec.name)")
        netdevs.insert(spec.name)
        return spec.geometry
    }

    func deletePersistentPort(named name: String) throws {
        try record("delete \(name)")
        netdevs.remove(name)
    }

    func attach(_ spec: AttachmentSpec) throws -> UInt32 {
        try record("attach \(spec.key)")
        let bridge = Set(ports.map(\.switchName)).sorted().firstIndex(of: spec.switchName) ?? Set(ports.map(\.switchName)).count
        let index = (ports.filter { $0.switchName == spec.switchName }.map(\.portIndex).max() ?? -1) + 1
        ports.append(ObservedPort(switchName: spec.switchName, port: spec.interface, bridgeIndex: bridge, portIndex: index))
        if spec.hostStack {
            ports.append(ObservedPort(switchName: spec.switchName, port: spec.interface + "^", bridgeIndex: bridge, portIndex: index + 1))
        }
        return UInt32(index)
    }

    func detach(switchName: String, interface: String) throws {
        try record("detach \(switchName):\(interface)")
        ports.removeAll { $0.switchName == switchName && $0.interface == interface }
    }

    func enablePolling(switchName: String, interface: String, _ polling: PollingSpec) throws {
        try record("polling-on \(switchName):\(interface)")
    }

    func disablePolling(switchName: String, interface: String) throws {
        try record("polling-off \(switchName):\(interface)")
    }

    func setVnetHeaderLength(switchName: String, port: String, length: UInt32) throws {
        try record("vnet \(switchName):\(port) \(length)")
    }

    func portDetails(switchName: String?, port: String) throws -> PortDetails {
        PortDetails(txSlots: 1024, rxSlots: 1024, txRings: 1, rxRings: 1)
    }

    /// Adds or removes a netdev, safely from any thread (hot-plug in tests).
    func setNetdev(_ name: String, present: Bool) {
        lock.lock(); defer { lock.unlock() }
        if present { netdevs.insert(name) } else { netdevs.remove(name) }
    }

    /// nil = no buffer limit; set to 2048 to behave like netmap's global region.
    var bufferSize: Int?

    var deviceGone: String?
    func unavailability() -> String? { deviceGone }
    func suspend() { try? record("suspend") }
    func resume() throws { try record("resume") }

    /// Calls recorded since the last `takeCalls()`.
    func takeCalls() -> [String] { lock.lock(); defer { lock.unlock() }; let c = calls; calls = []; return c }
}
