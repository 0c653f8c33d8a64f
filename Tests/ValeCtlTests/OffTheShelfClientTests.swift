import Foundation
import Testing
import TestSupport
import ValeProtocol

/// The Python `varlink` package (PyPI, the reference implementation's
/// client) drives valed without valectl: it fetches io.valed's description
/// with GetInterfaceDescription, parses it with its own parser, and calls
/// methods through it.
@Suite struct OffTheShelfClientTests {
    static var hasPythonVarlink: Bool {
        (try? Shell.run(["python3", "-c", "import varlink"], check: false).succeeded) ?? false
    }

    static let script = #"""
        import json, sys, varlink
        address = "unix:" + sys.argv[1]
        with varlink.Client(address=address) as client:
            info = client.get_interfaces()
            with client.open("io.valed", namespaced=True) as valed:
                status = valed.Status()
                attach = valed.Attach(switch="vale0", interface="eth7", hostStack=False)
                try:
                    valed.Detach(switch="vale7", interface="eth0")
                    error = None
                except varlink.VarlinkError as e:
                    error = [e.error(), e.parameters()["message"]]
                events = []
                for reply in valed.Events(_more=True):
                    events.append(reply.event.object)
                    if len(events) == 2:
                        break
        print(json.dumps({"interfaces": info, "version": status.version, "datapath": status.datapath.kind,
                          "changed": attach.changed, "error": error, "events": events}))
        """#

    @Test(.enabled(if: hasPythonVarlink, "needs the python3 varlink package (pip install varlink)"))
    func pythonVarlinkClientDrivesValed() async throws {
        let harness = try await ServerHarness.start(handler: FakeHandler(endlessEvents: true))
        defer { Task { await harness.stop() } }
        let result = try Shell.run(["python3", "-c", Self.script, harness.socketPath], check: false)
        #expect(result.status == 0, "\(result.stderr)")
        try #require(result.status == 0)
        let output = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
        #expect(output["interfaces"] == .array([.string("org.varlink.service"), .string("io.valed")]))
        #expect(output["version"]?.stringValue == ValedVersion.string)
        #expect(output["datapath"]?.stringValue == "userspace")
        #expect(output["changed"]?.boolValue == true)
        #expect(output["error"] == .array([.string("io.valed.NotFound"), .string("cannot detach vale7:eth0: switch vale7 does not exist")]))
        #expect(output["events"] == .array([.string("vale0:eth0"), .string("vale0:eth1")]))
    }
}
