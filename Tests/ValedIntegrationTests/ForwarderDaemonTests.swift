import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// valed with its forwarding process, vale-switchd (issue 13): the switches
/// live in vale-switchd, so restarts and crashes of valed lose no frame, and
/// valed restarts a vale-switchd that dies. Each test pings every 10 ms
/// through a 2-port switch (`SwitchTopology`) and counts the lost replies;
/// each ends with no vale-switchd left (`SwitchTopology.deinit` kills it,
/// and the last test checks that teardown stops it).
@Suite(.serialized, .enabled(if: TestHost.hasNetworkNamespaces, "needs root, ip netns and veth"))
struct ForwarderDaemonTests {
    /// valed started, both veths on vale0, a first ping through.
    func switchUp() throws -> SwitchTopology {
        let t = try SwitchTopology()
        try t.daemon.start()
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.ha)"]).status == 0)
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.hb)"]).status == 0)
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
        return t
    }

    /// `valectl status --json`'s forwarder object.
    func forwarder(_ t: SwitchTopology) throws -> [String: Any] {
        let out = try t.daemon.valectl(["status", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        return try #require(object?["forwarder"] as? [String: Any], "status --json: \(out.stdout) \(out.stderr)")
    }

    /// The forwarder's view of vale0 (`list --json`): port name -> rxPackets.
    func counters(_ t: SwitchTopology) throws -> [String: Int] {
        let out = try t.daemon.valectl(["list", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        var result: [String: Int] = [:]
        for sw in object?["switches"] as? [[String: Any]] ?? [] {
            for port in sw["ports"] as? [[String: Any]] ?? [] {
                if let name = port["name"] as? String, let counters = port["counters"] as? [String: Any] {
                    result[name] = counters["rxPackets"] as? Int
                }
            }
        }
        return result
    }

    func restartLosesNoFrame(signal: Int32, name: String) throws {
        let t = try switchUp()
        let pids = t.daemon.forwarderPIDs()
        #expect(pids.count == 1, "one vale-switchd, started by valed")
        let ping = try PingRun(from: t.a, to: "10.77.0.2", count: 300, directory: t.daemon.directory)
        usleep(800_000)
        t.daemon.stop(signal: signal)
        usleep(300_000)
        // Still forwarding while valed is down.
        #expect(t.daemon.forwarderPIDs() == pids, "vale-switchd outlives \(name) of valed")
        try t.daemon.start()
        let result = ping.wait()
        print("\(name) of valed and a restart, ping every 10 ms through vale0: \(result)")
        #expect(result.transmitted == 300)
        #expect(result.lost == 0, "\(name) of valed lost frames: \(result)")
        #expect(t.daemon.forwarderPIDs() == pids, "the restarted valed adopts the same vale-switchd")
    }

    @Test func sigtermOfValedAndARestartLoseNoFrame() throws {
        try restartLosesNoFrame(signal: SIGTERM, name: "SIGTERM")
    }

    @Test func killOfValedAndARestartLoseNoFrame() throws {
        try restartLosesNoFrame(signal: SIGKILL, name: "kill -9")
    }

    @Test func aRestartedValedAdoptsTheForwarderWithZeroPortChanges() throws {
        let t = try switchUp()
        let before = try forwarder(t)
        #expect(before["running"] as? Bool == true)
        #expect(before["mode"] as? String == "spawn")
        #expect(before["socket"] as? String == t.daemon.forwarderSocketPath)
        let text = try t.daemon.valectl(["status"]).stdout
        #expect(text.contains("forwarder") && text.contains("vale-switchd pid \(before["pid"] as? Int ?? -1)"), "\(text)")
        #expect(try t.ping(from: t.a, to: "10.77.0.2", count: 3))
        let countersBefore = try counters(t)
        #expect((countersBefore[t.ha] ?? 0) > 0, "\(countersBefore)")

        t.daemon.stop(signal: SIGTERM)
        try t.daemon.start()
        let after = try forwarder(t)
        #expect(after["pid"] as? Int == before["pid"] as? Int, "the same process")
        #expect(after["instanceID"] as? String == before["instanceID"] as? String)
        #expect(after["restarts"] as? Int == before["restarts"] as? Int, "not started again")
        // Counters not reset: no port was closed and opened again.
        let countersAfter = try counters(t)
        for (port, value) in countersBefore {
            #expect((countersAfter[port] ?? -1) >= value, "\(port): \(countersBefore) -> \(countersAfter)")
        }
        // The start reconcile found everything in place.
        let status = try t.daemon.valectl(["status", "--json"]).stdout
        let object = try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any]
        let last = try #require(object?["lastReconcile"] as? [String: Any], "\(status)")
        #expect(last["applied"] as? Int == 0, "\(last)")
        #expect(last["ok"] as? Bool == true)
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
    }

    @Test func killOfTheForwarderIsRepairedByValed() throws {
        let t = try switchUp()
        let before = try forwarder(t)
        let pid = try #require(t.daemon.forwarderPIDs().first)
        let ping = try PingRun(from: t.a, to: "10.77.0.2", count: 300, directory: t.daemon.directory)
        usleep(1_000_000)
        let killed = Date().timeIntervalSince1970
        kill(pid, SIGKILL)
        let result = ping.wait()
        let resumed = result.replyTimes.first { $0 > killed }
        let gap = resumed.map { String(format: "%.1f ms", ($0 - killed) * 1000) } ?? "never"
        print("kill -9 of vale-switchd (valed restarts it, 2 ports): first reply \(gap) after the kill; ping every 10 ms: \(result)")
        #expect(resumed != nil, "traffic came back after the kill: \(result)")
        let after = try forwarder(t)
        #expect(after["pid"] as? Int != Int(pid))
        #expect(after["instanceID"] as? String == before["instanceID"] as? String)
        #expect((after["restarts"] as? Int ?? 0) == (before["restarts"] as? Int ?? 0) + 1)
        #expect(t.daemon.forwarderPIDs().count == 1)
        #expect(t.daemon.log().contains("died with signal 9"), "valed says what happened")
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
    }

    /// A vale-switchd that comes back without its ports (its state file
    /// lost, or ports it could not restore), restarted before valed's
    /// periodic check saw it down: valed notices the new process and
    /// reconciles, so the switch is whole again within a check or two.
    @Test func aForwarderThatComesBackWithoutItsPortsIsRefilledByValed() throws {
        let t = try switchUp()
        let pid = try #require(t.daemon.forwarderPIDs().first)
        // Its state gone: the restarted process starts with no switch.
        try FileManager.default.removeItem(atPath: t.daemon.forwarderStatePath)
        kill(pid, SIGKILL)
        let deadline = Date().addingTimeInterval(15)
        var back = false
        while Date() < deadline, !back {
            usleep(200_000)
            back = (try? t.ping(from: t.a, to: "10.77.0.2", count: 1)) == true
        }
        #expect(back, "traffic through vale0 again after the forwarder came back empty")
        let ports = try counters(t)
        #expect(Set(ports.keys).isSuperset(of: [t.ha, t.hb]), "both ports attached again: \(ports)")
        #expect(t.daemon.log().contains("was replaced since the last reconcile; reconciling"), "valed says why it reconciled")
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
    }

    @Test func aMonitorStartedBeforeAValedRestartEndsWithAMessage() throws {
        let t = try switchUp()
        let output = t.daemon.directory.path + "/monitor.txt"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let monitor = Process()
        monitor.executableURL = TestHost.executable("valectl")
        monitor.arguments = ["monitor", "vale0:\(t.ha)"]
        monitor.environment = ["VALED_SOCKET": t.daemon.socketPath]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        monitor.standardOutput = handle
        monitor.standardError = handle
        try monitor.run()
        let ping = try PingRun(from: t.a, to: "10.77.0.2", count: 100, interval: 0.02, directory: t.daemon.directory)
        usleep(700_000)
        t.daemon.stop(signal: SIGTERM)
        // The client sees no hang: it ends within a few seconds.
        let ended = TestSupport.eventually(10) { !monitor.isRunning }
        if !ended { monitor.terminate() }
        monitor.waitUntilExit()
        try t.daemon.start()
        let result = ping.wait()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        print("valectl monitor across a SIGTERM of valed: exit \(monitor.terminationStatus), last line: \(text.split(separator: "\n").last ?? "")")
        #expect(ended, "valectl monitor still ran 10 s after valed stopped:\n\(text)")
        #expect(text.contains(" rx "), "frames were captured before the restart:\n\(text.prefix(500))")
        let last = String(text.split(separator: "\n").last ?? "")
        #expect(last.contains("valed") || last.contains("captured"), "a sentence says why it ended: \(last)")
        #expect(result.lost == 0, "\(result)")
        // The forwarder dropped the old monitor connection and forwards on.
        #expect(t.daemon.forwarderPIDs().count == 1)
    }

    @Test func withoutAForwarderValedStartsAndSaysWhy() throws {
        let t = try SwitchTopology()
        t.daemon.extraArguments += ["--forwarder-path", "/nonexistent/vale-switchd"]
        try t.daemon.start()
        let attach = try t.daemon.valectl(["attach", "vale0:\(t.ha)"])
        #expect(attach.status != 0)
        #expect(attach.stderr.contains("vale-switchd is not running (socket \(t.daemon.forwarderSocketPath))")
                && attach.stderr.contains("/nonexistent/vale-switchd"), "\(attach.stderr)")
        let status = try forwarder(t)
        #expect(status["running"] as? Bool == false)
        #expect((status["problem"] as? String ?? "").contains("not running"), "\(status)")
        // The engine's periodic check marks the datapath down with the reason.
        #expect(TestSupport.eventually(6) {
            ((try? t.daemon.valectl(["status"]).stdout) ?? "").contains("userspace: vale-switchd is not running")
        })
        #expect(t.daemon.isRunning)
    }

    @Test func teardownStopsTheForwarderAndAChangeStartsItAgain() throws {
        let t = try switchUp()
        let pid = try #require(t.daemon.forwarderPIDs().first)
        let down = try t.daemon.valectl(["teardown"])
        #expect(down.status == 0, "\(down.stdout)\(down.stderr)")
        #expect(down.stdout.contains("vale-switchd stopped"), "\(down.stdout)")
        #expect(TestSupport.eventually(5) { t.daemon.forwarderPIDs().isEmpty }, "teardown stops vale-switchd")
        #expect(!FileManager.default.fileExists(atPath: t.daemon.forwarderStatePath), "its state file is gone")
        #expect(try !t.ping(from: t.a, to: "10.77.0.2", count: 1))
        // valed does not restart a forwarder stopped on purpose...
        usleep(300_000)
        #expect(t.daemon.forwarderPIDs().isEmpty)
        let status = try forwarder(t)
        #expect(status["running"] as? Bool == false)
        #expect(try t.daemon.valectl(["list"]).status == 0, "reads work without a forwarder")
        // ...until a change needs one.
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.ha)"]).status == 0)
        #expect(try t.daemon.valectl(["attach", "vale0:\(t.hb)"]).status == 0)
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
        let again = t.daemon.forwarderPIDs()
        #expect(again.count == 1 && again.first != pid)
        #expect(try t.daemon.valectl(["teardown"]).status == 0)
        #expect(TestSupport.eventually(5) { t.daemon.forwarderPIDs().isEmpty })
        t.daemon.stop(signal: SIGTERM)
        #expect(t.daemon.forwarderPIDs().isEmpty, "no stray vale-switchd")
    }
}
