import Foundation
import NetmapKit
import Testing
import TestSupport
import ValeProtocol
import VALEKernelModel

/// A real valed process (valed-model: netmap replaced by the file-backed
/// kernel model) driven over its Varlink socket.
final class ModelDaemon {
    let daemon: DaemonProcess
    let modelFile: String
    let model: VALEKernelModel

    init(nics: [String], config: String = "") throws {
        daemon = try DaemonProcess(executable: "valed-model")
        modelFile = daemon.directory.path + "/kernel.json"
        model = VALEKernelModel(stateFile: modelFile, nics: nics)
        daemon.extraEnvironment["VALED_MODEL_STATE"] = modelFile
        try daemon.writeConfig(config)
    }

    func client(timeout: Double = 30) throws -> VarlinkClient { try VarlinkClient(path: daemon.socketPath, timeout: timeout) }

    func call<R: Decodable>(_ method: String, _ parameters: some Encodable, as: R.Type) throws -> R {
        try client().call("io.valed.\(method)", parameters, as: R.self)
    }

    /// Names of the ports in the kernel model, "switch:port".
    var kernelPorts: [String] {
        model.state.switches.compactMap { $0 }.flatMap { sw in sw.ports.compactMap { $0?.name } }.sorted()
    }

    /// Mutating requests the model received.
    var kernelCalls: [VALEKernelState.Call] { model.callLog }

    /// The stored state file of the daemon.
    func stored() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/state.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func storedDesiredAttachments() throws -> [String] {
        (((try stored()["desired"] as? [String: Any])?["attachments"] as? [String: Any])?.keys.map { $0 } ?? []).sorted()
    }

    func storedOwnedAttachments() throws -> [String] {
        (((try stored()["owned"] as? [String: Any])?["attachments"] as? [String]) ?? []).sorted()
    }

    deinit { daemon.cleanUp() }
}

struct EmptyParams: Encodable {}

@Suite(.serialized) struct KernelModelDaemonTests {
    @Test func attachListDetachThroughTheSocket() throws {
        let d = try ModelDaemon(nics: ["eth1", "eth2"])
        try d.daemon.start()
        let status = try d.call("Status", EmptyParams(), as: StatusReply.self)
        #expect(status.datapath.kind == .kernel)
        #expect(status.datapath.netmapAPIVersion == 14)

        let attached = try d.call("Attach", AttachParameters(switchName: "vale0", interface: "eth1", hostStack: true), as: AttachReply.self)
        #expect(attached.changed)
        #expect(d.kernelPorts == ["vale0:eth1", "vale0:eth1^"])
        let again = try d.call("Attach", AttachParameters(switchName: "vale0", interface: "eth1", hostStack: true), as: AttachReply.self)
        #expect(!again.changed, "asking for what already is succeeds and says so")
        #expect(again.message.contains("already attached"))

        #expect(throws: VarlinkError.self) {
            _ = try d.call("Attach", AttachParameters(switchName: "vale1", interface: "eth1"), as: AttachReply.self)
        }
        let list = try d.call("List", ListParameters(), as: ListReply.self)
        let port = try #require(list.switches.first?.ports.first)
        #expect(port.kind == .nicHost)
        #expect(port.owner == .runtime)
        #expect(port.state == .ok)

