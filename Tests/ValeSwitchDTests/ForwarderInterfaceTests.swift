import Foundation
import Testing
import TestSupport
import ValeForwarding
import ValeProtocol

/// io.valed.forwarder.varlink against the Swift types: what the client
/// sends and the daemon answers is exactly what the interface declares.
@Suite struct ForwarderInterfaceTests {
    private func definition() throws -> VarlinkInterfaceDefinition {
        try VarlinkInterfaceDefinition(parsing: ForwarderInterface.text)
    }

    @Test func theEmbeddedTextIsTheFileInTheRepository() throws {
        let source = TestHost.repositoryRoot.appendingPathComponent("Sources/ValeForwarding/\(ForwarderInterface.fileName)")
        #expect(ForwarderInterface.text == (try String(contentsOf: source, encoding: .utf8)),
                "run scripts/generate-interface.sh after editing the .varlink file")
    }

    @Test func everySwiftMethodIsDeclaredAndNothingElse() throws {
        let definition = try definition()
        #expect(definition.name == ForwarderInterface.name)
        #expect(Set(definition.methods.map(\.name)) == Set(ForwarderMethod.allCases.map(\.rawValue)))
    }

    @Test func everySwiftErrorIsDeclaredWithAMessage() throws {
        let definition = try definition()
        #expect(Set(definition.errors.map { "\(ForwarderInterface.name).\($0.name)" }) == Set(ForwarderError.all))
        for error in definition.errors {
            #expect(error.fields.contains { $0.name == "message" && $0.type == .string }, "\(error.name) has no message")
        }
        let samples: [VarlinkError] = [
            ForwarderError.notFound(kind: "switch", name: "vs0", message: "m"),
            ForwarderError.alreadyExists(kind: "switch", name: "vs0", message: "m"),
            ForwarderError.busy(name: "eth0", message: "m"),
            ForwarderError.invalidArgument("tableSize", message: "m"),
            ForwarderError.systemError(object: "eth0", errno: 16, errnoName: "EBUSY", message: "m"),
            ForwarderError.monitorEnded(switch: "vs0", interface: "eth0", message: "m"),
            ForwarderError.shuttingDown("m"), ForwarderError.invalidMessage("m"),
            ForwarderError.messageTooLarge(limit: 1, message: "m"), ForwarderError.failed("m"),
        ]
        #expect(Set(samples.map(\.name)) == Set(ForwarderError.all))
        for error in samples {
            let declaration = try #require(definition.error(String(error.name.dropFirst(ForwarderInterface.name.count + 1))))
            #expect(definition.problems(of: .object(error.parameters), as: .structure(declaration.fields)) == [], "\(error.name)")
        }
    }

    @Test(arguments: ForwarderMethod.allCases)
    func swiftTypesEncodeExactlyTheDeclaredFields(_ method: ForwarderMethod) throws {
        let definition = try definition()
        let declaration = try #require(definition.method(method.rawValue))
        let (parameters, reply) = try Self.sample(method)
        #expect(definition.problems(of: parameters, as: .structure(declaration.input)) == [])
        #expect(definition.problems(of: reply, as: .structure(declaration.output)) == [])
    }

    /// A full sample (every optional field set) of each method's parameters and reply.
    static func sample(_ method: ForwarderMethod) throws -> (JSONValue, JSONValue) {
        let change = ChangeReply(changed: true, message: "m")
        let counters = ForwarderCounters(rxPackets: 1, rxBytes: 2, rxDrops: 3, txPackets: 4, txBytes: 5, txDrops: 6)
        let port = ForwarderPort(index: 0, interface: "eth0", kind: .veth, hostStack: false, maxFrameSize: 1514,
                                 state: .noCarrier, counters: counters)
        switch method {
        case .getInfo:
            return (try JSONValue(encoding: EmptyParameters()), try JSONValue(encoding: ForwarderInfo(
                pid: 1, startTime: 1.5, uptimeSeconds: 2.5, version: "0.1.0", instanceID: "x", restarts: 1,
                restoredPorts: 2, restoreMilliseconds: 3.5, socket: "/s", stateFile: "/f")))
        case .createSwitch:
            return (try JSONValue(encoding: CreateSwitchParameters(name: "vs0", tableSize: 1, agingSeconds: 2, ringMiB: 3,
                                                                   transmitRing: true)),
                    try JSONValue(encoding: change))
        case .deleteSwitch, .deleteTAP:
            return (try JSONValue(encoding: ForwarderNameParameters(name: "vs0")), try JSONValue(encoding: change))
        case .attach:
            return (try JSONValue(encoding: ForwarderAttachParameters(switchName: "vs0", interface: "eth0", hostStack: true, maxFrameSize: 1514)),
                    try JSONValue(encoding: ForwarderAttachReply(port: 3, changed: true, message: "m")))
        case .detach:
            return (try JSONValue(encoding: ForwarderDetachParameters(switchName: "vs0", interface: "eth0")), try JSONValue(encoding: change))
        case .createTAP:
            return (try JSONValue(encoding: CreateTAPParameters(name: "tap0", uid: 1, gid: 2, mtu: 1500)), try JSONValue(encoding: change))
        case .list:
            return (try JSONValue(encoding: ForwarderListParameters(switchName: "vs0")), try JSONValue(encoding: ForwarderListReply(
                switches: [ForwarderSwitch(name: "vs0", config: ForwarderSwitchConfig(), learnedAddresses: 2, ports: [port])],
                pending: [PendingAttachment(switchName: "vs0", interface: "eth1", hostStack: false, error: "e")],
                taps: [ForwarderTAP(name: "tap0", uid: 1, gid: 2, mtu: 1500, exists: true)])))
        case .monitor:
            return (try JSONValue(encoding: ForwarderMonitorParameters(switchName: "vs0", interface: "eth0", direction: .rx, count: 3)),
                    try JSONValue(encoding: MonitorReply(frames: [Frame(seconds: 1, nanoseconds: 2, direction: .tx, length: 3, data: Data([1, 2, 3]))], dropped: 1)))
        case .shutdown:
            return (try JSONValue(encoding: ShutdownParameters(keepTAPs: true)),
                    try JSONValue(encoding: ShutdownReply(switches: 1, ports: 2, taps: 3, message: "m")))
        }
    }
}
