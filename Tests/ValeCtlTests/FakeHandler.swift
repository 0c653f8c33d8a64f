import Foundation
import Synchronization
import ValeControl
import ValeProtocol

/// An in-memory `ControlHandler` with just enough behaviour to exercise
/// the server and valectl: idempotent attach/detach, errors of each kind,
/// streams that end or stay open.
final class FakeHandler: ControlHandler {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private struct State {
        var switches: [String: [String]] = ["vale0": ["eth0"]]
        var streamTerminations = 0
        var callers: [Caller] = []
    }

    private let state = Mutex(State())
    /// Events: when false, two events are sent and the stream ends.
    let endlessEvents: Bool
    /// How long Reload takes, to have a call in flight.
    let reloadDelay: Duration

    init(endlessEvents: Bool = false, reloadDelay: Duration = .zero) {
        self.endlessEvents = endlessEvents
        self.reloadDelay = reloadDelay
    }

    var streamTerminations: Int { state.withLock { $0.streamTerminations } }
    var lastCaller: Caller? { state.withLock { $0.callers.last } }

    private func record(_ caller: Caller) { state.withLock { $0.callers.append(caller) } }

    private func port(_ switchName: String, _ name: String) -> ValeProtocol.Port {
        ValeProtocol.Port(switchName: switchName, name: name, kind: .nic, owner: .runtime, state: .ok, bridgeIndex: 0, portIndex: 0,
             carrier: true, counters: Counters(rxPackets: 10, rxBytes: 640, txPackets: 20, txBytes: 1280, drops: 1))
    }

    func status(caller: Caller) async throws -> StatusReply {
        record(caller)
        let (switches, ports) = state.withLock { ($0.switches.count, $0.switches.values.map(\.count).reduce(0, +)) }
        return StatusReply(version: ValedVersion.string, datapath: Datapath(kind: .userspace, reason: "/dev/netmap is absent"),
                           module: ModuleInfo(state: .unsupported, reason: "this kernel cannot load modules"),
                           switches: switches, ports: ports,
                           lastReconcile: ReconcileResult(time: "2026-11-25T17:00:00Z", ok: true, applied: 1, failed: 0, message: "in sync"))
    }

    func list(_ parameters: ListParameters, caller: Caller) async throws -> ListReply {
        record(caller)
        let switches = state.withLock { $0.switches }
        if let name = parameters.switchName, switches[name] == nil {
            throw VarlinkError.notFound(kind: "switch", name: name, message: "switch \(name) does not exist")
        }
        let names = switches.keys.sorted().filter { parameters.switchName == nil || $0 == parameters.switchName }
        return ListReply(switches: names.map { name in
            SwitchInfo(name: name, owner: .runtime, bridgeIndex: 0, ports: switches[name]!.sorted().map { port(name, $0) })
        })
    }

    func attach(_ parameters: AttachParameters, caller: Caller) async throws -> AttachReply {
        record(caller)
        let added = state.withLock { state -> Bool in
            if state.switches[parameters.switchName, default: []].contains(parameters.interface) { return false }
            state.switches[parameters.switchName, default: []].append(parameters.interface)
            return true
        }
        let name = "\(parameters.switchName):\(parameters.interface)"
        return AttachReply(port: port(parameters.switchName, parameters.interface), changed: added,
                           message: added ? "attached \(parameters.interface) to \(parameters.switchName)" : "\(name) is already attached")
    }

    func detach(_ parameters: SwitchInterfaceParameters, caller: Caller) async throws -> ChangeReply {
        record(caller)
        let name = "\(parameters.switchName):\(parameters.interface)"
        let removed = try state.withLock { state -> Bool in
            guard let ports = state.switches[parameters.switchName] else {
                throw VarlinkError.notFound(kind: "switch", name: parameters.switchName,
                                            message: "cannot detach \(name): switch \(parameters.switchName) does not exist")
            }
            state.switches[parameters.switchName] = ports.filter { $0 != parameters.interface }
            return ports.contains(parameters.interface)
        }
        return ChangeReply(changed: removed, message: removed ? "detached \(name)" : "\(name) is already detached")
    }

