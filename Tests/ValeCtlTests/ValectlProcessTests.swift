import Foundation
import Testing
import TestSupport
import ValeControl
import ValeProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The real valectl binary against a control server with a fake handler.
@Suite struct ValectlProcessTests {
    static let valectl = TestHost.executable("valectl").path

    /// Runs valectl with `arguments`; `--socket` comes from the harness.
    func valectl(_ arguments: [String], socket: String?, environment: [String: String] = [:], prefix: [String] = []) throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "VALED_SOCKET")
        env.merge(environment) { $1 }
        let socketArguments = socket.map { ["--socket", $0] } ?? []
        return try Shell.run(prefix + [Self.valectl] + arguments + socketArguments, check: false, environment: env)
    }

    @Test func exitsThreeWhenNoDaemonListens() throws {
        let directory = try TemporaryDirectory(prefix: "valed-ctl")
        defer { directory.remove() }
        let result = try valectl(["status"], socket: directory.path + "/none.sock")
        #expect(result.status == 3)
        #expect(result.stderr.contains("cannot reach valed at \(directory.path)/none.sock: no such file or directory"))
        #expect(result.stdout.isEmpty)
    }

    @Test func exitsThreeWhenTheDaemonDoesNotAnswer() throws {
        // A socket that is listening but never accepts: connect succeeds
        // through the backlog, the reply never comes.
        let directory = try TemporaryDirectory(prefix: "valed-ctl")
        defer { directory.remove() }
        let path = directory.path + "/hung.sock"
        let fd = try bindUnixSocket(path)
        defer { close(fd) }
        #expect(listen(fd, 4) == 0)
        let result = try valectl(["list", "--timeout", "0.3"], socket: path)
        #expect(result.status == 3)
        #expect(result.stderr.contains("did not answer within 0.3 s"))
    }

    @Test(arguments: [
        ["attach", "eth0"], ["attach", "bridge0:eth0"], ["attach", "vale0:"], ["attach", "vale0:has/slash"],
        ["attach", "vale_has_a_long_name:eth0"], ["vnet-hdr", "set", "vale0:vm1", "11"], ["frobnicate"],
        ["port", "create", "vale9"], ["list", "--timeout", "0"], ["status", "--bogus"], ["monitor", "vale0:p", "-c", "0"],
        ["port", "create", "vm1", "--tx-slots", "5000"], ["pipe", "create", "a{b"], ["nic", "show", "a/b"], ["port", "show", "vale0:"],
    ])
    func exitsTwoOnUsageErrors(_ arguments: [String]) throws {
        let result = try valectl(arguments, socket: "/nonexistent/valed.sock")
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("Usage:") || result.stderr.contains("Error:"))
    }

    @Test func usageErrorMessagesNameTheProblem() throws {
        let result = try valectl(["attach", "bridge0:eth0"], socket: nil)
        #expect(result.stderr.contains("invalid port name 'bridge0': switch names must start with 'vale'"))
    }

    @Test func exitsOneOnAnErrorReplyWithTheDaemonsSentence() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let result = try valectl(["detach", "vale7:eth0"], socket: harness.socketPath)
        #expect(result.status == 1)
        #expect(result.stderr == "valectl: cannot detach vale7:eth0: switch vale7 does not exist\n")
        let json = try valectl(["detach", "vale7:eth0", "--json"], socket: harness.socketPath)
        #expect(json.status == 1)
        let reply = try JSONDecoder().decode(VarlinkReply.self, from: Data(json.stdout.utf8))
        #expect(reply.error == ValedError.notFound)
        #expect(reply.parameters?["kind"]?.stringValue == "switch")
    }

    @Test func idempotentRepliesSaySo() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let first = try valectl(["attach", "vale0:eth5"], socket: harness.socketPath)
        #expect(first.status == 0)
        #expect(first.stdout == "attached eth5 to vale0\n")
        let again = try valectl(["attach", "vale0:eth5"], socket: harness.socketPath)
        #expect(again.status == 0)
        #expect(again.stdout == "vale0:eth5 is already attached\n")
    }

    @Test func listPrintsAnAlignedTableAndStableJSON() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let table = try valectl(["list"], socket: harness.socketPath)
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("SWITCH  PORT  KIND  OWNER    STATE  BRIDGE  INDEX  CARRIER  RX-PKTS  TX-PKTS  DROPS"))
        #expect(lines[1].hasPrefix("vale0   eth0  nic   runtime  ok     0       0      up       10       20       1"))
        let json = try valectl(["list", "--json"], socket: harness.socketPath)
        #expect(json.status == 0)
        let reply = try JSONDecoder().decode(ListReply.self, from: Data(json.stdout.utf8))
        #expect(reply.switches.first?.ports.first?.switchName == "vale0")
        #expect(json.stdout.contains("\"switch\" : \"vale0\""))
        #expect(json.stdout.contains("\"rxPackets\" : 10"))
        let definition = try VarlinkInterfaceDefinition(parsing: try ValedInterface.loadDescription())
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.stdout.utf8))
        #expect(definition.problems(of: value, as: .structure(definition.method("List")!.output)) == [])
    }

    @Test func statusPrintsKeyValues() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let result = try valectl(["status"], socket: harness.socketPath)
        #expect(result.status == 0)
        #expect(result.stdout.contains("datapath:       userspace: /dev/netmap is absent\n"))
        #expect(result.stdout.contains("last reconcile: ok at 2026-11-25T17:00:00Z, 1 applied, 0 failed: in sync\n"))
    }

    @Test func socketComesFromTheEnvironment() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let result = try valectl(["module", "status"], socket: nil, environment: ["VALED_SOCKET": harness.socketPath])
        #expect(result.status == 0)
        #expect(result.stdout.contains("state:       unsupported"))
    }

    @Test func applyPrintsThePlanAndFailsOnAFailedStep() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let good = harness.directory.path + "/good.yaml"
        let failing = harness.directory.path + "/failing.yaml"
        let bad = harness.directory.path + "/bad.yaml"
        try "switches: {}\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "fail: yes\n".write(toFile: failing, atomically: true, encoding: .utf8)
        try "a: 1\nb: 2\n  bad: 3\n".write(toFile: bad, atomically: true, encoding: .utf8)

        let dry = try valectl(["apply", "-f", good, "--dry-run"], socket: harness.socketPath)
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("1  planned  attach  vale1:eth1  attach eth1 to vale1"))
        #expect(dry.stdout.hasSuffix("2 steps planned\n"))

        let failed = try valectl(["apply", "-f", failing], socket: harness.socketPath)
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("2  failed   attach  vale1:eth2  attach eth2 to vale1: eth2 does not exist"))
        #expect(failed.stderr.contains("apply stopped at a failed step"))

        let invalid = try valectl(["apply", "-f", bad], socket: harness.socketPath)
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("\(bad):3:5: unknown key \"bad\""))

        let missing = try valectl(["apply", "-f", harness.directory.path + "/none.yaml"], socket: harness.socketPath)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read the configuration"))
    }

    @Test func eventsPrintsOneLinePerEvent() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        // The fake's event stream ends after two events, as when valed
        // stops: the connection closes and valectl exits 3.
        let result = try valectl(["events"], socket: harness.socketPath)
        #expect(result.status == 3)
        #expect(result.stdout == "2026-11-25T17:00:00Z  port-state  vale0:eth0  eth0 is ok\n2026-11-25T17:00:01Z  port-state  vale0:eth1  eth1 is ok\n")
        #expect(result.stderr.contains("valed closed the connection"))
        let json = try valectl(["events", "--json"], socket: harness.socketPath)
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(try JSONDecoder().decode(EventsReply.self, from: Data(lines[1].utf8)).event.object == "vale0:eth1")
    }

    @Test func monitorWritesPcapThatTcpdumpReads() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let file = harness.directory.path + "/capture.pcap"
        let result = try valectl(["monitor", "vale0:eth0", "-c", "5", "-w", file], socket: harness.socketPath)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("5 frames captured"))
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let expectedSize = 24 + 5 * (16 + 60)
        #expect(data.count == expectedSize)
        let magic: [UInt8] = [0x4d, 0x3c, 0xb2, 0xa1]
        #expect(Array(data.prefix(4)) == magic)
        if Shell.has("tcpdump") {
            let read = try Shell.run(["tcpdump", "-n", "-r", file], check: false)
            #expect(read.status == 0, "\(read.stderr)")
            #expect(read.stdout.split(separator: "\n").count == 5)
        } else {
            Issue.record("tcpdump is missing; scripts/install-deps.sh installs it")
        }
    }

    @Test func monitorPrintsOneLinePerFrame() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let result = try valectl(["monitor", "vale0:eth0", "-c", "3", "--rx"], socket: harness.socketPath)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix(".000000005 rx 60 bytes 02:00:00:00:00:00 > 00:00:00:00:00:00 ethertype 0x0800"))
        #expect(lines[1].contains(" tx 60 bytes "))
    }

    @Test func everyCommandReachesItsMethod() async throws {
        let harness = try await ServerHarness.start()
        defer { Task { await harness.stop() } }
        let cases: [([String], Int32, String)] = [
            (["port", "create", "vm1", "--switch", "vale0", "--tx-slots", "2048"], 0, "created port vm1"),
            (["port", "delete", "vm1"], 0, "port vm1 does not exist; nothing to delete"),
            (["port", "show", "vale0:eth0"], 0, "tx rings:    1 x 1024 slots"),
            (["polling", "enable", "vale0:eth0", "--cpu", "1", "--cpus", "2"], 0, "polling vale0:eth0"),
            (["polling", "disable", "vale0:eth0"], 0, "polling is already off"),
            (["vnet-hdr", "set", "vale0:vm1", "12"], 0, "vale0:vm1 now uses a 12-byte header"),
            (["config", "show"], 0, "switches:\n  vale0:"),
            (["reload"], 0, "nothing to do"),
            (["teardown"], 1, "valectl: the fake datapath cannot tear down"),
            (["module", "load"], 1, "cannot load netmap: this kernel cannot load modules (ENOSYS)"),
            (["module", "unload"], 1, "cannot unload netmap: vale0:eth0 uses it"),
            (["module", "unload", "--force"], 0, "unloaded netmap"),
            (["module", "reload"], 0, "reloaded netmap"),
            (["nic", "show", "eth0"], 0, "promiscuous  on       off    no"),
            (["nic", "show", "eth9"], 1, "interface eth9 does not exist"),
            (["pipe", "create", "p1", "--slots", "512"], 0, "created pipe p1"),
            (["pipe", "delete", "p1"], 0, "deleted pipe p1"),
            (["pipe", "list"], 0, "p0    1024   master: pid 1 uid 0 (pkt-gen)"),
            (["list", "vale9"], 1, "switch vale9 does not exist"),
        ]
        for (arguments, status, text) in cases {
            let result = try valectl(arguments, socket: harness.socketPath)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect((result.stdout + result.stderr).contains(text), "\(arguments): \(result.stdout)\(result.stderr)")
        }
    }

    // MARK: Authorization with real unprivileged processes

    static var canDropPrivileges: Bool { getuid() == 0 && Shell.has("setpriv") }

    /// `setpriv` prefix running as nobody, with `groups` as supplementary groups.
    func asNobody(groups: [UInt32] = []) -> [String] {
        ["setpriv", "--reuid=65534", "--regid=65534"]
            + (groups.isEmpty ? ["--clear-groups"] : ["--groups=\(groups.map(String.init).joined(separator: ","))"])
    }

    @Test(.enabled(if: canDropPrivileges, "needs root and setpriv to run valectl as nobody"))
    func unprivilegedUserCanReadButNotChange() async throws {
        let harness = try await ServerHarness.start(privilegedGroup: .none)
        defer { Task { await harness.stop() } }
        for read in [["list"], ["status"], ["port", "show", "vale0:eth0"], ["config", "show"], ["module", "status"],
                     ["nic", "show", "eth0"], ["pipe", "list"]] {
            let result = try valectl(read, socket: harness.socketPath, prefix: asNobody())
            #expect(result.status == 0, "\(read): \(result.stderr)")
        }
        let events = try valectl(["events"], socket: harness.socketPath, prefix: asNobody())
        #expect(events.stdout.split(separator: "\n").count == 2, "\(events.stderr)")
        #expect(harness.handler.lastCaller?.uid == 65534)
        #expect(harness.handler.lastCaller?.mayChangeState == false)
        for change in [["attach", "vale0:eth1"], ["detach", "vale0:eth0"], ["port", "create", "vm1"], ["port", "delete", "vm1"],
                       ["polling", "enable", "vale0:eth0"], ["polling", "disable", "vale0:eth0"], ["vnet-hdr", "set", "vale0:vm1", "0"],
                       ["reload"], ["teardown"], ["module", "load"], ["module", "unload"], ["module", "reload"],
                       ["monitor", "vale0:eth0"], ["pipe", "create", "p1"], ["pipe", "delete", "p1"]] {
            let result = try valectl(change, socket: harness.socketPath, prefix: asNobody())
            #expect(result.status == 1, "\(change)")
            #expect(result.stderr.hasPrefix("valectl: permission denied: only root and members of group valed may "), "\(change): \(result.stderr)")
            #expect(result.stderr.contains("(the caller runs as uid 65534)"))
        }
        let file = harness.directory.path + "/c.yaml"
        try "switches: {}\n".write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let apply = try valectl(["apply", "-f", file], socket: harness.socketPath, prefix: asNobody())
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("may apply a configuration"))
        // Nothing changed: the only port is still there.
        let list: ListReply = try harness.client().call(ValedMethod.list.qualifiedName, ListParameters())
        #expect(list.switches.flatMap(\.ports).map(\.qualifiedName) == ["vale0:eth0"])
    }

    @Test(.enabled(if: canDropPrivileges, "needs root and setpriv to run valectl as nobody"))
    func membersOfThePrivilegedGroupMayChange() async throws {
        let group: UInt32 = 54321
        let harness = try await ServerHarness.start(privilegedGroup: .id(group))
        defer { Task { await harness.stop() } }
        let member = try valectl(["attach", "vale0:eth3"], socket: harness.socketPath, prefix: asNobody(groups: [group]))
        #expect(member.status == 0, "\(member.stderr)")
        #expect(harness.handler.lastCaller?.groups == [group])
        let other = try valectl(["attach", "vale0:eth4"], socket: harness.socketPath, prefix: asNobody(groups: [group + 1]))
        #expect(other.status == 1)
        let primary = try valectl(["attach", "vale0:eth4"], socket: harness.socketPath,
                                  prefix: ["setpriv", "--reuid=65534", "--regid=\(group)", "--clear-groups"])
        #expect(primary.status == 0, "\(primary.stderr)")
    }
}

@Suite struct ValectlInterruptTests {
    @Test func ctrlCEndsAStreamCleanlyAndValedReleasesIt() async throws {
        let handler = FakeHandler(endlessEvents: true)
        let harness = try await ServerHarness.start(handler: handler)
        defer { Task { await harness.stop() } }
        let process = Process()
        process.executableURL = TestHost.executable("valectl")
        process.arguments = ["events", "--socket", harness.socketPath]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Both events have arrived once two lines are printed.
        var received = Data()
        while received.filter({ $0 == UInt8(ascii: "\n") }).count < 2 {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received += chunk
        }
        #expect(String(decoding: received, as: UTF8.self).contains("vale0:eth1"))
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        try await eventually { handler.streamTerminations == 1 }
    }
}
