import Foundation
import Testing
@testable import ValeProtocol

@Suite struct MessageTests {
    private func json(_ value: some Encodable) throws -> String {
        String(decoding: try VarlinkFraming.makeEncoder().encode(value), as: UTF8.self)
    }

    @Test func callOmitsAbsentFields() throws {
        let call = VarlinkCall(method: "io.valed.Status")
        #expect(try json(call) == #"{"method":"io.valed.Status"}"#)
    }

    @Test func callWithTypedParametersAndMore() throws {
        let call = try VarlinkCall(method: "io.valed.Monitor", encoding: MonitorParameters(switchName: "vale0", port: "p1", count: 3), more: true)
        #expect(call.wantsMore)
        #expect(call.parameters?["switch"]?.stringValue == "vale0")
        #expect(call.parameters?["direction"]?.stringValue == "both")
        #expect(call.parameters?["count"]?.intValue == 3)
    }

    @Test func optionalBooleansDefaultToFalse() throws {
        let parameters = try JSONValue.object(["switch": .string("vale0"), "interface": .string("eth0")]).decode(as: AttachParameters.self)
        #expect(parameters == AttachParameters(switchName: "vale0", interface: "eth0", hostStack: false, force: false))
        let withNull = try JSONValue.object(["switch": .string("vale0"), "interface": .string("eth0"), "force": .null]).decode(as: AttachParameters.self)
        #expect(withNull.force == false)
    }

    @Test func missingRequiredParameterFailsToDecode() {
        #expect(throws: DecodingError.self) {
            try JSONValue.object(["interface": .string("eth0")]).decode(as: AttachParameters.self)
        }
    }

    @Test func errorReplyRoundTrips() throws {
        let error = VarlinkError.notFound(kind: "switch", name: "vale9", message: "switch vale9 does not exist")
        let reply = VarlinkReply(error: error)
        let decoded = try JSONDecoder().decode(VarlinkReply.self, from: try VarlinkFraming.makeEncoder().encode(reply))
        #expect(decoded.varlinkError == error)
        #expect(decoded.varlinkError?.message == "switch vale9 does not exist")
        #expect(throws: error) { try decoded.decode(as: StatusReply.self) }
    }

    @Test func standardErrorsHaveSentences() {
        #expect(VarlinkError.methodNotFound("io.valed.Nope").message == "valed does not know the method io.valed.Nope")
        #expect(VarlinkError.invalidParameter("switch").message == "the parameter switch is missing or invalid")
        #expect(VarlinkError(name: "x.y.Z", parameters: ["a": .int(1)]).message == "x.y.Z (a=1)")
    }

    @Test func portStateIsAnEnumWithItsReasonBeside() throws {
        #expect(try json([PortState.ok, .notAttached, .datapathGone]) == #"["ok","notAttached","datapathGone"]"#)
        let port = Port(switchName: "vale0", name: "eth0", kind: .nic, owner: .config, state: .failed, stateReason: "eth0 is down")
        #expect(try json(port) == #"{"kind":"nic","name":"eth0","owner":"config","state":"failed","stateReason":"eth0 is down","switch":"vale0"}"#)
        let decoded = try JSONDecoder().decode([PortState].self, from: Data(#"["ok","missing","beingRemoved"]"#.utf8))
        #expect(decoded == [.ok, .missing, .beingRemoved])
        #expect(throws: DecodingError.self, "a sentence is no longer a state") {
            try JSONDecoder().decode(PortState.self, from: Data(#""eth0 is down""#.utf8))
        }
        // Every case is a value of the interface file's enum.
        let interface = try VarlinkInterfaceDefinition(parsing: ValedInterface.text)
        #expect(interface.type("PortState") == .enumeration(PortState.allCases.map(\.rawValue)))
    }

    @Test func portUsesTheSwitchFieldName() throws {
        let port = Port(switchName: "vale0", name: "eth0", kind: .nicHost, owner: .config, portIndex: 2)
        #expect(try json(port) == #"{"kind":"nic+host","name":"eth0","owner":"config","portIndex":2,"state":"ok","switch":"vale0"}"#)
        #expect(port.qualifiedName == "vale0:eth0")
    }

    @Test func frameDataIsBase64() throws {
        let frame = Frame(seconds: 1, nanoseconds: 2, direction: .rx, length: 3, data: Data([1, 2, 3]))
        #expect(try json(frame).contains(#""data":"AQID""#))
    }

    @Test func jsonValueDistinguishesKinds() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"a":true,"b":1,"c":1.5,"d":"x","e":[null],"f":{}}"#.utf8))
        #expect(value == .object(["a": .bool(true), "b": .int(1), "c": .double(1.5), "d": .string("x"), "e": .array([.null]), "f": .object([:])]))
    }

    @Test func methodNamesAndAuthorization() {
        #expect(ValedMethod(qualifiedName: "io.valed.Attach") == .attach)
        #expect(ValedMethod(qualifiedName: "io.valed.Nope") == nil)
        #expect(ValedMethod(qualifiedName: "org.varlink.service.GetInfo") == nil)
        #expect(ValedMethod.attach.isReadOnly == false)
        #expect(ValedMethod.list.isReadOnly)
        let readOnly = ValedMethod.allCases.filter(\.isReadOnly).map(\.rawValue).sorted()
        #expect(readOnly == ["Events", "List", "ModuleStatus", "PipeList", "ShowConfig", "ShowNIC", "ShowPort", "Status", "TunnelList"])
        #expect(ValedMethod.allCases.filter(\.isStreaming) == [.events, .monitor])
    }
}