    func createPort(_ parameters: CreatePortParameters, caller: Caller) async throws -> CreatePortReply {
        record(caller)
        return CreatePortReply(port: PortDetails(name: parameters.name, kind: .persistent, owner: .runtime), changed: true,
                               message: "created port \(parameters.name)")
    }

    func deletePort(_ parameters: NameParameters, caller: Caller) async throws -> ChangeReply {
        record(caller)
        return ChangeReply(changed: false, message: "port \(parameters.name) does not exist; nothing to delete")
    }

    func showPort(_ parameters: NameParameters, caller: Caller) async throws -> ShowPortReply {
        record(caller)
        return ShowPortReply(port: PortDetails(name: parameters.name, kind: .nic, owner: .config, attachments: [port("vale0", "eth0")],
                                               geometry: RingGeometry(txRings: 1, rxRings: 1, txSlots: 1024, rxSlots: 1024),
                                               memoryId: 1, vnetHeaderLength: 0))
    }

    func enablePolling(_ parameters: EnablePollingParameters, caller: Caller) async throws -> EnablePollingReply {
        record(caller)
        return EnablePollingReply(polling: Polling(firstCPU: parameters.firstCPU ?? 0, cpus: parameters.cpus ?? 1), changed: true,
                                  message: "polling \(parameters.switchName):\(parameters.interface)")
    }

    func disablePolling(_ parameters: SwitchInterfaceParameters, caller: Caller) async throws -> ChangeReply {
        record(caller)
        return ChangeReply(changed: false, message: "polling is already off")
    }

    func setVnetHeader(_ parameters: SetVnetHeaderParameters, caller: Caller) async throws -> ChangeReply {
        record(caller)
        return ChangeReply(changed: true, message: "\(parameters.switchName):\(parameters.port) now uses a \(parameters.length)-byte header")
    }

    func apply(_ parameters: ApplyParameters, caller: Caller) async throws -> PlanReply {
        record(caller)
        if parameters.config.contains("bad") {
            throw VarlinkError.configInvalid([ConfigProblem(line: 3, column: 5, reason: "unknown key \"bad\"")],
                                             message: "the configuration has 1 error; nothing was changed")
        }
        let failing = parameters.config.contains("fail")
        let steps = [
            PlanStep(index: 0, action: "attach", object: "vale1:eth1", description: "attach eth1 to vale1",
                     status: parameters.dryRun ? .planned : .applied),
            PlanStep(index: 1, action: "attach", object: "vale1:eth2", description: "attach eth2 to vale1",
                     status: parameters.dryRun ? .planned : (failing ? .failed : .applied), error: failing ? "eth2 does not exist" : nil),
        ]
        return PlanReply(dryRun: parameters.dryRun, changed: !parameters.dryRun, steps: steps,
                         message: parameters.dryRun ? "2 steps planned" : (failing ? "applied 1 of 2 steps" : "applied 2 steps"))
    }

    func showConfig(caller: Caller) async throws -> ShowConfigReply {
        record(caller)
        return ShowConfigReply(path: "/etc/valed/valed.yaml", yaml: "switches:\n  vale0:\n    ports: [eth0]\n")
    }

    func reload(caller: Caller) async throws -> PlanReply {
        record(caller)
        if reloadDelay > .zero { try await Task.sleep(for: reloadDelay) }
        return PlanReply(changed: false, steps: [], message: "nothing to do")
    }

    func teardown(caller: Caller) async throws -> PlanReply {
        record(caller)
        throw Failure(description: "the fake datapath cannot tear down")
    }

