import Foundation
import ValeDatapath
import ValeEngine
import ValeProtocol
import ValeState

/// Serves the `io.valed` interface from the engine: translates Varlink
/// parameters into engine requests and engine state into replies.
public struct EngineControlHandler: ControlHandler {
    let engine: Engine
    let modules: ModuleProviding?
    let nics: NICInspecting?
    let monitors: MonitorProviding?
    let pipes: PipeProviding?
    /// The datapath's forwarding process (vale-switchd), when it has one.
    let forwarder: ForwardingProcessProviding?

    public init(engine: Engine, modules: ModuleProviding? = nil, nics: NICInspecting? = nil,
                monitors: MonitorProviding? = nil, pipes: PipeProviding? = nil, forwarder: ForwardingProcessProviding? = nil) {
        self.engine = engine; self.modules = modules; self.nics = nics; self.monitors = monitors; self.pipes = pipes
        self.forwarder = forwarder
    }

    // MARK: read-only

    public func status(caller: Caller) async throws -> StatusReply {
        let s = await engine.status()
        let module = modules.map { ModuleInfo($0.info()) } ?? ModuleInfo(state: .absent, reason: "the kernel datapath is not in use")
        return StatusReply(version: ValedVersion.string,
                           datapath: ValeProtocol.Datapath(kind: DatapathKind(rawValue: s.datapath.kind.rawValue) ?? .userspace,
                                                           reason: s.datapathDown ?? s.datapath.reason, netmapAPIVersion: s.datapath.netmapAPIVersion),
                           module: module, switches: s.switches, ports: s.ports,
                           lastReconcile: s.lastReconcile.map(Self.result),
                           forwarder: forwarder.map { ValeProtocol.Forwarder($0.status()) })
    }

    public func list(_ parameters: ListParameters, caller: Caller) async throws -> ListReply {
        let rows = await engine.list(switchName: parameters.switchName)
        if let name = parameters.switchName, rows.isEmpty {
            throw VarlinkError.notFound(kind: "switch", name: name, message: "no switch named \(name)")
        }
        var switches: [String: [ValeProtocol.Port]] = [:]
        for row in rows { switches[row.switchName ?? "", default: []].append(port(row)) }
        return ListReply(switches: switches.keys.sorted().map { name in
            let ports = switches[name]!
            let owner: Ownership = ports.contains { $0.owner != .foreign } ? (ports.contains { $0.owner == .config } ? .config : .runtime) : .foreign
            return SwitchInfo(name: name, owner: owner, bridgeIndex: ports.compactMap(\.bridgeIndex).first, ports: ports)
        })
    }

    public func showPort(_ parameters: NameParameters, caller: Caller) async throws -> ShowPortReply {
        ShowPortReply(port: try await details(parameters.name))
    }

    public func showConfig(caller: Caller) async throws -> ShowConfigReply {
        ShowConfigReply(path: engine.configPath, yaml: await engine.desiredStateYAML())
    }

