import Foundation
import Testing
import TestSupport
import ValeForwarding
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Malformed and concurrent requests get Varlink errors with sentences,
/// change nothing, and never bring vale-switchd down.
@Suite(.serialized, .enabled(if: TestHost.hasNetworkNamespaces, "needs root and ip netns"))
struct RobustnessTests {
    private func running(_ body: (NetworkNamespace, SwitchdProcess) throws -> Void) throws {
        let namespace = try NetworkNamespace(prefix: "swr")
        defer { namespace.delete() }
        let switchd = try SwitchdProcess(namespace: namespace)
        defer { switchd.cleanUp() }
        try switchd.start()
        try body(namespace, switchd)
        #expect(switchd.isRunning, "vale-switchd died:\n\(switchd.log())")
    }

    private func raw(_ switchd: SwitchdProcess, _ text: String) throws -> VarlinkReply {
        let client = try VarlinkClient(path: switchd.socketPath, timeout: 5)
        try client.sendRaw(Array(text.utf8) + [0])
        return try client.receive()
    }

    @Test func malformedRequestsGetErrorsAndChangeNothing() throws {
        try running { _, switchd in
            #expect(try raw(switchd, "{\"method\": ").error == ForwarderError.invalidMessage)
            #expect(try raw(switchd, "[1,2,3]").error == ForwarderError.invalidMessage)
            #expect(try raw(switchd, "{\"parameters\":{}}").error == ForwarderError.invalidMessage)
            #expect(try raw(switchd, "{\"method\":\"io.valed.forwarder.Nope\"}").error == VarlinkServiceError.methodNotFound)
            #expect(try raw(switchd, "{\"method\":\"com.example.Nope\"}").error == VarlinkServiceError.interfaceNotFound)
            let mistyped = try raw(switchd, "{\"method\":\"io.valed.forwarder.CreateSwitch\",\"parameters\":{\"name\":7}}")
            #expect(mistyped.varlinkError?.name == VarlinkServiceError.invalidParameter)
            #expect(mistyped.varlinkError?.parameters["parameter"] == .string("name"))
            let missing = try raw(switchd, "{\"method\":\"io.valed.forwarder.Attach\",\"parameters\":{\"switch\":\"vs0\"}}")
            #expect(missing.varlinkError?.parameters["parameter"] == .string("interface"))
            #expect(try raw(switchd, "{\"method\":\"io.valed.forwarder.List\",\"parameters\":[]}").error == VarlinkServiceError.invalidParameter)
            #expect(try raw(switchd, "{\"method\":\"io.valed.forwarder.Monitor\",\"parameters\":{\"switch\":\"vs0\",\"interface\":\"x\"}}").error
                    == VarlinkServiceError.expectedMore)

            // Over the size limit without a NUL: an error, then the connection closes.
            let big = try VarlinkClient(path: switchd.socketPath, timeout: 10)
            try big.sendRaw([UInt8](repeating: 0x20, count: VarlinkFraming.maximumMessageSize + 2))
            #expect(try big.receive().error == ForwarderError.messageTooLarge)
            #expect(throws: VarlinkClientError.self) { _ = try big.receive() }

            // The standard service interface works, for varlinkctl.
            let info = try raw(switchd, "{\"method\":\"org.varlink.service.GetInfo\"}")
            #expect(try info.decode(as: GetInfoReply.self).interfaces.contains(ForwarderInterface.name))
            let description = try raw(switchd, "{\"method\":\"org.varlink.service.GetInterfaceDescription\",\"parameters\":{\"interface\":\"io.valed.forwarder\"}}")
            #expect(try description.decode(as: GetInterfaceDescriptionReply.self).description == ForwarderInterface.text)

            // Nothing was created by all that.
            let list = try switchd.client().list()
            #expect(list.switches.isEmpty && list.taps.isEmpty)
        }
    }

    @Test func rejectedRequestsNameTheObjectAndTheCause() throws {
        try running { namespace, switchd in
            let client = switchd.client()
            try namespace.run(["ip", "link", "add", "d0", "type", "veth", "peer", "name", "d0p"])
            try namespace.run(["ip", "link", "set", "d0", "up"])
            func failure(_ body: () throws -> Void) -> VarlinkError? {
                do { try body(); return nil } catch { return error as? VarlinkError }
            }
            let badName = failure { try client.createSwitch(CreateSwitchParameters(name: "no-dashes")) }
            #expect(badName?.name == ForwarderError.invalidArgument)
            #expect(badName?.message.contains("no-dashes") == true)
            let badSize = failure { try client.createSwitch(CreateSwitchParameters(name: "vs0", tableSize: 0)) }
            #expect(badSize?.parameters["parameter"] == .string("tableSize"))
            try client.createSwitch(CreateSwitchParameters(name: "vs0"))
            try client.createSwitch(CreateSwitchParameters(name: "vs1"))
            let other = failure { try client.createSwitch(CreateSwitchParameters(name: "vs0", agingSeconds: 5)) }
            #expect(other?.name == ForwarderError.alreadyExists)
            let noSwitch = failure { try client.attach(switch: "vs9", interface: "d0") }
            #expect(noSwitch?.name == ForwarderError.notFound)
            #expect(noSwitch?.parameters["kind"] == .string("switch"))
            #expect(noSwitch?.message.contains("vs9") == true)
            let noInterface = failure { try client.attach(switch: "vs0", interface: "nosuch0") }
            #expect(noInterface?.name == ForwarderError.notFound)
            #expect(noInterface?.parameters["kind"] == .string("interface"))
            #expect(noInterface?.message.contains("nosuch0") == true)
            try client.attach(switch: "vs0", interface: "d0")
            let elsewhere = failure { try client.attach(switch: "vs1", interface: "d0") }
            #expect(elsewhere?.name == ForwarderError.busy)
            #expect(elsewhere?.message.contains("already attached to vs0") == true)
            let notTAP = failure { try client.deleteTAP("d0") }
            #expect(notTAP?.message.contains("not a TAP") == true)
            let monitorNowhere = failure { _ = try client.monitor(ForwarderMonitorParameters(switchName: "vs1", interface: "d0")).next() }
            #expect(monitorNowhere?.name == ForwarderError.notFound)
            // The rejected requests changed nothing.
            let list = try client.list()
            #expect(list.switches.map(\.name) == ["vs0", "vs1"])
            #expect(list.switches[0].ports.map(\.interface) == ["d0"] && list.switches[1].ports.isEmpty)
            #expect(list.switches[0].config.agingSeconds == 300)
            // Removals of what is not there succeed and say so.
            #expect(try !client.detach(switch: "vs1", interface: "d0").changed)
            #expect(try !client.deleteSwitch("vs7").changed)
            #expect(try !client.deleteTAP("nosuchtap").changed)
        }
    }

    @Test func concurrentClientsAreServedTogether() throws {
        try running { namespace, switchd in
            for index in 0..<8 {
                try namespace.run(["ip", "link", "add", "c\(index)", "type", "veth", "peer", "name", "c\(index)p"])
            }
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                do {
                    let client = switchd.client()
                    try client.createSwitch(CreateSwitchParameters(name: "vs\(index % 2)"))
                    try client.attach(switch: "vs\(index % 2)", interface: "c\(index)")
                    for _ in 0..<20 { _ = try client.list(); _ = try client.getInfo() }
                    if index % 3 == 0 {
                        // One more that breaks off in the middle of a message.
                        let raw = try VarlinkClient(path: switchd.socketPath, timeout: 2)
                        try raw.sendRaw(Array("{\"method\":\"io.valed.forwarder.Attach\",\"param".utf8))
                    }
                } catch {
                    failures.add("\(index): \(error)")
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all)")
            let ports = try switchd.client().list().switches.flatMap(\.ports).map(\.interface)
            #expect(Set(ports) == Set((0..<8).map { "c\($0)" }))
        }
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.lock(); items.append(item); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
