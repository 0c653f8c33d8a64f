import Foundation
@testable import ValeProtocol

/// One representative value of every method's parameters and reply, with
/// every optional field set, so that checking them against the interface
/// description covers every field.
enum Samples {
    static let counters = Counters(rxPackets: 1, rxBytes: 64, txPackets: 2, txBytes: 128, drops: 0)
    static let port = Port(switchName: "vale0", name: "eth0", kind: .nic, owner: .config, state: .ok,
                           bridgeIndex: 0, portIndex: 1, carrier: true, counters: counters)
    static let geometry = RingGeometry(txRings: 1, rxRings: 1, txSlots: 1024, rxSlots: 1024)
    static let details = PortDetails(name: "vm1", kind: .persistent, owner: .runtime, attachments: [port], geometry: geometry,
                                     memoryId: 1, vnetHeaderLength: 12, polling: Polling(firstCPU: 0, cpus: 1), counters: counters)
    static let module = ModuleInfo(state: .loaded, reason: "netmap is loaded", apiVersion: 14,
                                   parameters: [ModuleParameter(name: "verbose", value: "0", writable: true)], usedBy: ["vale0:eth0"])
    static let steps = [
        PlanStep(index: 0, action: "attach", object: "vale0:eth0", description: "attach eth0 to vale0", status: .applied),
        PlanStep(index: 1, action: "attach", object: "vale0:eth1", description: "attach eth1 to vale0", status: .failed, error: "eth1 is gone"),
    ]
    static let plan = PlanReply(dryRun: false, changed: true, steps: steps, message: "applied 1 of 2 steps")
    static let change = ChangeReply(changed: true, message: "done")
    static let tunnel = Tunnel(name: "vx0", kind: "vxlan", vni: 42, remotes: ["192.0.2.2", "192.0.2.3"], local: "192.0.2.1",
                               underlay: "eth0", port: 4789, switchName: "vale0", mtu: 1450, owner: .runtime, state: .ok)
    static let pipe = PipeInfo(name: "p0", slots: 1024, holders: [PipeHolder(end: .master, pid: 42, uid: 0, command: "pkt-gen")])

    /// Method → (parameters, reply), both as JSON.
    static func all() throws -> [ValedMethod: (parameters: JSONValue, reply: JSONValue)] {
        func entry(_ parameters: some Encodable, _ reply: some Encodable) throws -> (JSONValue, JSONValue) {
            (try JSONValue(encoding: parameters), try JSONValue(encoding: reply))
        }
        let empty = EmptyParameters()
        var samples: [ValedMethod: (parameters: JSONValue, reply: JSONValue)] = [:]
        for method in ValedMethod.allCases {
            switch method {
            case .status:
                samples[method] = try entry(empty, StatusReply(
                    version: "0.1.0", datapath: Datapath(kind: .kernel, reason: "/dev/netmap is present", netmapAPIVersion: 14),
                    module: module, switches: 1, ports: 1,
                    lastReconcile: ReconcileResult(time: "2026-11-25T17:00:00Z", ok: true, applied: 1, failed: 0, message: "ok")))
            case .list:
                samples[method] = try entry(ListParameters(switchName: "vale0"),
                                            ListReply(switches: [SwitchInfo(name: "vale0", owner: .config, bridgeIndex: 0, ports: [port])]))
            case .attach:
                samples[method] = try entry(AttachParameters(switchName: "vale0", interface: "eth0", hostStack: true, force: true),
                                            AttachReply(port: port, changed: true, message: "attached"))
            case .detach, .disablePolling:
                samples[method] = try entry(SwitchInterfaceParameters(switchName: "vale0", interface: "eth0"), change)
            case .createPort:
                samples[method] = try entry(CreatePortParameters(name: "vm1", switchName: "vale0", txSlots: 1, rxSlots: 2, txRings: 3, rxRings: 4),
                                            CreatePortReply(port: details, changed: true, message: "created"))
            case .deletePort, .pipeDelete:
                samples[method] = try entry(NameParameters(name: "vm1"), change)
            case .showPort:
                samples[method] = try entry(NameParameters(name: "vm1"), ShowPortReply(port: details))
            case .enablePolling:
                samples[method] = try entry(EnablePollingParameters(switchName: "vale0", interface: "eth0", firstCPU: 0, cpus: 2),
                                            EnablePollingReply(polling: Polling(firstCPU: 0, cpus: 2), changed: true, message: "on"))
            case .setVnetHeader:
                samples[method] = try entry(SetVnetHeaderParameters(switchName: "vale0", port: "vm1", length: 12), change)
            case .apply:
                samples[method] = try entry(ApplyParameters(config: "switches: {}", dryRun: true), plan)
            case .showConfig:
                samples[method] = try entry(empty, ShowConfigReply(path: "/etc/valed/valed.yaml", yaml: "switches: {}\n"))
            case .reload, .teardown, .moduleReload:
                samples[method] = try entry(empty, plan)
            case .events:
                samples[method] = try entry(empty, EventsReply(event: Event(time: "2026-11-25T17:00:00Z", kind: "port-state",
                                                                            object: "vale0:eth0", message: "eth0 is missing", port: port)))
            case .moduleStatus:
                samples[method] = try entry(empty, ModuleStatusReply(module: module))
            case .moduleLoad:
                samples[method] = try entry(empty, ModuleChangeReply(module: module, changed: true, message: "loaded"))
            case .moduleUnload:
                samples[method] = try entry(ModuleUnloadParameters(force: true), ModuleChangeReply(module: module, changed: true, message: "unloaded"))
            case .showNIC:
                samples[method] = try entry(ShowNICParameters(interface: "eth0"), ShowNICReply(nic: NICInfo(
                    name: "eth0", index: 2, driver: "veth", mtu: 1500, up: true, carrier: true, operState: "up", promiscuous: true,
                    attachedTo: "vale0:eth0", counters: counters,
                    settings: [NICSetting(name: "promiscuous", current: "on", saved: "off", fixed: false)], warnings: ["w"])))
            case .monitor:
                samples[method] = try entry(MonitorParameters(switchName: "vale0", port: "eth0", direction: .rx, zeroCopy: true, count: 5),
                                            MonitorReply(frames: [Frame(seconds: 1, nanoseconds: 2, direction: .tx, length: 60, data: Data([1]))], dropped: 1))
            case .pipeCreate:
                samples[method] = try entry(PipeCreateParameters(name: "p0", slots: 1024), PipeCreateReply(pipe: pipe, changed: true, message: "created"))
            case .pipeList:
                samples[method] = try entry(empty, PipeListReply(pipes: [pipe]))
            case .tunnelCreate:
                samples[method] = try entry(TunnelCreateParameters(name: "vx0", switchName: "vale0", kind: "vxlan", vni: 42, remotes: ["192.0.2.2"],
                                                                   local: "192.0.2.1", underlay: "eth0", port: 4789),
                                            TunnelCreateReply(tunnel: tunnel, changed: true, message: "created tunnel vx0", warnings: ["vale0:eth1 has MTU 1500"]))
            case .tunnelDelete:
                samples[method] = try entry(NameParameters(name: "vx0"), change)
            case .tunnelList:
                samples[method] = try entry(empty, TunnelListReply(tunnels: [tunnel]))
            }
        }
        return samples
    }
}