    public func events(caller: Caller) async throws -> AsyncThrowingStream<EventsReply, any Error> {
        let stream = await engine.events()
        return AsyncThrowingStream { continuation in
            let task = Task {
                for await e in stream {
                    continuation.yield(EventsReply(event: Event(time: Self.timestamp(e.time), kind: e.kind.rawValue,
                                                                object: e.subject, message: e.detail)))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func moduleStatus(caller: Caller) async throws -> ModuleStatusReply {
        ModuleStatusReply(module: ModuleInfo(try requireModules().info()))
    }

    public func showNIC(_ parameters: ShowNICParameters, caller: Caller) async throws -> ShowNICReply {
        guard let nics else { throw VarlinkError.unsupported(feature: "nic", message: "NIC inspection is not available in this valed") }
        let rows = await engine.list()
        let attached = rows.first { $0.name == parameters.interface && $0.switchName != nil }.map { "\($0.switchName!):\($0.name)" }
        let saved = await engine.savedSettings(of: parameters.interface)
        do { return ShowNICReply(nic: NICInfo(try nics.nicInfo(parameters.interface, saved: saved, attachedTo: attached))) }
        catch let e as VarlinkError { throw e }
        catch { throw VarlinkError.notFound(kind: "interface", name: parameters.interface, message: "\(error)") }
    }

    public func pipeList(caller: Caller) async throws -> PipeListReply { PipeListReply(try requirePipes().list()) }

    // MARK: changes

    public func attach(_ p: AttachParameters, caller: Caller) async throws -> AttachReply {
        let result = try await mapped { try await engine.attach(switchName: p.switchName, interface: p.interface, hostStack: p.hostStack, force: p.force) }
        let row = await engine.list(switchName: p.switchName).first { $0.name == p.interface }
        let port = row.map(port) ?? ValeProtocol.Port(switchName: p.switchName, name: p.interface, kind: p.hostStack ? .nicHost : .nic, owner: .runtime)
        return AttachReply(port: port, changed: result.changed, message: result.message)
    }

    public func detach(_ p: SwitchInterfaceParameters, caller: Caller) async throws -> ChangeReply {
        let result = try await mapped { try await engine.detach(switchName: p.switchName, interface: p.interface) }
        return ChangeReply(changed: result.changed, message: result.message)
    }

    public func createPort(_ p: CreatePortParameters, caller: Caller) async throws -> CreatePortReply {
        let geometry = PortGeometry(txSlots: UInt32(clamping: p.txSlots ?? 0), rxSlots: UInt32(clamping: p.rxSlots ?? 0),
                                    txRings: UInt16(clamping: p.txRings ?? 0), rxRings: UInt16(clamping: p.rxRings ?? 0))
        let result = try await mapped { try await engine.createPort(name: p.name, switchName: p.switchName, geometry: geometry) }
        return CreatePortReply(port: try await details(p.name), changed: result.changed, message: result.message)
    }

    public func deletePort(_ p: NameParameters, caller: Caller) async throws -> ChangeReply {
        let result = try await mapped { try await engine.deletePort(name: p.name) }
        return ChangeReply(changed: result.changed, message: result.message)
    }

    public func tunnelCreate(_ p: TunnelCreateParameters, caller: Caller) async throws -> TunnelCreateReply {
        guard let kind = TunnelKind(rawValue: p.kind ?? "vxlan") else {
            throw VarlinkError.invalidArgument("type", message: "cannot create tunnel \(p.name): the type must be vxlan or geneve, not '\(p.kind ?? "")'")
        }
        guard (0...Int(TunnelSpec.maxVNI)).contains(p.vni) else {
            throw VarlinkError.invalidArgument("vni", message: "cannot create tunnel \(p.name): the VNI must be between 0 and \(TunnelSpec.maxVNI), not \(p.vni)")
        }
        if let port = p.port, !(1...65535).contains(port) {
            throw VarlinkError.invalidArgument("port", message: "cannot create tunnel \(p.name): the UDP port must be between 1 and 65535, not \(port)")
        }
        let spec = TunnelSpec(name: p.name, kind: kind, vni: UInt32(p.vni), remotes: p.remotes, local: p.local,
                              underlay: p.underlay, port: p.port.map { UInt16($0) }, owner: .runtime)
        let (result, warnings) = try await mapped { try await engine.createTunnel(spec, switchName: p.switchName) }
        let row = await engine.tunnelList().first { $0.spec.name == p.name }
        return TunnelCreateReply(tunnel: row.map(Self.tunnel) ?? Self.tunnel(TunnelStatus(spec: spec, switchName: p.switchName, mtu: nil, state: .ok)),
                                 changed: result.changed, message: result.message, warnings: warnings)
    }

    public func tunnelDelete(_ p: NameParameters, caller: Caller) async throws -> ChangeReply {
        let result = try await mapped { try await engine.deleteTunnel(name: p.name) }
        return ChangeReply(changed: result.changed, message: result.message)
    }

    public func tunnelList(caller: Caller) async throws -> TunnelListReply {
        TunnelListReply(tunnels: await engine.tunnelList().map(Self.tunnel))
    }

    static func tunnel(_ t: TunnelStatus) -> Tunnel {
        Tunnel(name: t.spec.name, kind: t.spec.kind.rawValue, vni: Int(t.spec.vni), remotes: t.spec.remotes, local: t.spec.local,
               underlay: t.spec.underlay, port: Int(t.spec.port), switchName: t.switchName, mtu: t.mtu,
               owner: t.spec.owner == .config ? .config : .runtime,
               state: ValeProtocol.PortState(t.state), stateReason: t.state.reason)
    }

    public func enablePolling(_ p: EnablePollingParameters, caller: Caller) async throws -> EnablePollingReply {
        let spec = PollingSpec(firstCPU: UInt32(clamping: p.firstCPU ?? 0), cpus: UInt32(clamping: p.cpus ?? 1))
        let result = try await mapped { try await engine.setPolling(switchName: p.switchName, interface: p.interface, polling: spec) }
        return EnablePollingReply(polling: Polling(firstCPU: Int(spec.firstCPU), cpus: Int(spec.cpus)), changed: result.changed, message: result.message)
    }

    public func disablePolling(_ p: SwitchInterfaceParameters, caller: Caller) async throws -> ChangeReply {
        let result = try await mapped { try await engine.setPolling(switchName: p.switchName, interface: p.interface, polling: nil) }
        return ChangeReply(changed: result.changed, message: result.message)
    }

    public func setVnetHeader(_ p: SetVnetHeaderParameters, caller: Caller) async throws -> ChangeReply {
        let result = try await mapped { try await engine.setVnetHeader(switchName: p.switchName, port: p.port, length: UInt32(clamping: p.length)) }
        return ChangeReply(changed: result.changed, message: result.message)
    }

    public func apply(_ p: ApplyParameters, caller: Caller) async throws -> PlanReply {
        let result = try await mapped { try await engine.apply(configText: p.config, fileName: Self.applyName(p.fileName), dryRun: p.dryRun) }
        if result.dryRun {
            let steps = result.plan.enumerated().map { Self.step($0.offset, $0.element, .planned) }
            return PlanReply(dryRun: true, changed: false, steps: steps,
                             message: steps.isEmpty ? "nothing to do: the switches already match" : "\(steps.count) step\(steps.count == 1 ? "" : "s") planned (dry run, nothing changed)")
        }
        return Self.plan(result.report!, what: "apply")
    }

    /// The name problems of an applied text are reported under: what the
    /// client sent, on one line and not empty, else `<apply>`.
    static func applyName(_ given: String?) -> String {
        guard let given, !given.isEmpty, given.utf8.count <= 4096, !given.contains(where: \.isNewline) else { return "<apply>" }
        return given
    }

    public func reload(caller: Caller) async throws -> PlanReply {
        Self.plan(try await mapped { try await engine.reload() }, what: "reload")
    }

    /// The engine removes what valed owns; then the forwarding process, if
    /// the datapath has one, is stopped (it deletes what is left of its
    /// switches and the TAP devices it created).
    public func teardown(caller: Caller) async throws -> PlanReply {
        var reply = Self.plan(await engine.teardown(), what: "teardown")
        if let forwarder {
            let stopped = try await mapped { try forwarder.shutdown() }
            reply.message += "; \(stopped)"
        }
        return reply
    }

    public func moduleLoad(caller: Caller) async throws -> ModuleChangeReply {
        let modules = try requireModules()
        return ModuleChangeReply(try await mapped { try await modules.load() })
    }

    public func moduleUnload(_ p: ModuleUnloadParameters, caller: Caller) async throws -> ModuleChangeReply {
        let attached = await engine.attachedPortNames()
        let modules = try requireModules()
        return ModuleChangeReply(try await mapped { try await modules.unload(force: p.force, attachedPorts: attached) })
    }

    public func moduleReload(caller: Caller) async throws -> PlanReply {
        let modules = try requireModules()
        let (steps, report) = await engine.reloadModule(
            unload: { _ = try await modules.unload(force: true, attachedPorts: []) },
            load: { _ = try await modules.load() })
        let planSteps = steps.enumerated().map { i, s in
            PlanStep(index: i, action: "module-reload", object: "netmap", description: s.description,
                     status: s.error == nil ? .applied : .failed, error: s.error)
        }
        let failed = steps.contains { $0.error != nil }
        let message = failed
            ? "module reload stopped at: \(steps.last { $0.error != nil }?.description ?? "?"); the desired state is kept and is restored when netmap is back"
            : "module reloaded; \(report?.summary ?? "")"
        return PlanReply(changed: true, steps: planSteps, message: message)
    }

    public func monitor(_ p: ValeProtocol.MonitorParameters, caller: Caller) async throws -> AsyncThrowingStream<ValeProtocol.MonitorReply, any Error> {
        guard let monitors else {
            throw VarlinkError.unsupported(feature: "monitor", message: "cannot monitor \(p.switchName):\(p.port): monitoring is not available on this datapath")
        }
        do { return replies(of: try monitors.monitor(ValeDatapath.MonitorParameters(p))) } catch {
            throw WireErrors.varlinkError(for: error)
        }
    }

    public func pipeCreate(_ p: PipeCreateParameters, caller: Caller) async throws -> PipeCreateReply {
        let pipes = try requirePipes()
        return PipeCreateReply(try await mapped { try await pipes.create(name: p.name, slots: p.slots) })
    }

    public func pipeDelete(_ p: NameParameters, caller: Caller) async throws -> ChangeReply {
        let pipes = try requirePipes()
        let deleted = try await mapped { try await pipes.delete(name: p.name) }
        return ChangeReply(changed: deleted.changed, message: deleted.message)
    }

    // MARK: helpers

    private func requireModules() throws -> ModuleProviding {
        guard let modules else {
            throw VarlinkError.unsupported(feature: "module", message: "module management is not available in this valed")
        }
        return modules
    }

    private func requirePipes() throws -> PipeProviding {
        guard let pipes else {
            throw VarlinkError.unsupported(feature: "pipe", message: "netmap pipes exist only on the kernel datapath; this valed runs the userspace datapath (\(engine.datapath.info.reason))")
        }
        return pipes
    }

    private func details(_ name: String) async throws -> ValeProtocol.PortDetails {
        let (row, d) = try await mapped { try await engine.showPort(name: name) }
        let attachments = await engine.list().filter { $0.name == row.name && $0.switchName != nil }.map(port)
        return ValeProtocol.PortDetails(
            name: row.name, kind: Self.kind(row.kind), owner: Self.owner(row.owner), attachments: attachments,
            geometry: d.map { RingGeometry(txRings: Int($0.txRings), rxRings: Int($0.rxRings), txSlots: Int($0.txSlots), rxSlots: Int($0.rxSlots)) },
            memoryId: d?.memoryID.map(Int.init), vnetHeaderLength: (row.vnetHeaderLength ?? d?.vnetHeaderLength).map(Int.init),
            polling: row.polling.map { Polling(firstCPU: Int($0.firstCPU), cpus: Int($0.cpus)) },
            counters: row.counters.map(ValeProtocol.Counters.init), nicCounters: nicCounters(row))
    }

    /// Runs an engine or provider request, turning its errors into Varlink errors.
    private func mapped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch {
            throw WireErrors.varlinkError(for: error)
        }
    }

    /// A list row as a Varlink Port, with the NIC's own counters for NICs.
    func port(_ row: PortStatus) -> ValeProtocol.Port {
        var p = Self.port(row)
        p.nicCounters = nicCounters(row)
        return p
    }

    private func nicCounters(_ row: PortStatus) -> ValeProtocol.Counters? {
        guard row.kind == .nic || row.kind == .nicHost else { return nil }
        return nics?.counters(row.name).map(ValeProtocol.Counters.init)
    }

    static func port(_ row: PortStatus) -> ValeProtocol.Port {
        ValeProtocol.Port(switchName: row.switchName ?? "", name: row.name, kind: kind(row.kind), owner: owner(row.owner),
                    state: ValeProtocol.PortState(row.state), stateReason: row.state.reason, bridgeIndex: row.bridgeIndex, portIndex: row.portIndex, carrier: row.carrier,
                    counters: row.counters.map(ValeProtocol.Counters.init))
    }

    static func kind(_ k: PortStatus.Kind) -> PortKind {
        switch k {
        case .nic: .nic
        case .nicHost: .nicHost
        case .persistent: .persistent
        case .ephemeral: .ephemeral
        case .tunnel: .tunnel
        }
    }

    static func owner(_ o: PortStatus.OwnerKind) -> Ownership {
        switch o { case .config: .config; case .runtime: .runtime; case .foreign: .foreign }
    }

    static func step(_ index: Int, _ step: Step, _ status: StepStatus, error: String? = nil) -> PlanStep {
        let action: String = switch step {
        case .attach: "attach"
        case .detach: "detach"
        case .createPort: "create-port"
        case .deletePort: "delete-port"
        case .enablePolling: "enable-polling"
        case .disablePolling: "disable-polling"
        case .setVnetHeader: "set-vnet-header"
        case .createTunnel: "create-tunnel"
        case .deleteTunnel: "delete-tunnel"
        case .setTunnelRemotes: "set-tunnel-remotes"
        }
        return PlanStep(index: index, action: action, object: step.subject, description: step.description, status: status, error: error)
    }

    static func plan(_ report: ReconcileReport, what: String) -> PlanReply {
        var steps = report.applied.map { (step: $0, status: StepStatus.applied, error: String?.none) }
        steps += report.failed.map { ($0.step, .failed, $0.error) }
        steps += report.skipped.map { ($0, .skipped, nil) }
        let planSteps = steps.enumerated().map { Self.step($0.offset, $0.element.step, $0.element.status, error: $0.element.error) }
        let message = report.failed.isEmpty
            ? (report.applied.isEmpty ? "\(what): nothing to do, the switches already match" : "\(what): \(report.applied.count) step\(report.applied.count == 1 ? "" : "s") applied")
            : "\(what) stopped: \(report.failed.count) step\(report.failed.count == 1 ? "" : "s") failed, \(report.applied.count) applied, \(report.skipped.count) not attempted"
        return PlanReply(changed: !report.applied.isEmpty, steps: planSteps, message: message)
    }

    static func result(_ report: ReconcileReport) -> ReconcileResult {
        ReconcileResult(time: timestamp(report.started), ok: report.succeeded, applied: report.applied.count,
                        failed: report.failed.count, message: report.summary)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
