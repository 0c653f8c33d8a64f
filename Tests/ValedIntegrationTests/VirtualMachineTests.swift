import Foundation
import Testing
import TestSupport

/// Two QEMU/TCG guests with default virtio-net settings and a namespace on
/// one valed switch (VirtualMachineLab): ping, TCP with verified data, UDP
/// checksums. See docs/testing-vms.md.
@Suite(.serialized)
struct VirtualMachineTests {
    /// When this test's instance was made, just before the test runs.
    private let started = Date()
    /// Seconds all four TCP transfers together may take (TCG guests are slow,
    /// and other jobs may share the CPUs).
    static let transferTimeout = 240
    /// Seconds without progress after which the transfers count as stalled.
    static let stallTimeout = 30

    @Test(.enabled("needs QEMU, a Debian kernel image, busybox-static and /dev/net/tun") { QEMUHost.canBootGuests() },
          .timeLimit(.minutes(10)))
    func twoGuestsAndANamespaceTalkThroughTapPortsWithDefaultVirtioSettings() throws {
        let lab = try VirtualMachineLab()
        // Set VALED_VM_DEVICE_OPTIONS (e.g. "csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_csum=off")
        // to compare with offloads off; the test itself uses the defaults.
        try lab.start(deviceOptions: ProcessInfo.processInfo.environment["VALED_VM_DEVICE_OPTIONS"] ?? "")
        print("VM test: guests ready after \(Int(Date().timeIntervalSince(started))) s")

        // The data for the TCP transfers: 20 MiB from /dev/urandom per guest,
        // made (slowly, under TCG) while the pings run.
        for guest in lab.guests {
            try guest.startJob("data", "dd if=/dev/urandom of=/tmp/send bs=1M count=\(VirtualMachineLab.bytes >> 20) 2>/dev/null && sha256sum /tmp/send")
        }

        try ping(lab)
        try tcp(lab)
        try udp(lab)
        print("VM test: finished after \(Int(Date().timeIntervalSince(started))) s")
    }

    /// Ping: guest ↔ guest and guest ↔ namespace.
    private func ping(_ lab: VirtualMachineLab) throws {
        let vm1 = lab.guests[0], vm2 = lab.guests[1]
        let ping12 = try vm1.run("ping -c 3 -W 5 10.88.0.2")
        #expect(ping12.succeeded, "vm1 pings vm2: \(ping12)\n\(lab.diagnostics())")
        let ping21 = try vm2.run("ping -c 3 -W 5 10.88.0.1")
        #expect(ping21.succeeded, "vm2 pings vm1: \(ping21)")
        let ping13 = try vm1.run("ping -c 3 -W 5 10.88.0.3")
        #expect(ping13.succeeded, "vm1 pings the namespace: \(ping13)")
        let ping32 = try lab.ns.run(["ping", "-c", "3", "-W", "5", "10.88.0.2"], check: false)
        #expect(ping32.succeeded, "the namespace pings vm2: \(ping32.stdout)\(ping32.stderr)")

    }

    /// TCP, all four transfers at once: vm1→vm2, vm2→vm1, vm1→namespace, namespace→vm2.
    /// Each guest sends its 20 MiB; receivers hash what arrived.
    private func tcp(_ lab: VirtualMachineLab) throws {
        let vm1 = lab.guests[0], vm2 = lab.guests[1]
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
    }

    /// UDP vm1→namespace: the guest leaves checksums to the (virtual) NIC;
    /// every datagram must reach the namespace with a valid checksum.
    private func udp(_ lab: VirtualMachineLab) throws {
        let vm1 = lab.guests[0]
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
    }
}