    func events(caller: Caller) async throws -> AsyncThrowingStream<EventsReply, any Error> {
        record(caller)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: EventsReply.self)
        continuation.onTermination = { [weak self] _ in self?.state.withLock { $0.streamTerminations += 1 } }
        for index in 0..<2 {
            continuation.yield(EventsReply(event: Event(time: "2026-11-25T17:00:0\(index)Z", kind: "port-state", object: "vale0:eth\(index)",
                                                        message: "eth\(index) is ok")))
        }
        if !endlessEvents { continuation.finish() }
        return stream
    }

    func moduleStatus(caller: Caller) async throws -> ModuleStatusReply {
        record(caller)
        return ModuleStatusReply(module: ModuleInfo(state: .unsupported, reason: "this kernel cannot load modules"))
    }

    func moduleLoad(caller: Caller) async throws -> ModuleChangeReply {
        record(caller)
        throw VarlinkError.unsupported(feature: "modules", message: "cannot load netmap: this kernel cannot load modules (ENOSYS)")
    }

    func moduleUnload(_ parameters: ModuleUnloadParameters, caller: Caller) async throws -> ModuleChangeReply {
        record(caller)
        if !parameters.force {
            throw VarlinkError.busy(name: "netmap", message: "cannot unload netmap: vale0:eth0 uses it (use --force to detach it first)")
        }
        return ModuleChangeReply(module: ModuleInfo(state: .absent, reason: "unloaded"), changed: true, message: "unloaded netmap")
    }

    func moduleReload(caller: Caller) async throws -> PlanReply {
        record(caller)
        return PlanReply(changed: true, steps: [], message: "reloaded netmap")
    }

    func showNIC(_ parameters: ShowNICParameters, caller: Caller) async throws -> ShowNICReply {
        record(caller)
        guard parameters.interface == "eth0" else {
            throw VarlinkError.notFound(kind: "interface", name: parameters.interface, message: "interface \(parameters.interface) does not exist")
        }
        return ShowNICReply(nic: NICInfo(name: "eth0", index: 2, driver: "veth", mtu: 1500, up: true, carrier: true, operState: "up",
                                         promiscuous: true, attachedTo: "vale0:eth0",
                                         settings: [NICSetting(name: "promiscuous", current: "on", saved: "off")]))
    }

    /// Frames of 60 bytes whose first byte is the frame number, in batches of two.
    func monitor(_ parameters: MonitorParameters, caller: Caller) async throws -> AsyncThrowingStream<MonitorReply, any Error> {
        record(caller)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: MonitorReply.self)
        continuation.onTermination = { [weak self] _ in self?.state.withLock { $0.streamTerminations += 1 } }
        let count = parameters.count ?? 3
        var batch: [Frame] = []
        for index in 0..<count {
            var bytes = [UInt8](repeating: 0, count: 60)
            bytes[0] = UInt8(truncatingIfNeeded: index)
            bytes[6] = 0x02
            bytes[12] = 0x08
            batch.append(Frame(seconds: 1_764_090_000 + Int64(index), nanoseconds: 5, direction: index % 2 == 0 ? .rx : .tx,
                               length: 60, data: Data(bytes)))
            if batch.count == 2 {
                continuation.yield(MonitorReply(frames: batch))
                batch = []
            }
        }
        if !batch.isEmpty { continuation.yield(MonitorReply(frames: batch)) }
        continuation.finish()
        return stream
    }

    func pipeCreate(_ parameters: PipeCreateParameters, caller: Caller) async throws -> PipeCreateReply {
        record(caller)
        return PipeCreateReply(pipe: PipeInfo(name: parameters.name, slots: parameters.slots ?? 1024), changed: true,
                               message: "created pipe \(parameters.name)")
    }

    func pipeDelete(_ parameters: NameParameters, caller: Caller) async throws -> ChangeReply {
        record(caller)
        return ChangeReply(changed: true, message: "deleted pipe \(parameters.name)")
    }

    func pipeList(caller: Caller) async throws -> PipeListReply {
        record(caller)
        return PipeListReply(pipes: [PipeInfo(name: "p0", slots: 1024, holders: [PipeHolder(end: .master, pid: 1, uid: 0, command: "pkt-gen")])])
    }
}
