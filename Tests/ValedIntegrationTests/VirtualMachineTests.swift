import Foundation
import Testing
import TestSupport

/// Two QEMU/TCG guests with default virtio-net settings on TAP ports of a
/// real valed (userspace datapath), and a network namespace on a veth
/// attached to the same switch:
///
///     vm1 10.88.0.1 ─ TAP vm1 ┐
///     vm2 10.88.0.2 ─ TAP vm2 ┼ vale0 (valed in namespace `hub`)
///     ns  10.88.0.3 ─ veth    ┘ (switch side: tx checksumming off)
///
/// valed, QEMU and the TAP devices live in `hub`; nothing touches the
/// machine's own network. See docs/testing-vms.md.
final class VirtualMachineLab {
    static let bytes = 20 << 20
    let hub: NetworkNamespace
    let ns: NetworkNamespace
    let daemon: DaemonProcess
    let directory: TemporaryDirectory
    let hubVeth: String
    var guests: [QEMUGuest] = []
    var helpers: [NamespaceHelper] = []

    init() throws {
        hub = try NetworkNamespace(prefix: "vmh")
        ns = try NetworkNamespace(prefix: "vmn")
        directory = try TemporaryDirectory(prefix: "valed-vm")
        daemon = try DaemonProcess(executable: "valed", arguments: ["--datapath", "userspace"])
        daemon.namespace = hub.name
        hubVeth = "h" + String(ns.name.suffix(6))
        try ns.addVeth(inside: "vc", outside: hubVeth, outsideIn: hub)
        try ns.run(["ip", "addr", "add", "10.88.0.3/24", "dev", "vc"])
        try daemon.writeConfig("")
    }

    /// Starts valed, creates the switch's ports and boots both guests.
    func start(deviceOptions: String = "") throws {
        try daemon.start()
        for port in ["vm1", "vm2"] {
            let r = try daemon.valectl(["port", "create", port, "--switch", "vale0"])
            guard r.succeeded else { throw GuestError("port create \(port): \(r.stderr)\n\(daemon.log())") }
        }
        let attach = try daemon.valectl(["attach", "vale0:\(hubVeth)"])
        guard attach.succeeded else { throw GuestError("attach \(hubVeth): \(attach.stderr)") }
        // Frames the switch sends to the namespace must then carry a complete
        // checksum: the kernel finishes any partial one in software, and the
        // namespace verifies it (a wrong one counts in Udp InCsumErrors).
        try hub.run(["ethtool", "-K", hubVeth, "tx", "off"])
        let initramfs = try QEMUHost.buildInitramfs(in: directory)
        for (i, name) in ["vm1", "vm2"].enumerated() {
            guests.append(try QEMUGuest(name: name, address: "10.88.0.\(i + 1)/24", mac: "52:54:00:88:00:0\(i + 1)",
                                        tap: name, namespace: hub.name, initramfs: initramfs,
                                        directory: directory, deviceOptions: deviceOptions))
        }
        for guest in guests { try guest.waitUntilReady() }
    }

    /// Runs netcheck.py (Tests/VM) in the namespace.
    func helper(_ arguments: [String]) throws -> NamespaceHelper {
        let script = TestHost.repositoryRoot.appendingPathComponent("Tests/VM/netcheck.py").path
        let h = try NamespaceHelper(["ip", "netns", "exec", ns.name, "python3", script] + arguments, directory: directory)
        helpers.append(h)
        return h
    }

    /// `Udp: InCsumErrors` of the namespace's /proc/net/snmp.
    func udpChecksumErrors() throws -> Int {
        let snmp = try ns.run(["cat", "/proc/net/snmp"]).stdout.split(separator: "\n").filter { $0.hasPrefix("Udp: ") }
        guard snmp.count == 2, let i = snmp[0].split(separator: " ").firstIndex(of: "InCsumErrors") else { return -1 }
        return Int(snmp[1].split(separator: " ")[i]) ?? -1
    }

    /// Everything that helps explain a failure.
    func diagnostics() -> String {
        guests.map { $0.diagnostics() }.joined(separator: "\n") + "\n--- valed log (tail) ---\n"
            + daemon.log().split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    deinit {
        for guest in guests { guest.stop() }
        for h in helpers { h.stop() }
        daemon.cleanUp()
        hub.delete()
        ns.delete()
        directory.remove()
    }
}

/// A netcheck.py process in the namespace; its output goes to a file.
final class NamespaceHelper {
    private let process = Process()
    private let outputPath: String

    init(_ arguments: [String], directory: TemporaryDirectory) throws {
        outputPath = directory.path + "/helper-\(UUID().uuidString.prefix(8)).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = out
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool { process.isRunning }

    /// Waits (bounded) until the helper printed `line` (or a line starting so).
    func waitFor(_ line: String, prefix: Bool = false, timeout: TimeInterval = 30) -> Bool {
        func printed() -> Bool { output.split(separator: "\n").contains { prefix ? $0.hasPrefix(line) : $0 == line } }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if printed() { return true }
            if !process.isRunning { return printed() }
            usleep(100_000)
        }
        return false
    }

