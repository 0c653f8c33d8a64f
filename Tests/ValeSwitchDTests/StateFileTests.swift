import Foundation
import Testing
import TestSupport
import ValeForwarding
#if canImport(Glibc)
import Glibc
#endif

/// The state file: written atomically on each change, refused with a
/// sentence when it cannot be used, never a crash.
@Suite struct StateFileTests {
    private func start(with contents: String) throws -> (Int32, String) {
        let switchd = try SwitchdProcess()
        defer { switchd.cleanUp() }
        try contents.write(toFile: switchd.statePath, atomically: false, encoding: .utf8)
        let status = try switchd.runToExit()
        return (status, switchd.log())
    }

    @Test func aTruncatedStateFileIsAClearError() throws {
        let (status, log) = try start(with: "{\"version\":1,\"instanceID\":\"x\",\"switches\":[{\"name\":\"vs0\",\"con")
        #expect(status == 65)
        #expect(log.contains("switchd.state is not valid JSON"), "\(log)")
        #expect(log.contains("move it away"))
        #expect(!log.contains("Fatal error"))
    }

    @Test func anEmptyStateFileIsAClearError() throws {
        let (status, log) = try start(with: "")
        #expect(status == 65)
        #expect(log.contains("switchd.state is empty"), "\(log)")
    }

    @Test func aStateFileOfAnotherVersionIsAClearError() throws {
        let (status, log) = try start(with: "{\"version\": 99}")
        #expect(status == 65)
        #expect(log.contains("has format version 99; this vale-switchd reads version 1"), "\(log)")
    }

    @Test func anInconsistentStateFileIsAClearError() throws {
        let (status, log) = try start(with: """
            {"version":1,"instanceID":"x","restarts":0,"switches":[],"taps":[],
             "attachments":[{"switch":"vs3","interface":"eth0","hostStack":false}]}
            """)
        #expect(status == 65)
        #expect(log.contains("vs3:eth0 names a switch that is not in the file"), "\(log)")
    }

    @Test func aMistypedStateFileNamesTheField() throws {
        let (status, log) = try start(with: "{\"version\":1,\"instanceID\":\"x\",\"restarts\":\"many\",\"switches\":[],\"attachments\":[],\"taps\":[]}")
        #expect(status == 65)
        #expect(log.contains("restarts"), "\(log)")
    }

    @Test(.enabled(if: TestHost.hasNetworkNamespaces, "needs root and ip netns"))
    func aLeftoverTemporaryFileIsIgnoredAndChangesAreDurable() throws {
        let namespace = try NetworkNamespace(prefix: "sws")
        defer { namespace.delete() }
        try namespace.run(["ip", "link", "add", "d0", "type", "veth", "peer", "name", "d0p"])
        let switchd = try SwitchdProcess(namespace: namespace)
        defer { switchd.cleanUp() }
        try switchd.start()
        try switchd.client().createSwitch(CreateSwitchParameters(name: "vs0", agingSeconds: 30))
        try switchd.client().attach(switch: "vs0", interface: "d0", hostStack: true)
        // Each change is on disk when its reply comes, in full.
        let data = try Data(contentsOf: URL(fileURLWithPath: switchd.statePath))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect((object?["attachments"] as? [[String: Any]])?.first?["interface"] as? String == "d0")
        switchd.stop(signal: SIGKILL)
        // A crash in the middle of a write leaves a partial temporary file.
        try "{\"version\":1,\"swi".write(toFile: switchd.statePath + ".tmp", atomically: false, encoding: .utf8)
        try switchd.start()
        let list = try switchd.client().list()
        #expect(list.switches.first?.config.agingSeconds == 30)
        #expect(list.switches.first?.ports.first?.interface == "d0")
        #expect(list.switches.first?.ports.first?.hostStack == true)
    }

    @Test(.enabled(if: TestHost.hasNetworkNamespaces, "needs root and ip netns"))
    func aPortWhoseInterfaceVanishedIsPendingUntilValedDecides() throws {
        let namespace = try NetworkNamespace(prefix: "swp")
        defer { namespace.delete() }
        try namespace.run(["ip", "link", "add", "d1", "type", "veth", "peer", "name", "d1p"])
        let switchd = try SwitchdProcess(namespace: namespace)
        defer { switchd.cleanUp() }
        try switchd.start()
        try switchd.client().createSwitch(CreateSwitchParameters(name: "vs0"))
        try switchd.client().attach(switch: "vs0", interface: "d1")
        switchd.stop(signal: SIGKILL)
        try namespace.run(["ip", "link", "del", "d1"])
        try switchd.start()
        let pending = try switchd.client().list().pending
        #expect(pending.map(\.interface) == ["d1"])
        #expect(pending.first?.error.contains("d1") == true)
        // The interface comes back and valed attaches it again.
        try namespace.run(["ip", "link", "add", "d1", "type", "veth", "peer", "name", "d1p"])
        #expect(try switchd.client().attach(switch: "vs0", interface: "d1").changed)
        let list = try switchd.client().list()
        #expect(list.pending.isEmpty)
        #expect(list.switches.first?.ports.map(\.interface) == ["d1"])
    }

    @Test func aSecondProcessOnTheSameStateFileRefusesToStart() throws {
        let first = try SwitchdProcess()
        defer { first.cleanUp() }
        try first.start()
        let second = try SwitchdProcess(directory: first.directory)
        let status = try second.runToExit()
        #expect(status == 1)
        #expect(second.log().contains("another vale-switchd uses the state file"))
        #expect(first.isRunning)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate"),
                   "needs systemd-socket-activate"))
    func aSocketPassedBySystemdIsUsedAndLeftInPlace() throws {
        let switchd = try SwitchdProcess()
        defer { switchd.cleanUp() }
        switchd.launcher = ["systemd-socket-activate", "-l", switchd.socketPath,
                            "-E", "NOTIFY_SOCKET=\(switchd.directory.path)/notify.sock"]
        // systemd-socket-activate listens first and execs vale-switchd with
        // LISTEN_FDS on the first connection, which then waits in the backlog.
        let client = switchd.client(timeout: 20)
        var info: ForwarderInfo?
        try switchd.start {
            #expect(eventually(10) { FileManager.default.fileExists(atPath: switchd.socketPath) })
            info = try client.getInfo()
        }
        #expect(info?.pid == switchd.pid)
        #expect(switchd.log().contains("using the socket systemd passed"), "\(switchd.log())")
        #expect(switchd.stop(signal: SIGTERM) == 0)
        // Not ours to remove: the socket unit keeps it for the next start.
        #expect(FileManager.default.fileExists(atPath: switchd.socketPath))
    }
}