        let detached = try d.call("Detach", SwitchInterfaceParameters(switchName: "vale0", interface: "eth1"), as: ChangeReply.self)
        #expect(detached.changed)
        #expect(d.kernelPorts.isEmpty)
    }

    @Test func kernelErrorsReachTheClientAsSentencesAndChangeNothing() throws {
        let d = try ModelDaemon(nics: ["eth1"])
        try d.daemon.start()
        // A program holds eth1 open in netmap mode: ATTACH answers EBUSY.
        d.model.mutate { state in
            if let i = state.netdevs.firstIndex(where: { $0.name == "eth1" }) { state.netdevs[i].holders = ["external"] }
        }
        do {
            _ = try d.call("Attach", AttachParameters(switchName: "vale0", interface: "eth1"), as: AttachReply.self)
            Issue.record("attach of a busy NIC must fail")
        } catch let error as VarlinkError {
            #expect(error.message.contains("vale0:eth1"))
            #expect(error.message.contains("EBUSY"))
        }
        #expect(try d.storedDesiredAttachments().isEmpty, "a refused request leaves the stored state as it was")
    }

    @Test func restartWithAttachedPortsMakesNoAttachOrDetachCall() throws {
        let config = """
        switches:
          vale0:
            ports:
              - nic: eth1
              - nic: eth2
                host-stack: true
              - port: vm1
        """
        let d = try ModelDaemon(nics: ["eth1", "eth2"], config: config)
        try d.daemon.start()
        #expect(d.kernelPorts == ["vale0:eth1", "vale0:eth2", "vale0:eth2^", "vale0:vm1"])
        d.daemon.stop()
        #expect(d.kernelPorts.count == 4, "stopping valed detaches nothing")
        d.model.clearCallLog()
        try d.daemon.start()
        let status = try d.call("Status", EmptyParams(), as: StatusReply.self)
        #expect(status.ports == 3)
        let mutating: Set<NetmapRequestType> = [.valeAttach, .valeDetach, .valeNewInterface, .valeDeleteInterface, .portInfoGet]
        #expect(d.kernelCalls.filter { mutating.contains($0.request) }.isEmpty, "a restart must flap no port and never query persistent ports")
    }

    @Test func killedInTheMiddleOfApplyingHundredPortsRecoversWithoutDuplicatesOrLosses() throws {
        let nics = (0..<100).map { "eth\($0)" }
        let d = try ModelDaemon(nics: nics)
        try d.daemon.start()
        var yaml = "switches:\n  vale0:\n    ports:\n"
        for n in nics { yaml += "      - nic: \(n)\n" }
        let client = try d.client()
        try client.send(VarlinkCall(method: "io.valed.Apply", parameters: try JSONValue(encoding: ApplyParameters(config: yaml))))
        // Let some attaches happen, then kill -9 in the middle.
        let deadline = Date().addingTimeInterval(20)
        while d.kernelPorts.count < 10 && Date() < deadline { usleep(2_000) }
        d.daemon.stop(signal: SIGKILL)
        let atKill = d.kernelPorts.count
        #expect(atKill >= 10 && atKill < 100, "the kill must land in the middle of the apply (\(atKill) ports at kill)")
        try d.daemon.start()
        // The restart finishes the apply: desired state was stored before any attach.
        let list = try d.call("List", ListParameters(), as: ListReply.self)
        let ports = list.switches.flatMap(\.ports)
        #expect(ports.count == 100)
        #expect(ports.allSatisfy { $0.state == .ok })
        #expect(d.kernelPorts == nics.map { "vale0:\($0)" }.sorted())
        #expect(Set(d.kernelPorts).count == d.kernelPorts.count, "nothing duplicated")
        #expect(try d.storedDesiredAttachments() == d.kernelPorts)
        #expect(try d.storedOwnedAttachments() == d.kernelPorts)
        // Every NIC was attached exactly once over both lives of valed.
        let attaches = d.kernelCalls.filter { $0.request == .valeAttach && $0.succeeded }.map(\.name)
        #expect(attaches.count == 100 && Set(attaches).count == 100)
    }

    @Test func configWithErrorsIsRejectedWithLocationAndNothingChanges() throws {
        let good = "switches:\n  vale0:\n    ports:\n      - nic: eth1\n"
        let d = try ModelDaemon(nics: ["eth1", "eth2"], config: good)
        try d.daemon.start()
        let before = try d.stored()
        try d.daemon.writeConfig("switches:\n  vale0:\n    ports:\n      - nic: eth1\n      - nic: eth2\n        polling: { cpu: 99 }\n")
        d.model.clearCallLog()
        do {
            _ = try d.call("Reload", EmptyParams(), as: PlanReply.self)
            Issue.record("a config with errors must be rejected")
        } catch let error as VarlinkError {
            #expect(error.message.contains("valed.yaml:6:"))
            #expect(error.message.contains("polling"))
        }
        #expect(d.kernelCalls.isEmpty)
        #expect(NSDictionary(dictionary: try d.stored()) == NSDictionary(dictionary: before))
        #expect(d.kernelPorts == ["vale0:eth1"])
    }

    @Test func foreignEphemeralPortsAreListedAndNeverTouched() throws {
        let d = try ModelDaemon(nics: ["eth1"])
        try d.model.addEphemeralPort("vale0:qemu7")
        try d.daemon.start()
        let list = try d.call("List", ListParameters(), as: ListReply.self)
        let port = try #require(list.switches.flatMap(\.ports).first { $0.name == "qemu7" })
        #expect(port.kind == .ephemeral)
        #expect(port.owner == .foreign)
        #expect(throws: VarlinkError.self) {
            _ = try d.call("Detach", SwitchInterfaceParameters(switchName: "vale0", interface: "qemu7"), as: ChangeReply.self)
        }
        _ = try d.call("Teardown", EmptyParams(), as: PlanReply.self)
        #expect(d.kernelPorts == ["vale0:qemu7"])
    }

    @Test func persistentPortsAndPollingFollowTheKernelRules() throws {
        let d = try ModelDaemon(nics: ["eth1"])
        try d.daemon.start()
        let created = try d.call("CreatePort", CreatePortParameters(name: "vm1", switchName: "vale0", txSlots: 2048), as: CreatePortReply.self)
        #expect(created.changed)
        #expect(created.port.geometry?.txSlots == 2048)
        #expect(d.kernelPorts == ["vale0:vm1"])
        _ = try d.call("Attach", AttachParameters(switchName: "vale0", interface: "eth1"), as: AttachReply.self)
        _ = try d.call("EnablePolling", EnablePollingParameters(switchName: "vale0", interface: "eth1", firstCPU: 1, cpus: 1), as: EnablePollingReply.self)
        let polling = d.kernelCalls.last { $0.request == .valePollingEnable }
        #expect(polling?.succeeded == true, "single-CPU mode is sent as {1, cpu, 1}")
        // Detach must stop polling first, or netmap answers EBUSY.
        _ = try d.call("Detach", SwitchInterfaceParameters(switchName: "vale0", interface: "eth1"), as: ChangeReply.self)
        #expect(d.kernelPorts == ["vale0:vm1"])
        _ = try d.call("DeletePort", NameParameters(name: "vm1"), as: ChangeReply.self)
        #expect(d.kernelPorts.isEmpty)
        #expect(d.model.state.netdev("vm1") == nil)
        #expect(!d.kernelCalls.contains { $0.request == .portInfoGet && $0.name.contains("vm1") }, "the rename trap (7.11) is never triggered")
    }

    @Test func netmapUnloadedUnderValedsFeetAndBack() throws {
        let d = try ModelDaemon(nics: ["eth1"], config: "switches:\n  vale0:\n    ports:\n      - nic: eth1\n      - port: vm1\n")
        try d.daemon.start()
        #expect(d.kernelPorts == ["vale0:eth1", "vale0:vm1"])
        // The module goes away (rmmod -f, or a crash): all VALE state is lost.
        d.model.mutate { state in
            state.deviceExists = false
            state.switches = state.switches.map { _ in nil }
            state.netdevs.removeAll { $0.kind != .nic }
        }
        func listState() throws -> [String] {
            try d.call("List", ListParameters(), as: ListReply.self).switches.flatMap(\.ports).map { $0.state == .datapathGone ? "gone: \($0.stateReason ?? "")" : "\($0.state)" }
        }
        var deadline = Date().addingTimeInterval(10)
        while try !listState().allSatisfy({ $0.hasPrefix("gone: netmap was unloaded") }) && Date() < deadline { usleep(100_000) }
        #expect(try listState().allSatisfy { $0.hasPrefix("gone: netmap was unloaded") })
        let status = try d.call("Status", EmptyParams(), as: StatusReply.self)
        #expect(status.datapath.reason.hasPrefix("netmap was unloaded"), "status says why: \(status.datapath.reason)")
        // netmap comes back: a full reconcile restores the switch.
        d.model.mutate { $0.deviceExists = true }
        deadline = Date().addingTimeInterval(10)
        while d.kernelPorts != ["vale0:eth1", "vale0:vm1"] && Date() < deadline { usleep(100_000) }
        #expect(d.kernelPorts == ["vale0:eth1", "vale0:vm1"])
        #expect(try listState() == ["ok", "ok"])
    }
}