    /// Waits (bounded) for the helper to exit, killing it at the deadline;
    /// returns its last line ("tcp BYTES SHA256", "udp DATAGRAMS BYTES").
    func result(by deadline: Date) -> String {
        while process.isRunning && Date() < deadline { usleep(100_000) }
        let finished = !process.isRunning
        stop()
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        return finished ? last : "killed unfinished at the deadline (last line: \(last))"
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

@Suite(.serialized)
struct VirtualMachineTests {
    /// Seconds all four TCP transfers together may take (TCG guests are slow,
    /// and other jobs may share the CPUs).
    static let transferTimeout = 240
    /// Seconds without progress after which the transfers count as stalled.
    static let stallTimeout = 30

    @Test(.enabled("needs QEMU, a Debian kernel image, busybox-static and /dev/net/tun") { QEMUHost.canBootGuests() },
          .timeLimit(.minutes(10)))
    func twoGuestsAndANamespaceTalkThroughTapPortsWithDefaultVirtioSettings() throws {
        let started = Date()
        let lab = try VirtualMachineLab()
        // Set VALED_VM_DEVICE_OPTIONS (e.g. "csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_csum=off")
        // to compare with offloads off; the test itself uses the defaults.
        try lab.start(deviceOptions: ProcessInfo.processInfo.environment["VALED_VM_DEVICE_OPTIONS"] ?? "")
        let vm1 = lab.guests[0], vm2 = lab.guests[1]
        print("VM test: guests ready after \(Int(Date().timeIntervalSince(started))) s")

        // The data for the TCP transfers: 20 MiB from /dev/urandom per guest,
        // made (slowly, under TCG) while the pings run.
        for guest in lab.guests {
            try guest.startJob("data", "dd if=/dev/urandom of=/tmp/send bs=1M count=\(VirtualMachineLab.bytes >> 20) 2>/dev/null && sha256sum /tmp/send")
        }

        // Ping: guest ↔ guest and guest ↔ namespace.
        let ping12 = try vm1.run("ping -c 3 -W 5 10.88.0.2")
        #expect(ping12.succeeded, "vm1 pings vm2: \(ping12)\n\(lab.diagnostics())")
        let ping21 = try vm2.run("ping -c 3 -W 5 10.88.0.1")
        #expect(ping21.succeeded, "vm2 pings vm1: \(ping21)")
        let ping13 = try vm1.run("ping -c 3 -W 5 10.88.0.3")
        #expect(ping13.succeeded, "vm1 pings the namespace: \(ping13)")
        let ping32 = try lab.ns.run(["ping", "-c", "3", "-W", "5", "10.88.0.2"], check: false)
        #expect(ping32.succeeded, "the namespace pings vm2: \(ping32.stdout)\(ping32.stderr)")

        // TCP, all four transfers at once: vm1→vm2, vm2→vm1, vm1→namespace, namespace→vm2.
        // Each guest sends 20 MiB from /dev/urandom; receivers hash what arrived.
        var sent: [String: String] = [:]
        for guest in lab.guests {
            let r = try guest.waitForJob("data", timeout: 180)
            try #require(r?.succeeded == true, "\(guest.name) makes its data: \(r.map { "\($0)" } ?? "not done in 180 s")")
            sent[guest.name] = String(r!.output.prefix(64))
        }
        for (guest, port) in [(vm2, 5001), (vm1, 5002), (vm2, 5004)] {
            try guest.startJob("rx\(port)", "nc -l -p \(port) -e sh -c 'cat > /tmp/rx\(port)'")
            let listening = try guest.run("until netstat -ltn | grep -q ':\(port) '; do sleep 0.1; done", timeout: 20)
            try #require(listening.succeeded, "\(guest.name) listens on \(port)")
        }
        let nsReceiver = try lab.helper(["tcp-recv", "5003", "\(Self.transferTimeout)"])
        try #require(nsReceiver.waitFor("listening"), "namespace listens on 5003: \(nsReceiver.output)")
        try vm1.startJob("tx5001", "nc 10.88.0.2 5001 < /tmp/send")
        try vm2.startJob("tx5002", "nc 10.88.0.1 5002 < /tmp/send")
        try vm1.startJob("tx5003", "nc 10.88.0.3 5003 < /tmp/send")
        let nsSender = try lab.helper(["tcp-send", "10.88.0.2", "5004", "\(VirtualMachineLab.bytes)", "\(Self.transferTimeout)"])
        // Wait while data flows: stop when every transfer is done, when the
        // receivers' interfaces got under 1 MiB in `stallTimeout` seconds
        // (a broken path fails fast), or at `transferTimeout`.
        let transfersStarted = Date()
        let deadline = transfersStarted.addingTimeInterval(TimeInterval(Self.transferTimeout))
        var lastBytes = 0, lastProgress = Date(), finished = false
        while !finished && Date() < deadline && Date().timeIntervalSince(lastProgress) < TimeInterval(Self.stallTimeout) {
            let p1 = try vm1.progress(jobs: ["rx5002"]), p2 = try vm2.progress(jobs: ["rx5001", "rx5004"])
            let nsBytes = Int(try lab.ns.run(["cat", "/sys/class/net/vc/statistics/rx_bytes"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            finished = p1.running == 0 && p2.running == 0 && !nsReceiver.isRunning && !nsSender.isRunning
            let bytes = p1.rxBytes + p2.rxBytes + nsBytes
            if bytes - lastBytes >= 1 << 20 { lastBytes = bytes; lastProgress = Date() }
            if !finished { usleep(1_000_000) }  // a progress poll, not a synchronization
        }
        let stalled = finished ? "" : Date() >= deadline ? "not done after \(Self.transferTimeout) s"
            : "no progress for \(Self.stallTimeout) s"
        print("VM test: TCP transfers \(finished ? "finished" : stalled) after \(Int(Date().timeIntervalSince(transfersStarted))) s")

        /// What `guest` received on `port`: "BYTES SHA256", or why nothing.
        func received(_ guest: QEMUGuest, _ port: Int) throws -> String {
            guard let job = try guest.waitForJob("rx\(port)", timeout: 1) else { return "nothing complete (\(stalled))" }
            let r = try guest.run("wc -c < /tmp/rx\(port) && sha256sum /tmp/rx\(port)")
            let words = r.output.split(whereSeparator: { $0 == " " || $0 == "\n" })
            return r.succeeded && words.count >= 2 ? "\(words[0]) \(words[1])" : "nothing: receiver \(job); \(r)"
        }
        let expected1 = "\(VirtualMachineLab.bytes) \(sent["vm1"]!)", expected2 = "\(VirtualMachineLab.bytes) \(sent["vm2"]!)"
        let got12 = try received(vm2, 5001)
        #expect(got12 == expected1, "TCP vm1→vm2: got \(got12), sent \(expected1)\n\(lab.diagnostics())")
        let got21 = try received(vm1, 5002)
        #expect(got21 == expected2, "TCP vm2→vm1: got \(got21), sent \(expected2)")
        let got13 = nsReceiver.result(by: Date())
        #expect(got13 == "tcp \(expected1)", "TCP vm1→namespace: got \(got13), sent \(expected1)")
        let got32 = try received(vm2, 5004)
        let nsSent = nsSender.result(by: Date())
        #expect(nsSent.hasPrefix("tcp \(VirtualMachineLab.bytes) "), "TCP namespace→vm2: the sender finished: \(nsSent)")
        #expect("tcp " + got32 == nsSent, "TCP namespace→vm2: got \(got32), sent \(nsSent)")
        print("VM test: TCP done after \(Int(Date().timeIntervalSince(started))) s")

        // UDP vm1→namespace: the guest leaves checksums to the (virtual) NIC;
        // every datagram must reach the namespace with a valid checksum.
        let datagrams = 200
        let errorsBefore = try lab.udpChecksumErrors()
        let udpReceiver = try lab.helper(["udp-recv", "5005", "\(datagrams)", "120"])
        try #require(udpReceiver.waitFor("listening"), "namespace listens on UDP 5005: \(udpReceiver.output)")
        // busybox syslogd forwards each message logger writes as one datagram.
        // logger returns while syslogd may still hold a few messages, so the
        // guest then waits until its Udp OutDatagrams went up by as many.
        let outDatagrams = "awk '/^Udp:/ { n++; if (n == 2) print $5 }' /proc/net/snmp"
        let udp = try vm1.run("""
            before=$(\(outDatagrams)) && syslogd -R 10.88.0.3:5005 && until [ -S /dev/log ]; do sleep 0.1; done && \
            seq 1 \(datagrams) | sed 's/$/ vmtest-udp checksum check 0123456789abcdefghijklmnopqrstuvwxyz/' | logger -t vmtest && \
            until [ $(\(outDatagrams)) -ge $((before + \(datagrams))) ]; do sleep 0.2; done; echo sent $(($(\(outDatagrams)) - before))
            """, timeout: 90)
        #expect(udp.succeeded, "vm1 sends \(datagrams) datagrams: \(udp)")
        // The receiver prints "udp COUNT BYTES" per datagram and exits once it
        // has them all; stop waiting 15 s after the last one that came.
        var lastCount = "", lastChange = Date()
        while udpReceiver.isRunning && Date().timeIntervalSince(lastChange) < 15 {
            let count = udpReceiver.output.split(separator: "\n").last { $0.hasPrefix("udp ") }.map(String.init) ?? ""
            if count != lastCount { lastCount = count; lastChange = Date() }
            usleep(200_000)
        }
        let udpResult = udpReceiver.result(by: Date().addingTimeInterval(5))
        let errors = try lab.udpChecksumErrors() - errorsBefore
        #expect(udpResult.hasPrefix("udp \(datagrams) "), "UDP vm1→namespace: \(udp.output.trimmingCharacters(in: .whitespacesAndNewlines)) of \(datagrams), received: \(udpResult)")
        #expect(errors == 0, "UDP vm1→namespace: Udp InCsumErrors went up by \(errors) in the namespace")
        print("VM test: finished after \(Int(Date().timeIntervalSince(started))) s")
    }
}
