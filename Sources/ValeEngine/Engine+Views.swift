import Foundation
import ValeDatapath
import ValeState

/// One row of `valectl list`.
public struct PortStatus: Sendable, Equatable {
    public enum Kind: String, Sendable { case nic, nicHost = "nic+host", persistent, ephemeral, tunnel }
    public enum OwnerKind: String, Sendable { case config, runtime, foreign }
    /// Switch name; nil for a persistent port that is on no switch.
    public var switchName: String?
    public var name: String
    public var kind: Kind
    public var owner: OwnerKind
    public var state: PortState
    public var bridgeIndex: Int?
    public var portIndex: Int?
    public var hostPortIndex: Int?
    public var carrier: Bool?
    public var counters: Counters?
    public var polling: PollingSpec?
    public var vnetHeaderLength: UInt32?
}

/// What `valectl status` shows.
public struct EngineStatus: Sendable {
    public var datapath: DatapathInfo
    public var module: String
    public var switches: Int
    public var ports: Int
    public var lastReconcile: ReconcileReport?
    public var configPath: String
    public var stateDirectory: String
    /// Why the datapath is gone, when it is.
    public var datapathDown: String?
}

extension Engine {
    public func status() -> EngineStatus {
        let rows = portRows()
        return EngineStatus(datapath: datapath.info, module: moduleSummary(),
                            switches: Set(rows.compactMap(\.switchName)).count, ports: rows.count,
                            lastReconcile: lastReport, configPath: configPath, stateDirectory: store.directory,
                            datapathDown: datapathDown)
    }

    /// Every port valed knows: desired ones (ok, missing or failed) and the
    /// ones it only observes (ephemeral ports of VMs and applications: foreign).
    public func list(switchName: String? = nil) async -> [PortStatus] {
        await locked("list", orElse: { _ in }) { await self.refreshObserved() }
        let rows = portRows()
        guard let switchName else { return rows }
        return rows.filter { $0.switchName == switchName }
    }

    /// The rows for a metrics scrape, which must not wait behind a long
    /// operation (an apply, a reload, a module reload or a driver swap can
    /// hold the engine's lock for many seconds, longer than a scraper's
    /// timeout): when the lock is taken the rows come from the last
    /// observation, and `busy` names the operation that holds it.
    public func listWithoutWaiting() async -> (rows: [PortStatus], busy: String?) {
        let refreshed: Bool? = try? await lock.runIfFree("list for metrics") { await self.refreshObserved(); return true }
        if refreshed == true { return (portRows(), nil) }
        return (portRows(), lock.holder?.operation ?? "another operation")
    }

    func portRows() -> [PortStatus] {
        var rows: [PortStatus] = []
        var seen = Set<String>()
        let byKey = Dictionary(grouping: observed, by: \.key)
        for a in state.desired.attachments.values.sorted(by: { ($0.switchName, $0.interface) < ($1.switchName, $1.interface) }) {
            let ports = byKey[a.key] ?? []
            let main = ports.first { !$0.isHostPort }
            let host = ports.first { $0.isHostPort }
            seen.insert(a.key)
            let isPersistent = state.desired.persistentPorts[a.interface] != nil
            var row = PortStatus(switchName: a.switchName, name: a.interface,
                                 kind: isPersistent ? .persistent : (state.desired.tunnels[a.interface] != nil ? .tunnel : (a.hostStack ? .nicHost : .nic)),
                                 owner: a.owner == .config ? .config : .runtime, state: .ok,
                                 bridgeIndex: main?.bridgeIndex, portIndex: main?.portIndex, hostPortIndex: host?.portIndex,
                                 carrier: nics[a.interface]?.carrier, counters: main?.counters, polling: a.polling,
                                 vnetHeaderLength: a.vnetHeaderLength)
            if let down = datapathDown { row.state = .datapathGone(reason: down) }
            else if let error = errors[a.key] { row.state = .failed(reason: error) }
            else if main == nil { row.state = existingInterfaces.contains(a.interface) || isPersistent ? .notAttached : .missing }
            else if renamedByKernel.contains(a.key) { row.state = .renamedByKernel(explanation: Self.renameTrapSentence(switchName: a.switchName, port: a.interface)) }
            rows.append(row)
        }
        for port in observed where !port.isHostPort && !seen.contains(port.key) {
            let owned = state.owned.attachments.contains(port.key)
            let host = byKey[port.key]?.first { $0.isHostPort }
            rows.append(PortStatus(switchName: port.switchName, name: port.port,
                                   kind: renamedByKernel.contains(port.key) ? .persistent
                                       : existingInterfaces.contains(port.port) ? (host != nil ? .nicHost : .nic) : .ephemeral,
                                   owner: owned ? .runtime : .foreign,
                                   state: renamedByKernel.contains(port.key)
                                       ? .renamedByKernel(explanation: Self.renameTrapSentence(switchName: port.switchName, port: port.port))
                                       : owned ? .beingRemoved : .ok,
                                   bridgeIndex: port.bridgeIndex, portIndex: port.portIndex, hostPortIndex: host?.portIndex,
                                   carrier: nil, counters: port.counters, polling: nil, vnetHeaderLength: nil))
        }
        for p in state.desired.persistentPorts.values.sorted(by: { $0.name < $1.name }) where state.desired.attachment(ofInterface: p.name) == nil {
            rows.append(PortStatus(switchName: nil, name: p.name, kind: .persistent, owner: p.owner == .config ? .config : .runtime,
                                   state: errors[p.name].map { .failed(reason: $0) } ?? (existingInterfaces.contains(p.name) ? .ok : .missing),
                                   bridgeIndex: nil, portIndex: nil, hostPortIndex: nil, carrier: nil, counters: nil, polling: nil, vnetHeaderLength: nil))
        }
        return rows
    }

    /// `valectl port show NAME`: the list row plus ring geometry and memory.
    public func showPort(name: String) async throws -> (PortStatus, PortDetails?) {
        let rows = await list()
        let matches = rows.filter { $0.name == name || "\($0.switchName ?? ""):\($0.name)" == name }
        guard let row = matches.first else {
            throw EngineError(.notFound, "no port named \(name) (see `valectl list`)")
        }
        // PORT_INFO_GET renames an attached persistent port inside its switch
        // (NETMAP-API.md 7.11, detach becomes impossible): never ask the kernel
        // about persistent ports; report the geometry valed created them with.
        if row.kind == .persistent, let spec = state.desired.persistentPorts[row.name], datapath.capabilities.ringDetails {
            let g = spec.geometry
            let memory = state.persistentPortMemory[row.name]
            return (row, PortDetails(txSlots: g.txSlots == 0 ? 1024 : g.txSlots, rxSlots: g.rxSlots == 0 ? 1024 : g.rxSlots,
                                     txRings: g.txRings == 0 ? 1 : g.txRings, rxRings: g.rxRings == 0 ? 1 : g.rxRings,
                                     memoryID: memory?.id, memorySize: memory?.size, vnetHeaderLength: row.vnetHeaderLength))
        }
        let details = try? datapath.portDetails(switchName: row.switchName, port: row.name)
        return (row, details)
    }

    /// The saved (pre-valed) settings of a NIC, for `valectl nic show`.
    public func savedSettings(of interface: String) -> SavedNICSettings? { state.savedNICs[interface] }

    /// The ports currently attached, for the module supervisor (unload refuses
    /// while any exist, and names them).
    public func attachedPortNames() -> [String] { observed.filter { !$0.isHostPort }.map(\.key).sorted() }
}
