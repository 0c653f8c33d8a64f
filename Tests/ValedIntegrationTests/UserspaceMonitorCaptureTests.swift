import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `valectl monitor -w FILE` on the userspace datapath with real traffic
/// (issue 8): pings with a known payload cross the switch, the capture is
/// read back by tshark and tcpdump, and the count and contents match.
@Suite(.serialized, .enabled(if: TestHost.hasNetworkNamespaces && FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
                             "needs root, ip netns, veth and tshark"))
struct UserspaceMonitorCaptureTests {
    @Test func aPcapCaptureIsReadBackByTsharkWithTheFramesThatWereSent() throws {
        let t = try SwitchTopology(config: "")
        try t.daemon.writeConfig("switches:\n  vale0:\n    ports:\n      - nic: \(t.ha)\n      - nic: \(t.hb)\n")
        try t.daemon.start()
        #expect(try t.ping(from: t.a, to: "10.77.0.2"), "the switch forwards before the capture starts")

        let file = t.daemon.directory.path + "/capture.pcap"
        let monitor = Process()
        monitor.executableURL = TestHost.executable("valectl")
        monitor.arguments = ["monitor", "vale0:\(t.ha)", "--rx", "-w", file, "--socket", t.daemon.socketPath]
        let errors = Pipe()
        monitor.standardError = errors
        try monitor.run()
        defer { if monitor.isRunning { kill(monitor.processIdentifier, SIGKILL) } }

        // The monitor is live once a warm-up frame reached the file (24-byte pcap header + records).
        let live = try t.eventually(10) {
            _ = try t.a.run(["ping", "-c", "1", "-W", "1", "-p", "0101", "10.77.0.2"], check: false)
            return ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) > 24
        }
        #expect(live, "frames reach the capture file")

        let sent = 5
        let ping = try t.a.run(["ping", "-c", "\(sent)", "-i", "0.2", "-W", "1", "-p", "c0ffee42", "10.77.0.2"], check: false)
        #expect(ping.succeeded)
        func marked() throws -> [String] {
            let out = try Shell.run(["tshark", "-r", file, "-Y", "icmp.type == 8", "-T", "fields",
                                     "-e", "ip.src", "-e", "ip.dst", "-e", "icmp.seq", "-e", "frame.len", "-e", "data.data"], check: false)
            return out.stdout.split(separator: "\n").map(String.init).filter { $0.contains("c0ffee42") }
        }
        #expect(try t.eventually(5) { try marked().count == sent })
        kill(monitor.processIdentifier, SIGINT)
        let ended = t.eventually(10) { !monitor.isRunning }
        #expect(ended, "Ctrl-C ends the capture")
        if !ended { kill(monitor.processIdentifier, SIGKILL) }
        monitor.waitUntilExit()
        #expect(monitor.terminationStatus == 0, "Ctrl-C ends the capture cleanly")
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("captured"))

        let rows = try marked().map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == sent, "exactly the pings that were sent, once each")
        #expect(rows.map { $0[2] } == (1...sent).map(String.init), "in order: icmp sequence 1...\(sent)")
        for row in rows {
            #expect(row[0] == "10.77.0.1" && row[1] == "10.77.0.2")
            #expect(row[3] == "98", "14 Ethernet + 20 IP + 8 ICMP + 56 payload bytes")
        }
        // --rx: the echo replies leave through the port and are not captured.
        let replies = try Shell.run(["tshark", "-r", file, "-Y", "icmp.type == 0"], check: false)
        #expect(replies.stdout.isEmpty)
        // tcpdump reads the same file.
        let dump = try Shell.run(["tcpdump", "-nn", "-r", file, "icmp[icmptype] == 8 and icmp[28:4] == 0xc0ffee42"], check: false)
        #expect(dump.stdout.split(separator: "\n").count == sent, "\(dump.stderr)")
    }

    /// Issue 12: `valectl monitor -c N` ending while traffic flows killed valed
    /// (the packet thread re-entered its own lock). Three counted captures in
    /// a row, one of them on both directions, with a ping flood running.
    @Test func countedCapturesEndWhileTrafficFlowsAndValedKeepsForwarding() throws {
        let t = try SwitchTopology(config: "")
        try t.daemon.writeConfig("switches:\n  vale0:\n    ports:\n      - nic: \(t.ha)\n      - nic: \(t.hb)\n")
        try t.daemon.start()
        #expect(try t.ping(from: t.a, to: "10.77.0.2"))
        let flood = try BackgroundProcess(["ip", "netns", "exec", t.a.name, "ping", "-q", "-i", "0.01", "-W", "1", "10.77.0.2"])
        defer { flood.stop() }
        for (i, direction) in ["--rx", "--tx", "--both"].enumerated() {
            let file = t.daemon.directory.path + "/counted\(i).pcap"
            let result = try t.daemon.valectl(["monitor", "vale0:\(t.hb)", direction, "-c", "16", "-w", file, "--timeout", "30"])
            #expect(result.succeeded, "capture \(i) (\(direction)): \(result.stderr)")
            let frames = try Shell.run(["tcpdump", "-nn", "-r", file], check: false).stdout.split(separator: "\n").count
            #expect(frames == 16, "capture \(i) (\(direction)) holds exactly 16 frames, not \(frames)")
            #expect(t.daemon.isRunning, "valed is alive after capture \(i)\n\(t.daemon.log().suffix(2000))")
        }
        #expect(try t.daemon.valectl(["status"]).succeeded)
        #expect(try t.ping(from: t.a, to: "10.77.0.2"), "the switch still forwards")
        #expect(!t.daemon.log().contains("Fatal error"))
    }

    /// A capture whose port is detached ends with a message instead of
    /// waiting silently forever.
    @Test func aCaptureEndsWithAMessageWhenItsPortIsDetached() throws {
        let t = try SwitchTopology(config: "")
        try t.daemon.writeConfig("switches:\n  vale0:\n    ports:\n      - nic: \(t.ha)\n      - nic: \(t.hb)\n")
        try t.daemon.start()
        let file = t.daemon.directory.path + "/detached.pcap"
        let monitor = Process()
        monitor.executableURL = TestHost.executable("valectl")
        monitor.arguments = ["monitor", "vale0:\(t.hb)", "-w", file, "--socket", t.daemon.socketPath]
        let errors = Pipe()
        monitor.standardError = errors
        try monitor.run()
        defer { if monitor.isRunning { kill(monitor.processIdentifier, SIGKILL) } }
        let live = try t.eventually(10) {
            _ = try t.a.run(["ping", "-c", "1", "-W", "1", "10.77.0.2"], check: false)
            return ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) > 24
        }
        #expect(live, "frames reach the capture file")
        let detach = try t.daemon.valectl(["detach", "vale0:\(t.hb)"])
        #expect(detach.succeeded, "\(detach.stderr)")
        #expect(t.eventually(10) { !monitor.isRunning }, "the capture ends when its port goes")
        if monitor.isRunning { kill(monitor.processIdentifier, SIGKILL) }
        monitor.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(monitor.terminationStatus != 0)
        #expect(stderr.contains("detached"), "says why: \(stderr)")
        #expect(t.daemon.isRunning)
    }
}
